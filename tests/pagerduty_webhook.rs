//! PagerDuty v3 webhooks: verified with the `PagerDutyV3` scheme, parsed into typed events.

use sauce_webhooks::pagerduty::webhook::{Envelope, EventType, IncidentStatus, Urgency, WebhookData};
use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier, sign};
use time::macros::datetime;

mod common;

/// A PagerDuty delivery: the kit's payloads are named `pagerduty_*`, the others sit in
/// `tests/data/pagerduty/`.
fn fixture(name: &str) -> Vec<u8> {
    match name {
        "incident_triggered.json" => common::read("pagerduty_incident_triggered.json"),
        "pagey_ping.json" => common::read("pagerduty_ping.json"),
        _ => common::read(&format!("pagerduty/{name}")),
    }
}

fn parse(name: &str) -> sauce_webhooks::pagerduty::webhook::WebhookEvent {
    Envelope::from_slice(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}")).event
}

#[test]
fn a_triggered_incident_has_what_a_catalog_reads() {
    let event = parse("incident_triggered.json");
    assert_eq!(event.id, "01DEN2HWCHD7LXVMB8DRS5SD2C");
    assert_eq!(event.event_type, EventType::IncidentTriggered);
    assert_eq!(event.event_type.as_str(), "incident.triggered");
    assert_eq!(event.resource_type, "incident");
    assert_eq!(event.occurred_at, datetime!(2024-05-01 10:17:05.123 UTC));
    assert_eq!(event.agent.as_ref().unwrap().kind.as_deref(), Some("service_reference"));
    assert_eq!(event.incident_id(), Some("Q1FQ6NM1QHTDRZ"));
    let WebhookData::Incident(incident) = &event.data else { panic!("{:?}", event.data) };
    assert_eq!(
        incident.title.as_deref(),
        Some("Checkout › applies a discount code at payment failed on chrome, Windows")
    );
    assert_eq!(incident.status, Some(IncidentStatus::Triggered));
    assert_eq!(incident.urgency, Some(Urgency::High));
    assert_eq!(incident.number, Some(4312));
    assert_eq!(incident.html_url.as_deref(), Some("https://acme.pagerduty.com/incidents/Q1FQ6NM1QHTDRZ"));
    assert_eq!(incident.created_at, Some(datetime!(2024-05-01 10:17:05 UTC)));
    assert_eq!(incident.escalation_policy.as_ref().unwrap().summary.as_deref(), Some("Web shop on-call"));
    assert_eq!(incident.priority.as_ref().unwrap().summary.as_deref(), Some("P1"));
    assert_eq!(incident.service.as_ref().unwrap().id, "PLH1HKV");
    assert_eq!(incident.assignees[0].summary.as_deref(), Some("Jane Doe"));
    assert_eq!(incident.incident_key.as_deref(), Some("acme/vdc/Checkout › applies a discount code at payment"));
    assert!(incident.conference_bridge.is_some());
    assert!(incident.resolve_reason.is_none());
}

#[test]
fn nullable_and_missing_fields() {
    let acknowledged = parse("incident_acknowledged.json");
    let WebhookData::Incident(incident) = &acknowledged.data else { panic!() };
    assert_eq!(incident.status, Some(IncidentStatus::Acknowledged));
    assert_eq!((incident.incident_key.as_deref(), incident.created_at), (None, None), "missing");
    assert_eq!((&incident.priority, &incident.conference_bridge), (&None, &None), "null");
    assert!(acknowledged.client.is_none());

    let resolved = parse("incident_resolved.json");
    let WebhookData::Incident(incident) = &resolved.data else { panic!() };
    assert_eq!(incident.status, Some(IncidentStatus::Resolved));
    assert_eq!(incident.urgency, Some(Urgency::Low));
    assert!(incident.teams.is_empty(), "null teams");
    let reason = incident.resolve_reason.as_ref().unwrap().to_value().unwrap();
    assert_eq!(reason["type"], "merge_resolve_reason");
    assert_eq!(reason["incident"]["id"], "Q3CQ6AGSTAZK27");
}

