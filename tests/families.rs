//! Every family's fixtures are detected as their own kind, whatever keys a relay or a
//! template adds to them, and a body of none of the detecting keys stays unknown.

mod common;

use proptest::prelude::*;
use sauce_webhooks::Event;
use sauce_webhooks::testing::fixtures;
use serde_json::{Map, Value};

/// The kind of an event, by name.
fn kind(event: &Event) -> &'static str {
    match event {
        Event::Job(_) => "job",
        Event::Concurrency(_) => "concurrency",
        Event::VisualBuild(_) => "visual build",
        Event::ApiTest(_) => "API test",
        Event::ErrorGroup(_) => "error group",
        Event::VisualRun(_) => "visual run",
        Event::AppDistribution(_) => "App Distribution",
        _ => "unknown",
    }
}

/// Every fixture of every family, with its kind.
fn fixtures() -> Vec<(Vec<u8>, &'static str)> {
    vec![
        (fixtures::VDC_JOB_FAILED.to_vec(), "job"),
        (fixtures::RDC_JOB_PASSED.to_vec(), "job"),
        (fixtures::REST_API_JOB.to_vec(), "job"),
        (fixtures::RAW_RDC_EVENT.to_vec(), "job"),
        (fixtures::CONCURRENCY.to_vec(), "concurrency"),
        (fixtures::VISUAL_BUILD.to_vec(), "visual build"),
        (fixtures::API_TEST_FAILED.to_vec(), "API test"),
        (common::read("api_test_run_forwarded.json"), "API test"),
        (fixtures::ERROR_GROUP.to_vec(), "error group"),
        (common::read("error_group_documented.json"), "error group"),
        (fixtures::VISUAL_RUN.to_vec(), "visual run"),
        (fixtures::APP_DISTRIBUTION_UPLOAD.to_vec(), "App Distribution"),
        (common::read("app_distribution_crash_legacy.json"), "App Distribution"),
        (common::read("app_distribution_new_udid.json"), "App Distribution"),
    ]
}

/// The keys that tell a kind: a body made of none of them is unknown.
const DETECTING: &[&str] = &[
    "concurrency",
    "eventPayload",
    "eventId",
    "fingerprint",
    "totals",
    "appName",
    "jobs",
    "builds",
    "entities",
    "items",
    "data_type",
    "creation_time",
    "modification_time",
    "consolidated_status",
    "build_id",
    "build_url",
    "data_center",
];

/// Keys some kind reads without their telling the kind.
const READ_KEYS: &[&str] = &[
    "id",
    "status",
    "passed",
    "tags",
    "timestamp",
    "project",
    "test",
    "name",
    "build",
    "date",
    "failuresCount",
    "occurrences",
    "start",
    "end",
    "event",
    "version",
    "org_id",
    "team_ids",
    "summary",
    "attributes",
];

fn extra_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,20}".prop_map(Value::from),
        prop::collection::vec("[a-z]{0,5}", 0..3).prop_map(Value::from),
        Just(serde_json::json!({"name": "x", "id": 1})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn extra_keys_never_change_a_fixtures_kind(
        which in 0usize..14,
        extra in prop::collection::btree_map("x_[a-zA-Z]{1,10}", extra_value(), 0..6),
    ) {
        let (body, expected) = &fixtures()[which];
        let Value::Object(mut object) = serde_json::from_slice::<Value>(body).unwrap() else { unreachable!() };
        object.extend(extra);
        let event = Event::from_slice(&serde_json::to_vec(&object).unwrap()).unwrap();
        prop_assert_eq!(kind(&event), *expected);
    }

    #[test]
    fn a_body_of_no_detecting_key_is_unknown(
        keys in prop::collection::btree_map(
            prop_oneof!["[a-zA-Z_]{1,12}", prop::sample::select(READ_KEYS.to_vec()).prop_map(str::to_owned)],
            extra_value(),
            0..8,
        ),
    ) {
        let object: Map<String, Value> = keys.into_iter().filter(|(key, _)| !DETECTING.contains(&key.as_str())).collect();
        let body = serde_json::to_vec(&object).unwrap();
        // Even a key some kind reads, holding a value of the wrong form, leaves it unknown.
        prop_assert_eq!(kind(&Event::from_slice(&body).unwrap()), "unknown");
    }
}

#[test]
fn each_fixture_is_its_own_kind() {
    for (body, expected) in fixtures() {
        assert_eq!(kind(&Event::from_slice(&body).unwrap()), expected, "{}", String::from_utf8_lossy(&body));
    }
}

