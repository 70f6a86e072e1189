//! Any bytes as a PagerDuty v3 webhook body: parsing never panics, and an accepted envelope
//! writes out as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sauce_webhooks::pagerduty::webhook::Envelope;

fuzz_target!(|body: &[u8]| {
    if let Ok(envelope) = Envelope::from_slice(body) {
        let _ = envelope.event.incident_id();
        serde_json::to_vec(&envelope).expect("a parsed envelope writes out");
    }
});