#[test]
fn notes_and_responders_point_at_their_incident() {
    for (name, event_type) in [
        ("incident_annotated.json", EventType::IncidentAnnotated),
        ("incident_responder_added.json", EventType::IncidentResponderAdded),
    ] {
        let event = parse(name);
        assert_eq!(event.event_type, event_type);
        assert_eq!(event.incident_id(), Some("Q1FQ6NM1QHTDRZ"), "{name}");
        let WebhookData::IncidentRelated(related) = &event.data else { panic!("{name}: {:?}", event.data) };
        assert!(related.data.to_value().unwrap().get("type").is_some());
    }
    let WebhookData::IncidentRelated(note) = &parse("incident_annotated.json").data else { panic!() };
    assert_eq!(note.data.to_value().unwrap()["content"], "Discount service rolled back; rerunning the suite.");
}

#[test]
fn services_pings_and_unknown_types() {
    let service = parse("service_created.json");
    assert_eq!(service.event_type, EventType::ServiceCreated);
    assert_eq!(service.incident_id(), None);
    let WebhookData::Service(reference) = &service.data else { panic!() };
    assert_eq!(reference.summary.as_deref(), Some("Web shop checks"));

    let ping = parse("pagey_ping.json");
    assert_eq!(ping.event_type, EventType::PageyPing);
    assert_eq!(ping.resource_type, "pagey");
    assert!(matches!(&ping.data, WebhookData::Ping { message: Some(m) } if m == "Hello from your friend Pagey!"));

    let unknown = parse("unknown_event_type.json");
    assert_eq!(unknown.event_type, EventType::Other("incident.postmortem.published".into()));
    assert_eq!(unknown.event_type.as_str(), "incident.postmortem.published");
    assert_eq!(unknown.occurred_at, datetime!(2024-05-02 15:00 UTC), "an offset without a colon");
    let WebhookData::Other(data) = &unknown.data else { panic!() };
    assert_eq!(data.to_value().unwrap()["postmortem"]["title"], "Checkout outage");
}

#[test]
fn data_that_does_not_fit_its_type_is_kept_whole() {
    let body = br#"{"event":{"id":"e","event_type":"incident.workflow.started","resource_type":"incident",
        "occurred_at":"2024-05-01T10:00:00Z","data":{"workflow":{"id":"W1"}}}}"#;
    let event = Envelope::from_slice(body).unwrap().event;
    assert!(matches!(&event.data, WebhookData::Other(data) if data.to_value().unwrap()["workflow"]["id"] == "W1"));
    assert_eq!(event.incident_id(), None);

    // A workflow instance carries its incident at data.incident, not data.id.
    let body = br#"{"event":{"id":"e","event_type":"incident.workflow.started","resource_type":"incident",
        "occurred_at":"2024-05-01T10:00:00Z","data":{"id":"WFI1","type":"incident_workflow_instance","incident":{"id":"Q1"}}}}"#;
    assert_eq!(Envelope::from_slice(body).unwrap().event.incident_id(), Some("Q1"));

    // An odd field costs the typed form, not the incident id; an odd agent costs nothing.
    let body = br#"{"event":{"id":"e","event_type":"incident.triggered","resource_type":"incident","agent":"someone",
        "occurred_at":"2024-05-01T10:00:00Z","data":{"id":"Q2","title":5,"number":"42"}}}"#;
    let event = Envelope::from_slice(body).unwrap().event;
    assert_eq!((event.incident_id(), &event.agent), (Some("Q2"), &None));
}

