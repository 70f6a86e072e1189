//! Every field an event writes is a field the parser reads: a field added to a model but
//! forgotten in the wire layer fails here, whatever its name.

use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{
    BuildStatus, Concurrency, ConcurrencyUsage, DataCenter, Event, Job, JobStatus, Slots, VisualBuild,
};
use serde_json::{Map, Value, json};

/// A value of the right form for each field whose form is not text. A new field of another
/// form needs a line here: until then this test says which one.
fn sample(key: &str) -> Value {
    match key {
        "data_type" => json!("rdc"),
        "status" => json!("FAILED"),
        "passed" => json!(false),
        "creation_time" => json!("2024-05-01T10:15:30Z"),
        "modification_time" => json!("2024-05-01T10:17:02Z"),
        "duration_sec" => json!(92),
        "visibility" => json!("TEAM"),
        "tags" => json!(["smoke", "severity:critical"]),
        "team_ids" => json!(["98b9f34e596047d99abba56f517846a9"]),
        "summary" => json!({"errored": 1, "approved": 2, "equal": 3, "rejected": 4, "unapproved": 5, "queued": 6}),
        "data_center" => json!("eu-central-1"),
        "timestamp" => json!(1_631_125_800.5),
        "concurrency" => json!({
            "organization": {"id": "o", "allowed": {"vms": 10, "mac_vms": 5, "rds": 2}, "current": {"vms": 1, "mac_vms": 0, "rds": 2}},
            "team": {"id": "t", "allowed": {"vms": 4, "mac_vms": 1, "rds": 1}, "current": {"vms": 4, "mac_vms": 0, "rds": 0}},
        }),
        _ => json!(format!("a value for {key}")),
    }
}

/// Fills every field `event` writes with a sample, parses that, and checks each field reads
/// back as written.
fn assert_every_field_is_read(event: &Event) {
    let Value::Object(keys) = serde_json::to_value(event).unwrap() else { panic!("events are objects") };
    let filled: Map<String, Value> = keys.keys().map(|key| (key.clone(), sample(key))).collect();
    let body = serde_json::to_vec(&filled).unwrap();
    let parsed = Event::from_slice(&body).unwrap_or_else(|err| panic!("the samples do not parse: {err}"));
    let Value::Object(written) = serde_json::to_value(&parsed).unwrap() else { panic!() };
    for (key, value) in &filled {
        assert_eq!(written.get(key), Some(value), "`{key}` is written but not read: add it to the wire layer");
    }
}

#[test]
fn every_job_field_is_read() {
    assert_every_field_is_read(&Event::Job(Job::new("j", JobStatus::Passed, OffsetDateTime::UNIX_EPOCH)));
}

#[test]
fn every_visual_build_field_is_read() {
    let build = VisualBuild::new("o", "u", "b", "n", "https://x/b", BuildStatus::Equal, DataCenter::UsWest1);
    assert_every_field_is_read(&Event::VisualBuild(build));
}

#[test]
fn every_concurrency_field_is_read() {
    let usage = ConcurrencyUsage::new("o", Slots::default(), Slots::default());
    assert_every_field_is_read(&Event::Concurrency(Concurrency::new(usage, OffsetDateTime::UNIX_EPOCH)));
}

#[test]
fn a_field_the_parser_does_not_read_is_caught() {
    // What the check above relies on: a key no model reads does not come back.
    let mut body =
        serde_json::to_value(Event::Job(Job::new("j", JobStatus::Passed, OffsetDateTime::UNIX_EPOCH))).unwrap();
    body["not_a_field"] = json!("x");
    let parsed = Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert!(serde_json::to_value(&parsed).unwrap().get("not_a_field").is_none());
}
