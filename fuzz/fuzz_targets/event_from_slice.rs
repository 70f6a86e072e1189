//! Any bytes as a Sauce Labs body: parsing never panics, and every event it accepts writes out
//! as JSON that parses back to the same event, routes and makes its alert without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sauce_webhooks::filter::{Outcomes, Scope, Subscription, Topic};
use sauce_webhooks::pagerduty::{IncidentRules, RoutingKey};
use sauce_webhooks::{Event, OrgId, Router};

fuzz_target!(|body: &[u8]| {
    let _ = Event::from_slice_batch(body);
    let Ok(event) = Event::from_slice(body) else { return };
    let written = serde_json::to_vec(&event).expect("a parsed event writes out");
    assert_eq!(Event::from_slice(&written).expect("a written event parses"), event);

    let mut router = Router::new();
    router.insert(
        1,
        Subscription::new(Scope::Organization(OrgId::from("acme")), [Topic::VirtualDeviceJobs(Outcomes::All)]),
    );
    let _ = router.route(&event).count();
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    if let Some(alert) = rules.alert_for(&event) {
        let _ = alert.body();
    }
});
