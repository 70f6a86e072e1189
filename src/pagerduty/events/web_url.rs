//! The URLs PagerDuty shows as links.

use url::Url;

use super::limits::MAX_URL_BYTES;

/// An `http` or `https` URL with a host, in normalized form, of at most
/// [`MAX_URL_BYTES`](crate::pagerduty::MAX_URL_BYTES): all PagerDuty shows as a link. The normalized form
/// percent-encodes quotes, backslashes and controls, so it is its own JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebUrl(String);

impl WebUrl {
    pub(crate) fn parse(href: &str) -> Option<Self> {
        if href.len() > MAX_URL_BYTES {
            return None;
        }
        Url::parse(href)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .filter(|url| url.as_str().len() <= MAX_URL_BYTES)
            .map(|url| Self(url.into()))
    }

    /// This URL with `tail` appended, checked again unless the URL ends in `/` and `tail` is
    /// letters, digits, `-` and `_` only (as job ids are): `tail` is then a whole new path
    /// segment that no normalization changes (it cannot be a dot segment, nor complete a
    /// percent-encoded one, and a web URL's host is always followed by a `/`).
    pub(crate) fn join(&self, tail: &str) -> Option<Self> {
        let joined = [self.0.as_str(), tail].concat();
        let plain = self.0.ends_with('/') && tail.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if plain && joined.len() <= MAX_URL_BYTES { Some(Self(joined)) } else { Self::parse(&joined) }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::WebUrl;

    #[test]
    fn joining_a_plain_tail_gives_what_parsing_the_whole_would() {
        let bases = [
            "https://app.saucelabs.com/tests/",
            "https://app.saucelabs.com",
            "HTTP://Example.COM:80/a/../tests",
            "https://example.com/t?job=",
            "https://example.com/#/tests/",
            "http://[2001:db8::1]:8080/jobs/",
            "https://example.com/a/%2",
            "https://example.com/a/b/%",
            "https://example.com/a/b/%2e%2",
            "https://example.com/a/b.",
        ];
        for base in bases {
            let base = WebUrl::parse(base).unwrap();
            for tail in [
                "4b0c9d3ea2f14e2b9f3a7c1d5e6f7a8b",
                "a-b_C",
                "",
                "e",
                "2e",
                "E",
                ".",
                "..",
                "x y",
                "%2e%2e",
                "@evil.com",
            ] {
                let whole = format!("{}{tail}", base.0);
                assert_eq!(base.join(tail), WebUrl::parse(&whole), "{whole}");
            }
        }
    }
}
