//! The write-only pipeline, shared by the benches that time it: verify, parse borrowed, route,
//! and the alert's body written with `IncidentRules::write_alert` into a buffer kept from event
//! to event (no ledger).

use std::hint::black_box;

use sauce_webhooks::Router;
use sauce_webhooks::pagerduty::IncidentRules;
use sauce_webhooks::signature::Verifier;

/// One request through it; the subscriptions it reached.
pub fn write_only(
    verifier: &Verifier,
    router: &Router<u64>,
    rules: &IncidentRules,
    body: &[u8],
    header: &str,
    alert: &mut Vec<u8>,
) -> usize {
    let event = verifier.verify(body, Some(header)).unwrap().event_ref().unwrap();
    let reached = router.route(&event).count();
    rules.write_alert(&event, alert).unwrap();
    black_box(&alert);
    reached
}
