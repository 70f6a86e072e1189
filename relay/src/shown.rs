//! URLs as logs and listings show them: an endpoint's path, query and the first labels of its
//! host may hold its token (`hooks.slack.com/services/…`, `<token>.m.pipedream.net`), so only
//! its scheme, the last two labels of its host, and its port are shown.

/// The domain of `host`: its last two labels; an address, whole (it holds no token).
pub fn domain(host: &str) -> String {
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host.to_owned();
    }
    let labels: Vec<&str> = host.rsplitn(3, '.').take(2).collect();
    labels.into_iter().rev().collect::<Vec<_>>().join(".")
}

/// `url` as it may be shown: `https://….example.com:8443/…`.
pub fn endpoint(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else { return "<not a URL>".to_owned() };
    let host = parsed.host_str().unwrap_or_default();
    let shown_host = if parsed.domain().is_some() && domain(host) != host {
        format!("…{}{}", '.', domain(host))
    } else {
        host.to_owned()
    };
    let port = parsed.port().map(|port| format!(":{port}")).unwrap_or_default();
    format!("{}://{shown_host}{port}/…", parsed.scheme())
}

/// `text` with its control characters escaped (`\u{1b}`, `\n`): text read from the database or
/// a request is shown, never obeyed by a terminal or taken for a line of its own.
pub fn text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_default().collect() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_token_is_shown() {
        assert_eq!(super::endpoint("https://hooks.slack.com/services/T0/B0/XyZ"), "https://….slack.com/…");
        assert_eq!(super::endpoint("https://eo1abc.m.pipedream.net/"), "https://….pipedream.net/…");
        assert_eq!(super::endpoint("http://127.0.0.1:8080/hooks/qa?token=1"), "http://127.0.0.1:8080/…");
        assert_eq!(super::endpoint("https://example.com/x"), "https://example.com/…");
        assert_eq!(super::endpoint("garbage"), "<not a URL>");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(super::text("a\u{1b}[2Jb\nc \"d\""), "a\\u{1b}[2Jb\\nc \"d\"");
    }
}
