//! How URLs that may carry secrets show in `Debug` output.

use url::Url;

/// `url` with its path, query and fragment replaced by `…` (`https://hooks.slack.com/…`), as
/// webhook URLs often carry their secret there; the origin is enough to tell one from another.
pub(crate) fn redacted(url: &Url) -> String {
    let origin = url.origin().ascii_serialization();
    let has_more = url.path() != "/" || url.query().is_some() || url.fragment().is_some();
    if has_more { format!("{origin}/…") } else { format!("{origin}/") }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn only_the_origin_shows() {
        let url = url::Url::parse("https://hooks.slack.com:8443/services/T0/B0/secret?token=x").unwrap();
        assert_eq!(redacted(&url), "https://hooks.slack.com:8443/…");
        assert_eq!(redacted(&url::Url::parse("https://example.com").unwrap()), "https://example.com/");
    }
}
