//! Every accepted payload form parses to the right typed values.

use sauce_webhooks::{
    BuildStatus, BuildSummary, DataCenter, DataType, Event, Job, JobStatus, OrgId, Slots, TeamId, UserId, Visibility,
    VisualBuild,
};
use time::macros::datetime;

mod common;

fn fixture(name: &str) -> Vec<u8> {
    common::read(name)
}

fn job(name: &str) -> Job<'static> {
    match Event::from_slice(&fixture(name)) {
        Ok(Event::Job(job)) => job,
        other => panic!("{name}: expected a job, got {other:?}"),
    }
}

fn jobs(name: &str) -> Vec<Job<'static>> {
    Event::from_slice_batch(&fixture(name))
        .map(|event| match event.unwrap_or_else(|e| panic!("{name}: {e}")) {
            Event::Job(job) => job,
            other => panic!("{name}: expected jobs, got {other:?}"),
        })
        .collect()
}

#[test]
fn documented_vdc_job_keeps_every_field() {
    let job = job("vdc_job_failed.json");
    assert_eq!(job.id, "4b0c9d3ea2f14e2b9f3a7c1d5e6f7a8b");
    assert_eq!(job.data_type, DataType::Vdc);
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.passed, Some(false));
    assert_eq!(job.creation_time, datetime!(2024-05-01 10:15:30 UTC));
    assert_eq!(job.modification_time, datetime!(2024-05-01 10:17:02 UTC));
    assert_eq!(job.owner.as_deref(), Some("jane.doe"));
    assert_eq!(job.owner_id, Some(UserId::from("a1b2c3d4e5f60718293a4b5c6d7e8f90")));
    assert_eq!(job.org_id, Some(OrgId::from("7fb25570b4064716b9b6daae1a846790")));
    assert_eq!(job.team_id, Some(TeamId::from("98b9f34e596047d99abba56f517846a9")));
    assert_eq!(job.team_name.as_deref(), Some("Checkout"));
    assert_eq!(job.name.as_deref(), Some("Checkout › applies a discount code at payment"));
    assert_eq!(job.browser_name.as_deref(), Some("chrome"));
    assert_eq!(job.browser_version.as_deref(), Some("124"), "an integer version becomes its digits");
    assert_eq!(job.os_name.as_deref(), Some("Windows"));
    assert_eq!(job.os_version.as_deref(), Some("11"));
    assert_eq!(job.duration_sec, Some(92));
    assert_eq!(job.visibility, Some(Visibility::Team));
    assert_eq!(job.tags, ["checkout", "smoke", "severity:critical"]);
    assert_eq!(job.device, None, "an empty string means absent");
    assert!(job.error.as_deref().unwrap().starts_with("AssertionError: expected \"Total: $45.00\""));
    assert!(job.exception.as_deref().unwrap().contains(r#"{"method":"css selector""#));
    assert_eq!(job.commit_id.as_deref(), Some("9fceb02d0ae598e95dc970b74767f19372d61af8"));
    assert_eq!(job.branch_name.as_deref(), Some("feature/discount-codes"));
    assert_eq!(job.build.as_deref(), Some("web-shop #1482"));
    assert_eq!(job.automation_backend.as_deref(), Some("webdriver"));
    assert!(job.is_failure());
}

#[test]
fn documented_rdc_job_has_empty_strings_as_none() {
    let job = job("rdc_job_passed.json");
    assert_eq!(job.data_type, DataType::Rdc);
    assert_eq!(job.status, JobStatus::Passed);
    assert_eq!(job.passed, Some(true));
    assert_eq!(job.visibility, Some(Visibility::Private));
    assert_eq!((&job.commit_id, &job.branch_name, &job.automation_backend), (&None, &None, &None));
    assert_eq!(job.group_id, None);
    assert!(job.tags.is_empty());
    assert!(!job.is_failure());
}

#[test]
fn rest_api_job_maps_its_own_names() {
    let job = job("rest_api_job.json");
    assert_eq!(job.status, JobStatus::Failed, "consolidated_status wins over status");
    assert_eq!(job.passed, Some(false));
    assert_eq!(job.browser_name.as_deref(), Some("googlechrome"));
    assert_eq!(job.browser_version.as_deref(), Some("74.0."), "versions are verbatim");
    assert_eq!(job.os_name.as_deref(), Some("Windows 10"));
    assert_eq!(job.visibility, Some(Visibility::Team), "`public` gives the visibility");
    assert_eq!(job.creation_time, datetime!(2021-04-06 09:06:40 UTC));
    assert_eq!(job.modification_time.unix_timestamp(), 1_617_700_090);
    assert_eq!(job.build.as_deref(), Some("nightly-2021-04-06   "));
    assert_eq!(job.error, None);
    assert!(job.tags.is_empty(), "null tags are empty");
    assert_eq!(job.data_type, DataType::Vdc);
}

#[test]
fn raw_rdc_event_of_the_earlier_webhooks_page() {
    let job = job("raw_rdc_event.json");
    assert_eq!(job.id, "3f2e1d0c-9b8a-4765-8432-10fedcba9876");
    assert_eq!(job.data_type, DataType::Rdc);
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.passed, None);
    assert_eq!(job.creation_time, datetime!(2024-05-01 08:00:00.123 UTC), "epoch milliseconds");
    assert_eq!(job.modification_time, datetime!(2024-05-01 08:03:41.456 UTC));
    assert_eq!(job.owner_id, Some(UserId::from("c3d4e5f60718293a4b5c6d7e8f90a1b2")));
    assert_eq!(job.org_id, Some(OrgId::from("7fb25570b4064716b9b6daae1a846790")));
    assert_eq!(job.team_id, Some(TeamId::from("98b9f34e596047d99abba56f517846a9")));
    assert_eq!(job.group_id.as_deref(), Some("1a2b3c4d5e6f708192a3b4c5d6e7f809"), "from the misspelt groupIdd");
    assert_eq!(job.name.as_deref(), Some("Cart survives app restart"));
    assert_eq!((job.os_name.as_deref(), job.os_version.as_deref()), (Some("Android"), Some("14")));
    assert_eq!(job.duration_sec, Some(221));
    assert_eq!(job.device.as_deref(), Some("Google_Pixel_8_real"));
    assert_eq!(job.build.as_deref(), Some("android-app 5.2.0 (8841)"));
    assert_eq!(job.automation_backend.as_deref(), Some("APPIUM"));
    assert!(job.is_failure());
}

