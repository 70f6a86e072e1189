//! Each endpoint rule, accepted and refused, however the address is spelled.

use std::net::IpAddr;

use proptest::prelude::*;
use sauce_webhooks::outgoing::endpoint::{Endpoint, EndpointError, EndpointPolicy, MAX_URL_LEN};

fn refused_address(url: &str) -> bool {
    matches!(Endpoint::parse(url), Err(EndpointError::ForbiddenAddress(_)))
}

#[test]
fn public_https_urls_are_accepted() {
    for url in [
        "https://hooks.example.com/sauce",
        "https://hooks.example.com:8443/sauce?team=checkout&x=%20y",
        "https://8.8.8.8/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://xn--bcher-kva.example/hook",
        "HTTPS://Hooks.Example.COM/Path",
        "https://[::ffff:8.8.8.8]/",
        "https://[2002:808:808::1]/",
        "https://[2a00:1450:4001:81c::200e]/",
        "https://[3ffe::1]/",
        "https://local.example.com/",
        "https://internal.example.com:22/",
    ] {
        let endpoint = Endpoint::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(endpoint.as_str().starts_with("https://"));
    }
    assert_eq!(Endpoint::parse("HTTPS://Hooks.Example.COM/Path").unwrap().as_str(), "https://hooks.example.com/Path");
}

#[test]
fn each_rule_refuses() {
    assert!(
        matches!(Endpoint::parse("http://hooks.example.com/"), Err(EndpointError::Scheme { scheme }) if scheme == "http")
    );
    for url in
        ["ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "data:text/plain,x", "ws://example.com/"]
    {
        assert!(matches!(Endpoint::parse(url), Err(EndpointError::Scheme { .. })), "{url}");
    }
    assert_eq!(Endpoint::parse("https://user:pw@example.com/").unwrap_err(), EndpointError::Credentials);
    assert_eq!(Endpoint::parse("https://user@example.com/").unwrap_err(), EndpointError::Credentials);
    assert_eq!(Endpoint::parse("https://example.com/#frag").unwrap_err(), EndpointError::Fragment);
    assert_eq!(Endpoint::parse("https://example.com/#").unwrap_err(), EndpointError::Fragment);
    for url in ["", "not a url", "https://", "https://exa mple.com/", "https://[::1/"] {
        assert!(matches!(Endpoint::parse(url), Err(EndpointError::Invalid { .. })), "{url:?}");
    }
    let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
    assert!(matches!(Endpoint::parse(&long), Err(EndpointError::TooLong { .. })));
    let at_limit = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN - 20));
    assert_eq!(at_limit.len(), MAX_URL_LEN);
    assert!(Endpoint::parse(&at_limit).is_ok());
    // Percent-encoding can make the normalized URL longer than the input.
    let grows = format!("https://example.com/{}", "é".repeat(1000));
    assert!(matches!(Endpoint::parse(&grows), Err(EndpointError::TooLong { .. })));
    for url in ["https://localhost/", "https://LOCALHOST:8443/", "https://api.localhost/", "https://localhost./"] {
        assert_eq!(Endpoint::parse(url).unwrap_err(), EndpointError::Localhost, "{url}");
    }
    for url in [
        "https://printer.local/",
        "https://metadata.google.internal/",
        "https://nas.home.arpa/",
        "https://box.localdomain./",
        "https://internal/",
    ] {
        assert!(matches!(Endpoint::parse(url), Err(EndpointError::LocalName(_))), "{url}: {:?}", Endpoint::parse(url));
    }
    for url in ["https://127.0.0.1../", "https://0x7f.1../", "https://10.0.0.1.../"] {
        assert!(refused_address(url), "{url}: {:?}", Endpoint::parse(url));
    }
}

