//! Any text as a webhook URL: checking never panics, and a URL it accepts is accepted again
//! in its normalized form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sauce_webhooks::endpoint::Endpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else { return };
    if let Ok(endpoint) = Endpoint::parse(url) {
        let again = Endpoint::parse(endpoint.as_str()).expect("a normalized endpoint stays valid");
        assert_eq!(again, endpoint);
    }
});