#[test]
fn raw_rdc_event_accepts_the_correct_group_key_too() {
    let body = br#"{"eventPayload":{"id":"r","creationTime":0,"status":"passed"},"ownership":{"groupId":"g"}}"#;
    let Ok(Event::Job(job)) = Event::from_slice(body) else { panic!("not a job") };
    assert_eq!(job.group_id.as_deref(), Some("g"));
    assert_eq!(job.status, JobStatus::Passed);
}

#[test]
fn real_device_listing_with_millisecond_times() {
    let job = job("rdc_listing_millis.json");
    assert_eq!(job.data_type, DataType::Rdc, "device_type real_device");
    assert_eq!(job.creation_time, datetime!(2024-05-01 08:00:00 UTC));
    assert_eq!(job.modification_time, datetime!(2024-05-01 08:01:05.5 UTC));
    assert_eq!(job.device.as_deref(), Some("Samsung_Galaxy_S23_real"));
    assert_eq!(job.owner.as_deref(), Some("mobile-ci"));
    assert_eq!(job.status, JobStatus::Passed);
    assert_eq!(job.duration_sec, Some(65), "floats are rounded");
    assert_eq!(job.modification_time.offset(), time::UtcOffset::UTC);
}

#[test]
fn every_form_of_passed() {
    let expected = [
        ("p-true", Some(true)),
        ("p-false", Some(false)),
        ("p-one", Some(true)),
        ("p-zero", Some(false)),
        ("p-string-true", Some(true)),
        ("p-string-false", Some(false)),
        ("p-string-one", Some(true)),
        ("p-string-zero", Some(false)),
        ("p-null", None),
        ("p-missing", None),
    ];
    let jobs = jobs("passed_forms.json");
    assert_eq!(jobs.len(), expected.len());
    for (job, (id, passed)) in jobs.iter().zip(expected) {
        assert_eq!((job.id.as_str(), job.passed), (id, passed));
        assert_eq!(job.is_failure(), passed == Some(false), "{id}");
    }
}