#[test]
fn the_kits_builders_build_each_family_and_read_back_equal() {
    use sauce_webhooks::testing::{ApiTestBuilder, AppDistributionBuilder, ErrorGroupBuilder, VisualRunBuilder};
    let built = [
        (ApiTestBuilder::new().event(), "API test", false),
        (ApiTestBuilder::new().failed().event(), "API test", true),
        (ErrorGroupBuilder::new().event(), "error group", true),
        (VisualRunBuilder::new().event(), "visual run", false),
        (VisualRunBuilder::new().failed().event(), "visual run", true),
        (AppDistributionBuilder::new().event(), "App Distribution", false),
        (AppDistributionBuilder::new().crash().event(), "App Distribution", true),
    ];
    for (event, expected, failure) in built {
        assert_eq!((kind(&event), event.is_failure()), (expected, failure), "{event:?}");
        assert_eq!(Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap(), event);
    }
}

/// The keys of a JSON object's text.
fn keys_of(json: &[u8]) -> Vec<String> {
    let Value::Object(object) = serde_json::from_slice::<Value>(json).unwrap() else { unreachable!() };
    object.into_iter().map(|(key, _)| key).collect()
}

/// The keys an event of `kind` reads: what its fixtures' events write, and the other names it
/// takes (the REST API's and real devices' for a job's fields, an API test's `project` and
/// `test` objects) or that no fixture of it carries (an API test's `exception`). The raw
/// real-device form is a job read from its `eventPayload` alone.
fn read_by(kind: &str, raw_real_device: bool) -> Vec<String> {
    if raw_real_device {
        return vec!["ownership".into(), "team_name".into()];
    }
    let aliases: &[&str] = match kind {
        "job" => &["browser", "os", "public", "owner_sauce", "device_name", "device_type"],
        "API test" => &["project", "test", "exception"],
        _ => &[],
    };
    let written = fixtures()
        .into_iter()
        .filter(|(_, of)| *of == kind)
        .flat_map(|(body, _)| keys_of(&serde_json::to_vec(&Event::from_slice(&body).unwrap()).unwrap()));
    written.chain(aliases.iter().map(|key| (*key).to_owned())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn another_kinds_key_of_any_form_changes_nothing(which in 0usize..14, picks in prop::collection::vec(any::<prop::sample::Index>(), 1..4)) {
        // A relay or template adds a key that another kind reads, in a form no kind takes (a
        // job with `"event":{...}` or `"hosts":true`): it was refused whole with a 400. Read
        // as the kind its keys tell, the body's own keys are read as ever, the others skipped.
        // The keys: every fixture's, but those that tell a kind and `attributes` (any JSON).
        let mut keys: Vec<String> = fixtures().iter().flat_map(|(body, _)| keys_of(body)).collect();
        keys.retain(|key| !DETECTING.contains(&key.as_str()) && key != "attributes");
        let (body, kind) = &fixtures()[which];
        let Value::Object(mut object) = serde_json::from_slice::<Value>(body).unwrap() else { unreachable!() };
        // Written again as the test writes the changed body (an error group keeps its
        // attributes' text as written).
        let original = Event::from_slice(&serde_json::to_vec(&object).unwrap()).unwrap();
        let readers = read_by(kind, object.contains_key("eventPayload"));
        let mut refusing = Vec::new();
        for pick in picks {
            let key = pick.get(&keys);
            if object.contains_key(key) {
                continue;
            }
            object.insert(key.clone(), serde_json::json!([[{}]]));
            if readers.contains(key) {
                refusing.push(format!("$.{key}"));
            }
        }
        let parsed = Event::from_slice(&serde_json::to_vec(&object).unwrap());
        if refusing.is_empty() {
            prop_assert_eq!(parsed.map_err(|err| format!("{kind}: {err}")), Ok(original));
        } else {
            // A key the kind reads, in a form it does not take: refused, where it is.
            let err = parsed.unwrap_err();
            let at = |key: &String| err.path() == key || err.path().starts_with(&format!("{key}["));
            prop_assert!(refusing.iter().any(at), "{} not in {:?}", err, refusing);
        }
    }
}

#[test]
fn a_job_with_another_kinds_keys_is_read_as_a_job() {
    // The attack review's bodies: each was refused with a 400.
    let job = fixtures::VDC_JOB_FAILED;
    let original = Event::from_slice(job).unwrap();
    for extra in
        [r#""event":{"type":"x"}"#, r#""version":{"a":1}"#, r#""platform":1"#, r#""hosts":true"#, r#""callstack":5"#]
    {
        let body = String::from_utf8_lossy(job).replacen('{', &format!("{{{extra},"), 1);
        assert_eq!(Event::from_slice(body.as_bytes()).unwrap(), original, "{extra}");
        assert_eq!(Event::from_slice_borrowed(body.as_bytes()).unwrap().into_owned(), original, "{extra}");
    }
    // The job's own keys are still checked, and named where they are wrong.
    let body = String::from_utf8_lossy(job).replacen('{', r#"{"hosts":true,"duration_sec":"long","#, 1);
    assert_eq!(Event::from_slice(body.as_bytes()).unwrap_err().path(), "$.duration_sec");
}
