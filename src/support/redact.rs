//! How URLs that may carry secrets show in `Debug` output.

use url::{Host, Url};

/// `url` as scheme, the domain's last two labels and port, with the rest replaced by `…`
/// (`https://….slack.com/…`): webhook URLs carry their secret in the path or query
/// (`hooks.slack.com/services/…`) and sometimes in the host's first label
/// (`<token>.m.pipedream.net`); the domain is enough to tell where a request goes.
pub(crate) fn redacted(url: &Url) -> String {
    let host = match url.host() {
        Some(Host::Domain(domain)) => match domain.rsplitn(3, '.').collect::<Vec<_>>()[..] {
            [top, second, _] => format!("….{second}.{top}"),
            _ => domain.to_owned(),
        },
        Some(address) => address.to_string(),
        None => String::new(),
    };
    let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
    let has_more = url.path() != "/" || url.query().is_some() || url.fragment().is_some();
    format!("{}://{host}{port}/{}", url.scheme(), if has_more { "…" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::redacted;

    fn shown(url: &str) -> String {
        redacted(&url::Url::parse(url).unwrap())
    }

    #[test]
    fn only_the_domain_shows() {
        assert_eq!(shown("https://hooks.slack.com:8443/services/T0/B0/secret?token=x"), "https://….slack.com:8443/…");
        assert_eq!(shown("https://3f9c2b7a1e.m.pipedream.net/"), "https://….pipedream.net/");
        assert_eq!(shown("https://example.com"), "https://example.com/");
        assert_eq!(shown("http://127.0.0.1:9000/hook"), "http://127.0.0.1:9000/…");
        assert_eq!(shown("http://[::1]/#secret"), "http://[::1]/…");
    }
}