#[test]
fn passed_refuses_other_values() {
    for bad in ["2", "-1", "0.5", r#""yes""#, "[]"] {
        let body = format!(r#"{{"id":"x","status":"COMPLETE","creation_time":0,"passed":{bad}}}"#);
        let err = Event::from_slice(body.as_bytes()).unwrap_err();
        assert_eq!(err.path(), "$.passed", "{bad}: {err}");
    }
}

#[test]
fn every_form_of_time() {
    let expected = [
        datetime!(2024-05-01 10:00:00 UTC),
        datetime!(2024-05-01 10:00:00.25 UTC),
        datetime!(2024-05-01 10:00:00 UTC),
        datetime!(2024-05-01 10:00:00 UTC),
        datetime!(2024-05-01 10:00:00 UTC),
        datetime!(2024-05-01 10:00:00.25 UTC),
        datetime!(2024-05-01 10:00:00.25 UTC),
    ];
    let jobs = jobs("time_forms.json");
    assert_eq!(jobs.len(), expected.len());
    for (job, time) in jobs.iter().zip(expected) {
        assert_eq!(job.creation_time, time, "{}", job.id);
        assert_eq!(job.modification_time, time, "{}: missing modification time is the creation time", job.id);
    }
}

#[test]
fn concurrency_event_of_the_earlier_webhooks_page() {
    let Ok(Event::Concurrency(usage)) = Event::from_slice(&fixture("concurrency.json")) else { panic!() };
    assert_eq!(usage.organization.id, "7fb25570b4064716b9b6daae1a846790");
    assert_eq!(usage.organization.allowed, Slots::new(1000, 1000, 20));
    assert_eq!(usage.organization.current, Slots::default());
    let team = usage.team.expect("team usage");
    assert_eq!(team.id, "98b9f34e596047d99abba56f517846a9");
    assert_eq!(team.allowed.vms, 100);
    assert_eq!(usage.timestamp, datetime!(2021-09-08 18:30:00.61984 UTC), "float epoch to the microsecond");
}

#[test]
fn counts_accept_floats_and_numeric_strings() {
    let body = br#"{"concurrency":{"organization":{"id":"o","allowed":{"vms":"12","mac_vms":2.6,"rds":" 3 "},
        "current":{"vms":1,"mac_vms":"0","rds":0.4}}},"timestamp":"2021-09-08T18:30:00Z"}"#;
    let Ok(Event::Concurrency(usage)) = Event::from_slice(body) else { panic!() };
    assert_eq!(usage.organization.allowed, Slots::new(12, 3, 3));
    assert_eq!(usage.organization.current, Slots::new(1, 0, 0));
    assert_eq!(usage.team, None);
}

#[test]
fn visual_build_completed() {
    let Ok(Event::VisualBuild(build)) = Event::from_slice(&fixture("visual_build.json")) else { panic!() };
    let mut expected = VisualBuild::new(
        "7fb25570b4064716b9b6daae1a846790",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "5b6a7c8d9e0f1a2b3c4d5e6f",
        "storybook nightly 2024-05-01",
        "https://app.saucelabs.com/visual/builds/5b6a7c8d9e0f1a2b3c4d5e6f",
        BuildStatus::Unapproved,
        DataCenter::UsWest1,
    );
    expected.team_ids = vec!["98b9f34e596047d99abba56f517846a9".into(), "5c4b3a29181706f5e4d3c2b1a0f9e8d7".into()];
    expected.creator_id = Some("a1b2c3d4e5f60718293a4b5c6d7e8f90".into());
    expected.branch = Some("main".into());
    expected.project = Some("design-system".into());
    (expected.summary.approved, expected.summary.equal, expected.summary.unapproved) = (2, 131, 4);
    assert_eq!(build, expected);
    assert!(build.is_failure());
}