#[test]
fn times_near_the_edge_of_the_calendar_never_panic() {
    for at in ["9999-12-31T23:30:00-05:00", "0000-01-01T01:00:00+05:00", "9999-12-31T23:59:59Z"] {
        let body = format!(r#"{{"event":{{"id":"e","event_type":"pagey.ping","occurred_at":"{at}","data":{{}}}}}}"#);
        let parsed = Envelope::from_slice(body.as_bytes());
        assert_eq!(parsed.is_ok(), at.ends_with('Z'), "{at}: {parsed:?}");
        let job = format!(r#"{{"id":"j","status":"FAILED","creation_time":"{at}"}}"#);
        assert_eq!(sauce_webhooks::Event::from_slice(job.as_bytes()).is_ok(), at.ends_with('Z'), "{at}");
    }
}

#[test]
fn malformed_envelopes_say_where() {
    let err = Envelope::from_slice(br#"{"event":{"id":"e","event_type":"pagey.ping","occurred_at":"soon","data":{}}}"#)
        .unwrap_err();
    assert_eq!(err.path(), "$.event.occurred_at");
    let err = Envelope::from_slice(br#"{"event":{"event_type":"pagey.ping"}}"#).unwrap_err();
    assert!(err.to_string().contains("id"), "{err}");
    assert!(Envelope::from_slice(b"").is_err());
    assert!(Envelope::from_slice(b"[]").is_err());
}

#[test]
fn verify_then_parse_during_a_rotation() {
    let body = fixture("incident_triggered.json");
    let verifier = Verifier::new(Secret::new("old-pd-secret").unwrap())
        .with_secret(Secret::new("new-pd-secret").unwrap())
        .with_scheme(PagerDutyV3);
    let header = format!(
        "v1={},v1={}",
        sign(&Secret::new("new-pd-secret").unwrap(), &body),
        sign(&Secret::new("not-ours").unwrap(), &body)
    );
    let verified = verifier.verify(&body, Some(&header)).unwrap();
    let event = Envelope::from_slice(verified.body()).unwrap().event;
    assert_eq!(event.incident_id(), Some("Q1FQ6NM1QHTDRZ"));
}

/// Every event type PagerDuty's v3 webhook documentation lists.
const DOCUMENTED: [&str; 31] = [
    "incident.acknowledged",
    "incident.annotated",
    "incident.conference_bridge.updated",
    "incident.custom_field_values.updated",
    "incident.delegated",
    "incident.escalated",
    "incident.incident_type.changed",
    "incident.priority_updated",
    "incident.reassigned",
    "incident.reopened",
    "incident.resolved",
    "incident.responder.added",
    "incident.responder.replied",
    "incident.role.assigned",
    "incident.service_updated",
    "incident.status_update_published",
    "incident.task.created",
    "incident.task.updated",
    "incident.task.completed",
    "incident.triggered",
    "incident.unacknowledged",
    "incident.action_invocation.created",
    "incident.action_invocation.updated",
    "incident.action_invocation.terminated",
    "incident.workflow.started",
    "incident.workflow.completed",
    "service.created",
    "service.updated",
    "service.deleted",
    "service.custom_field_values.updated",
    "pagey.ping",
];

#[test]
fn every_documented_event_type_has_a_variant() {
    for name in DOCUMENTED {
        let event_type: EventType = name.parse().unwrap();
        assert!(!matches!(event_type, EventType::Other(_)), "{name}");
        assert_eq!(event_type.as_str(), name);
        assert_eq!(event_type.is_incident(), name.starts_with("incident."));
    }
}

#[test]
fn the_incident_is_found_wherever_the_data_puts_it() {
    // A role assignment lists its incident inside each assignment.
    let roles = parse("incident_role_assigned.json");
    assert_eq!(roles.event_type, EventType::IncidentRoleAssigned);
    assert_eq!(roles.incident_id(), Some("Q1FQ6NM1QHTDRZ"));
    assert!(matches!(roles.data, WebhookData::Other(_)), "kept as sent");

    // A task carries it at `data.incident`.
    let task = parse("incident_task_created.json");
    assert_eq!(task.event_type, EventType::IncidentTaskCreated);
    assert_eq!(task.incident_id(), Some("Q1FQ6NM1QHTDRZ"));
    let WebhookData::IncidentRelated(related) = &task.data else { panic!("{:?}", task.data) };
    assert_eq!(related.incident.id, "Q1FQ6NM1QHTDRZ");
    assert_eq!(related.data.to_value().unwrap()["title"], "Roll back the discount service");

    // A service event names no incident, even when its data holds one.
    let fields = parse("service_custom_field_values_updated.json");
    assert_eq!(fields.event_type, EventType::ServiceCustomFieldValuesUpdated);
    assert_eq!(fields.incident_id(), None);
}

#[test]
fn empty_optional_objects_are_absent() {
    let event = parse("incident_with_empty_objects.json");
    assert_eq!((&event.agent, &event.client), (&None, &None));
    let WebhookData::Incident(incident) = &event.data else { panic!("typed: {:?}", event.data) };
    assert_eq!(incident.priority, None, "priority: {{}}");
    assert_eq!(incident.conference_bridge, None, "conference_bridge: {{}}");
    assert_eq!(incident.number, Some(4312));
}

#[test]
fn error_paths_escape_keys_that_could_forge_a_log_line() {
    let body = b"{\"event\":{\"id\":\"e\",\"event_type\":\"pagey.ping\",\"occurred_at\":\"2024-05-01T10:00:00Z\",\"data\":{},\"\\r\\nSet-Cookie: a=b\\u001b[2J\":[tru]}}";
    let err = Envelope::from_slice(body).unwrap_err();
    let text = err.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(err.path().contains(r"\r\nSet-Cookie: a=b\u{1b}[2J"), "{}", err.path());
}