#[test]
fn every_non_public_range_is_refused() {
    for host in [
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.255",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "239.1.2.3",
        "240.0.0.1",
        "192.0.2.1",
        "198.51.100.7",
        "203.0.113.9",
        "198.18.0.1",
        "192.0.0.8",
    ] {
        assert!(refused_address(&format!("https://{host}/")), "{host}");
    }
    for host in [
        "[::1]",
        "[::]",
        "[fe80::1]",
        "[fc00::1]",
        "[fd12:3456::1]",
        "[ff02::1]",
        "[2001:db8::1]",
        "[fec0::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.1.2.3]",
        "[::ffff:169.254.169.254]",
        "[::127.0.0.1]",
        "[64:ff9b::10.0.0.1]",
        "[2002:7f00:1::]",
        "[2001::1]",
        "[100::1]",
    ] {
        assert!(refused_address(&format!("https://{host}/")), "{host}");
    }
}

#[test]
fn other_spellings_of_loopback_are_refused() {
    for url in [
        "https://2130706433/",   // decimal
        "https://0x7f000001/",   // hex
        "https://0x7f.1/",       // hex, short form
        "https://0177.0.0.1/",   // octal
        "https://127.1/",        // short form
        "https://017700000001/", // octal, whole
        "https://0/",            // 0.0.0.0
        "https://[0:0:0:0:0:ffff:7f00:1]/",
        "https://%31%32%37.0.0.1/", // percent-encoded
    ] {
        assert!(refused_address(url), "{url}: {:?}", Endpoint::parse(url));
    }
    // 169.254.169.254, the cloud metadata address, in decimal.
    assert!(refused_address("https://2852039166/latest/meta-data/"));
}

#[test]
fn the_development_policy_loosens_only_what_it_says() {
    let http = EndpointPolicy::default().with_http(true);
    assert!(Endpoint::parse_with("http://hooks.example.com/", &http).is_ok());
    assert!(matches!(Endpoint::parse_with("http://127.0.0.1/", &http), Err(EndpointError::ForbiddenAddress(_))));
    let private = EndpointPolicy::default().with_private_targets(true);
    assert!(Endpoint::parse_with("https://127.0.0.1:3000/", &private).is_ok());
    assert!(Endpoint::parse_with("https://localhost/", &private).is_ok());
    assert!(matches!(Endpoint::parse_with("http://localhost/", &private), Err(EndpointError::Scheme { .. })));
    let dev = http.with_private_targets(true);
    assert!(Endpoint::parse_with("http://localhost:3000/hook", &dev).is_ok());
    assert_eq!(Endpoint::parse_with("http://u:p@localhost/", &dev).unwrap_err(), EndpointError::Credentials);
}

#[test]
fn permits_ip_is_for_resolved_addresses() {
    let strict = EndpointPolicy::default();
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert!(strict.permits_ip(ip("93.184.216.34")));
    assert!(strict.permits_ip(ip("2606:4700:4700::1111")));
    for private in ["10.1.2.3", "127.0.0.1", "::1", "fd00::1", "::ffff:192.168.0.1", "169.254.169.254"] {
        assert!(!strict.permits_ip(ip(private)), "{private}");
        assert!(EndpointPolicy::default().with_private_targets(true).permits_ip(ip(private)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn parse_never_panics(url in prop_oneof![".{0,80}", "https://[0-9a-fx.:\\[\\]%]{0,40}/.{0,10}", "(https?|ftp)://[a-z0-9@:.#?/-]{0,40}"]) {
        let _ = Endpoint::parse(&url);
        let _ = Endpoint::parse_with(&url, &EndpointPolicy::default().with_http(true).with_private_targets(true));
    }

    #[test]
    fn every_accepted_ip_literal_is_public(octets in any::<[u8; 4]>(), v6 in any::<[u16; 8]>()) {
        let v4 = std::net::Ipv4Addr::from(octets);
        let accepted = Endpoint::parse(&format!("https://{v4}/")).is_ok();
        prop_assert_eq!(accepted, EndpointPolicy::default().permits_ip(v4.into()));
        let v6 = std::net::Ipv6Addr::from(v6);
        let accepted = Endpoint::parse(&format!("https://[{v6}]/")).is_ok();
        prop_assert_eq!(accepted, EndpointPolicy::default().permits_ip(v6.into()));
    }
}