#[test]
fn unknown_enum_values_are_kept() {
    let job = job("unknown_values_job.json");
    assert_eq!(job.status, JobStatus::Other("CANCELLED".into()));
    assert_eq!(job.visibility, Some(Visibility::Other("ORGANIZATION".into())));
    assert!(!job.is_failure());

    let Ok(Event::VisualBuild(build)) = Event::from_slice(&fixture("unknown_data_center_build.json")) else { panic!() };
    assert_eq!(build.data_center, DataCenter::Other("apac-southeast-1".into()));
    assert_eq!(build.status, BuildStatus::Other("archived".into()));
    assert!(build.team_ids.is_empty(), "null team_ids are empty");
    let mut summary = BuildSummary::default();
    summary.equal = 3;
    assert_eq!(build.summary, summary);
}

#[test]
fn enum_words_match_in_any_case_and_spelling() {
    let cases = [
        (r#""status":"in progress""#, JobStatus::InProgress),
        (r#""status":"IN_PROGRESS""#, JobStatus::InProgress),
        (r#""status":"error""#, JobStatus::Errored),
        (r#""status":"Queued""#, JobStatus::Queued),
        (r#""status":"new""#, JobStatus::New),
        (r#""status":"cancelled""#, JobStatus::Other("cancelled".into())),
    ];
    for (status, expected) in cases {
        let body = format!(r#"{{"id":"x","creation_time":0,{status},"visibility":"public restricted"}}"#);
        let Ok(Event::Job(job)) = Event::from_slice(body.as_bytes()) else { panic!("{body}") };
        assert_eq!(job.status, expected);
        assert_eq!(job.visibility, Some(Visibility::PublicRestricted));
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let job = job("unknown_fields_job.json");
    assert_eq!(job.id, "f-1");
    assert_eq!(job.tags, ["a", "b"]);
    assert_eq!(job.passed, Some(true));
}

#[test]
fn a_batch_of_two_jobs() {
    let jobs = jobs("batch_two_jobs.json");
    let summary: Vec<_> = jobs.iter().map(|j| (j.id.as_str(), j.data_type.clone(), j.is_failure())).collect();
    assert_eq!(summary, [("b-1", DataType::Vdc, true), ("b-2", DataType::Rdc, false)]);
}

#[test]
fn unknown_events_keep_their_json() {
    let event = Event::from_slice(&fixture("unknown_event.json")).unwrap();
    let Event::Unknown(raw) = &event else { panic!("{event:?}") };
    let json = raw.to_value().unwrap();
    assert_eq!(json["event"], "webhook.test");
    assert_eq!(json["status"]["code"], 7, "a known key name in an unknown event keeps its value");
    let written = serde_json::to_vec(&event).unwrap();
    assert_eq!(written, fixture("unknown_event.json").trim_ascii(), "kept as sent, byte for byte");
}

#[test]
fn serde_deserialize_agrees_with_from_slice() {
    for name in
        ["vdc_job_failed.json", "raw_rdc_event.json", "concurrency.json", "visual_build.json", "unknown_event.json"]
    {
        let bytes = fixture(name);
        let via_serde: Event = serde_json::from_slice(&bytes).unwrap();
        match (via_serde, Event::from_slice(&bytes).unwrap()) {
            // Read through serde, an unknown event's JSON is kept in serde_json's compact form.
            (Event::Unknown(via_serde), Event::Unknown(direct)) => {
                assert_eq!(via_serde.to_value().unwrap(), direct.to_value().unwrap(), "{name}");
            }
            (via_serde, direct) => assert_eq!(via_serde, direct, "{name}"),
        }
    }
    let job: Job = serde_json::from_slice(&fixture("rest_api_job.json")).unwrap();
    assert_eq!(job.status, JobStatus::Failed);
}

#[test]
fn serialize_writes_the_documented_shape() {
    let job = job("raw_rdc_event.json");
    let json = serde_json::to_value(Event::Job(job)).unwrap();
    assert_eq!(json["data_type"], "rdc");
    assert_eq!(json["status"], "FAILED");
    assert_eq!(json["creation_time"], "2024-05-01T08:00:00.123Z");
    assert_eq!(json["group_id"], "1a2b3c4d5e6f708192a3b4c5d6e7f809");
    assert_eq!(json["owner_id"], "c3d4e5f60718293a4b5c6d7e8f90a1b2");
    assert!(json["tags"].as_array().unwrap().is_empty());
    assert!(json.get("eventPayload").is_none());

    let Ok(concurrency) = Event::from_slice(&fixture("concurrency.json")) else { panic!() };
    let json = serde_json::to_value(&concurrency).unwrap();
    assert_eq!(json["timestamp"], 1_631_125_800.619_84);
    assert_eq!(json["concurrency"]["team"]["allowed"]["vms"], 100);
}

#[test]
fn every_fixture_round_trips() {
    for name in [
        "vdc_job_failed.json",
        "rdc_job_passed.json",
        "rest_api_job.json",
        "raw_rdc_event.json",
        "rdc_listing_millis.json",
        "concurrency.json",
        "visual_build.json",
        "unknown_values_job.json",
        "unknown_data_center_build.json",
        "unknown_fields_job.json",
        "unknown_event.json",
    ] {
        let event = Event::from_slice(&fixture(name)).unwrap();
        let bytes = serde_json::to_vec(&event).unwrap();
        assert_eq!(Event::from_slice(&bytes).unwrap(), event, "{name}: {}", String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn a_repeated_key_takes_its_last_value() {
    let body = br#"{"id":"first","status":"PASSED","creation_time":0,"status":"FAILED","id":"second"}"#;
    let Ok(Event::Job(job)) = Event::from_slice(body) else { panic!() };
    assert_eq!((job.id.as_str(), job.status), ("second", JobStatus::Failed));
}

#[test]
fn a_job_with_a_stray_build_key_is_still_a_job() {
    for extra in [r#""build_id":"b123""#, r#""data_center":"us-west-1""#, r#""build_url":"https://example.com""#] {
        let body = format!(r#"{{"id":"a","data_type":"vdc","status":"FAILED","creation_time":0,{extra}}}"#);
        assert!(matches!(Event::from_slice(body.as_bytes()), Ok(Event::Job(_))), "{extra}");
    }
}

#[test]
fn relay_quirks_are_tolerated() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(
        br#"{"id":"q","status":" Failed ","data_type":"real_device","passed":0.0,"tags":["a",null,"b"],
            "creation_time":"1714557600","modification_time":"1714557660.5"}"#,
    );
    let Ok(Event::Job(job)) = Event::from_slice(&body) else { panic!("{:?}", Event::from_slice(&body)) };
    assert_eq!(job.status, JobStatus::Failed, "surrounding spaces are ignored");
    assert_eq!(job.data_type, DataType::Rdc);
    assert_eq!(job.passed, Some(false));
    assert_eq!(job.tags, ["a", "b"], "null tags are dropped");
    assert_eq!(job.creation_time, datetime!(2024-05-01 10:00:00 UTC), "epoch seconds as a string");
    assert_eq!(job.modification_time, datetime!(2024-05-01 10:01:00.5 UTC));
    assert_eq!(
        Event::from_slice_batch(&body).collect::<Result<Vec<_>, _>>().unwrap().len(),
        1,
        "a BOM before a batch too"
    );

    let Ok(Event::Job(job)) = Event::from_slice(br#"{"id":"q","status":"x","creation_time":0,"passed":1.0}"#) else {
        panic!()
    };
    assert_eq!(job.passed, Some(true));
}

#[test]
fn times_are_kept_to_what_rfc_3339_can_write() {
    // Year 9999 (in milliseconds, as any epoch number above 10^11 is) and year 0 parse, and
    // serialize again.
    for epoch in ["253402300799999", "-62167219200", "\"9999-12-31T23:59:59.999999999Z\""] {
        let body = format!(r#"{{"id":"t","status":"PASSED","creation_time":{epoch}}}"#);
        let event = Event::from_slice(body.as_bytes()).unwrap();
        assert_eq!(Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap(), event, "{epoch}");
    }
    // Beyond them, an error rather than an event that cannot be written back.
    for epoch in ["-99999999999", "253402300800000", "18446744073709551615", "-1e300"] {
        let body = format!(r#"{{"id":"t","status":"PASSED","creation_time":{epoch}}}"#);
        let err = Event::from_slice(body.as_bytes()).unwrap_err();
        assert_eq!(err.path(), "$.creation_time");
        assert!(err.message().starts_with("expected a time in the years 0 to 9999"), "{err}");
    }
    let err = Event::from_slice(br#"{"id":"t","status":"PASSED","creation_time":18446744073709551615}"#).unwrap_err();
    assert!(err.message().contains("18446744073709551615"), "the value as sent: {err}");
}

#[test]
fn an_empty_or_null_nested_object_means_absent() {
    // A team sent as `{}` was refused, and the whole concurrency event lost with it.
    let Ok(Event::Concurrency(usage)) = Event::from_slice(&fixture("concurrency_empty_team.json")) else {
        panic!("a concurrency event")
    };
    assert_eq!(usage.team, None);
    assert_eq!(usage.organization.current.vms, 12);
    let null_team =
        String::from_utf8(fixture("concurrency_empty_team.json")).unwrap().replace(r#""team": {}"#, r#""team": null"#);
    assert!(matches!(Event::from_slice(null_team.as_bytes()), Ok(Event::Concurrency(usage)) if usage.team.is_none()));
    // A team with some keys but not all is still refused, with the one that is missing.
    let partial = null_team.replace(r#""team": null"#, r#""team": {"id": "t"}"#);
    let err = Event::from_slice(partial.as_bytes()).unwrap_err();
    assert!(err.message().contains("missing field `allowed`"), "{err}");
}

#[test]
fn a_job_that_has_not_finished_is_never_a_failure() {
    // REST records carry `passed: false` while a job runs.
    let running = job("rest/running_job.json");
    assert_eq!((running.status.clone(), running.passed), (JobStatus::InProgress, Some(false)));
    assert!(!running.is_failure() && !running.is_finished());
    for status in ["new", "queued", "QUEUED", "in progress", "running"] {
        let body = format!(r#"{{"id":"j","status":"{status}","passed":false,"creation_time":0}}"#);
        let event = Event::from_slice(body.as_bytes()).unwrap();
        assert!(!event.is_failure(), "{status}");
    }
    for status in ["complete", "COMPLETE", "passed"] {
        let body = format!(r#"{{"id":"j","status":"{status}","passed":false,"creation_time":0}}"#);
        assert!(Event::from_slice(body.as_bytes()).unwrap().is_failure(), "{status}: finished, and did not pass");
    }
}

#[test]
fn rest_build_records_and_list_envelopes_are_not_jobs() {
    for name in ["rest/build_record.json", "rest/jobs_envelope.json", "rest/rdc_entities_envelope.json"] {
        let event = Event::from_slice(&fixture(name)).unwrap();
        assert!(matches!(event, Event::Unknown(_)), "{name}: {event:?}");
    }
    // The jobs inside a list envelope are jobs, one by one.
    let envelope: serde_json::Value = serde_json::from_slice(&fixture("rest/jobs_envelope.json")).unwrap();
    let jobs = serde_json::to_vec(&envelope["jobs"]).unwrap();
    let failures: Vec<bool> = Event::from_slice_batch(&jobs).map(|event| event.unwrap().is_failure()).collect();
    assert_eq!(failures, [true, false]);
}

#[test]
fn a_duration_beyond_u64_is_refused_not_saturated() {
    for duration in ["18446744073709551616", "18446744073709551615.9", "1e20", "\"18446744073709551616\""] {
        let body = format!(r#"{{"id":"j","status":"FAILED","creation_time":0,"duration_sec":{duration}}}"#);
        let err = Event::from_slice(body.as_bytes()).expect_err(duration);
        assert_eq!(err.path(), "$.duration_sec", "{duration}: {err}");
    }
    let body = r#"{"id":"j","status":"FAILED","creation_time":0,"duration_sec":18446744073709549568}"#;
    let Ok(Event::Job(job)) = Event::from_slice(body.as_bytes()) else { panic!() };
    assert_eq!(job.duration_sec, Some(18_446_744_073_709_549_568), "the largest f64 below 2^64 fits");
}
