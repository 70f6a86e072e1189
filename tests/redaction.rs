//! No `Debug` of a type built from a secret shows the secret: not the webhook token, not the
//! PagerDuty routing key, not a header's value, not the path of a hook URL that is its secret,
//! not a signature.

use sauce_webhooks::Event;
use sauce_webhooks::connector::{Template, WebhookConnector};
use sauce_webhooks::outgoing::endpoint::Endpoint;
use sauce_webhooks::pagerduty::{AlertEvent, ChangeEvent, IncidentRules, Payload, RoutingKey, Severity};
use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier, sign};

const TOKEN: &str = "webhook-token-3c1a7e0e4f6b";
const ROUTING_KEY: &str = "R0UT1NGKEYSECRET0123456789ABCDEF";
const BEARER: &str = "Bearer api-token-7e1c9a5b";
/// A Slack-style hook: the URL's path is the secret.
const HOOK: &str = "https://hooks.slack.com/services/T0SECRET/B0SECRET/XXXXsecretXXXX?token=q-secret";

/// Both `Debug` forms of `value`, checked for every secret and for `also`.
fn assert_hides<T: std::fmt::Debug>(what: &str, value: &T, also: &[&str]) {
    for shown in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in
            [TOKEN, ROUTING_KEY, BEARER, "api-token", "T0SECRET", "XXXXsecretXXXX", "q-secret"].iter().chain(also)
        {
            assert!(!shown.contains(secret), "{what} shows {secret:?}: {shown}");
        }
    }
}

#[test]
fn no_debug_output_shows_a_secret() {
    let secret = Secret::new(TOKEN).unwrap();
    assert_hides("Secret", &secret, &[]);
    let verifier = Verifier::new(secret.clone()).with_secret(Secret::new("second-token").unwrap());
    assert_hides("Verifier", &verifier, &["second-token"]);
    assert_hides("Verifier<PagerDutyV3>", &verifier.clone().with_scheme(PagerDutyV3), &["second-token"]);

    let key = RoutingKey::new(ROUTING_KEY).unwrap();
    assert_hides("RoutingKey", &key, &[]);
    let rules = IncidentRules::new(key.clone());
    assert_hides("IncidentRules", &rules, &[]);
    let event = Event::from_slice(sauce_webhooks::testing::fixtures::VDC_JOB_FAILED).unwrap();
    let trigger = rules.alert_for(&event).unwrap();
    assert_hides("AlertEvent", &trigger, &[]);
    let request = trigger.request().unwrap();
    assert!(String::from_utf8_lossy(&request.body).contains(ROUTING_KEY), "the body itself carries the key");
    assert_hides("OutgoingRequest (alert)", &request, &[]);
    let resolve = AlertEvent::resolve(key.clone(), "k");
    assert_hides("AlertEvent (resolve)", &resolve, &[]);
    let change = ChangeEvent::new(key.clone(), "deployed", "ci");
    assert_hides("ChangeEvent", &change, &[]);
    assert_hides("OutgoingRequest (change)", &change.request().unwrap(), &[]);
    let payload = Payload::new("s", "s", Severity::Info);
    assert_hides("AlertEvent (trigger by hand)", &AlertEvent::trigger(key, payload), &[]);

    let endpoint = Endpoint::parse(HOOK).unwrap();
    assert_hides("Endpoint", &endpoint, &[]);
    assert_eq!(format!("{endpoint:?}"), "Endpoint(https://….slack.com/…)");
    let connector = WebhookConnector::new(endpoint)
        .with_header("Authorization", BEARER)
        .unwrap()
        .with_template(
            Template::parse(&format!(r#"{{"routing_key": "{ROUTING_KEY}", "text": "{{{{job.name}}}}"}}"#)).unwrap(),
        )
        .with_signing_secret(secret.clone());
    assert_hides("WebhookConnector", &connector, &[]);
    let request = connector.request(&event).unwrap().unwrap();
    let signature = sign(&secret, &request.body).to_string();
    assert_hides("OutgoingRequest (connector)", &request, &[&signature]);
    assert!(format!("{request:?}").contains("authorization") || format!("{request:?}").contains("Authorization"));
    assert_hides("Signature", &sign(&secret, &request.body), &[&signature]);

    // A token in the host's first label, as some hook services issue them.
    let token_host = Endpoint::parse("https://3f9c2b7a1e5d.m.pipedream.net/").unwrap();
    assert_hides("Endpoint (token in the host)", &token_host, &["3f9c2b7a1e5d"]);
}

#[test]
fn no_error_shows_a_value_passed_as_a_header_name() {
    let endpoint = Endpoint::parse(HOOK).unwrap();
    let err = WebhookConnector::new(endpoint).with_header(format!("Authorization: {BEARER}"), "").unwrap_err();
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains("api-token"), "{shown}");
    }
    assert!(err.to_string().starts_with(r#"invalid header name "Authorization" and 27 bytes more"#), "{err}");
}

#[test]
fn no_outbox_debug_shows_a_hook_url_path() {
    use sauce_webhooks::delivery::{Message, Outbox, Outcome};
    use sauce_webhooks::time::OffsetDateTime;
    let connector = WebhookConnector::new(Endpoint::parse(HOOK).unwrap()).with_on_success(true);
    let event = Event::from_slice(sauce_webhooks::testing::fixtures::VDC_JOB_FAILED).unwrap();
    let message = Message::webhook(connector.request(&event).unwrap().unwrap());
    assert_hides("Message", &message, &[]);
    let outbox = Outbox::new();
    let now = OffsetDateTime::UNIX_EPOCH;
    outbox.enqueue(message, now).unwrap();
    let attempt = outbox.due(now, 1).unwrap().pop().unwrap();
    assert_hides("Attempt", &attempt, &[]);
    let outbox = Outbox::new().with_policy(sauce_webhooks::delivery::RetryPolicy::webhook().with_schedule([]));
    outbox.enqueue(Message::webhook(connector.request(&event).unwrap().unwrap()), now).unwrap();
    let attempt = outbox.due(now, 1).unwrap().pop().unwrap();
    let gave_up = outbox.report(&attempt, &Outcome::status(500), now, 0).unwrap();
    assert_hides("Reported::GaveUp", &gave_up, &[]);
}
