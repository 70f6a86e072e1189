//! Events API v2 bodies, checked against PagerDuty's own OpenAPI schema, and the incident rules.

use sauce_webhooks::pagerduty::{
    Action, AlertError, AlertEvent, CHANGE_ENQUEUE_URL_EU, ChangeEvent, CheckRun, Decision, ENQUEUE_URL_EU, Image,
    IncidentLedger, IncidentRules, MAX_BODY_BYTES, MAX_FIELD_CHARS, MAX_SUMMARY_CHARS, MAX_URL_BYTES, Payload,
    RoutingKey, Severity,
};
use sauce_webhooks::{Event, time};
use serde_json::Value;
use std::fmt::Write as _;

const KEY: &str = "R0UT1NGKEY0123456789ABCDEFGHIJKL";

fn key() -> RoutingKey {
    RoutingKey::new(KEY).unwrap()
}

mod common;

fn fixture(name: &str) -> Vec<u8> {
    common::read(name)
}

fn event(name: &str) -> Event<'static> {
    Event::from_slice(&fixture(name)).unwrap()
}

fn assert_valid(body: &[u8], endpoint: &str) -> Value {
    common::pagerduty_schema::validate(body, endpoint).unwrap_or_else(|problem| panic!("{problem}"))
}

fn rules() -> IncidentRules {
    IncidentRules::new(key())
}

#[test]
fn every_alert_the_rules_make_fits_the_schema() {
    let mut made = 0;
    for name in [
        "vdc_job_failed.json",
        "rdc_job_passed.json",
        "rest_api_job.json",
        "raw_rdc_event.json",
        "concurrency.json",
        "visual_build.json",
        "unknown_values_job.json",
        "rdc_listing_millis.json",
    ] {
        if let Some(alert) = rules().alert_for(&event(name)) {
            let body = assert_valid(&alert.body().unwrap(), "/enqueue");
            assert_eq!(body["routing_key"], KEY);
            made += 1;
        }
    }
    // None for the job with an unknown status, nor for the passed job without a name: with
    // nothing to tell the test by, there is no alert it could resolve.
    assert_eq!(made, 6);
    let check = CheckRun::new("GET /health", true);
    assert_valid(&rules().alert_for_check(&check).body().unwrap(), "/enqueue");
}

#[test]
fn a_failed_job_triggers_with_everything_a_responder_needs() {
    let alert = rules().alert_for(&event("vdc_job_failed.json")).unwrap();
    let body = assert_valid(&alert.body().unwrap(), "/enqueue");
    assert_eq!(body["event_action"], "trigger");
    assert_eq!(
        body["dedup_key"],
        r#"["job","7fb25570b4064716b9b6daae1a846790","vdc","Checkout › applies a discount code at payment"]"#
    );
    assert_eq!(
        body["payload"]["summary"],
        "Checkout › applies a discount code at payment failed on chrome, Windows: AssertionError: expected \"Total: $45.00\" to equal \"Total: $40.50\""
    );
    assert_eq!(body["payload"]["severity"], "critical", "from the severity:critical tag");
    assert_eq!(body["payload"]["source"], "Sauce Labs");
    assert_eq!(body["payload"]["timestamp"], "2024-05-01T10:17:02Z");
    assert_eq!(body["payload"]["component"], "chrome");
    assert_eq!(body["payload"]["group"], "web-shop #1482");
    assert_eq!(body["payload"]["custom_details"]["browser_version"], "124");
    assert_eq!(body["payload"]["custom_details"]["id"], "4b0c9d3ea2f14e2b9f3a7c1d5e6f7a8b");
    assert_eq!(body["links"][0]["href"], "https://app.saucelabs.com/tests/4b0c9d3ea2f14e2b9f3a7c1d5e6f7a8b");
    assert_eq!(body["client"], "Sauce Labs");
    assert_eq!(body["client_url"], "https://app.saucelabs.com/tests/4b0c9d3ea2f14e2b9f3a7c1d5e6f7a8b");
}

#[test]
fn the_next_passing_run_of_the_same_test_resolves_the_same_key() {
    let failed = event("vdc_job_failed.json");
    let mut passed_json: Value = serde_json::from_slice(&fixture("vdc_job_failed.json")).unwrap();
    passed_json["id"] = "another-run".into();
    passed_json["status"] = "PASSED".into();
    passed_json["passed"] = 1.into();
    let passed = Event::from_slice(&serde_json::to_vec(&passed_json).unwrap()).unwrap();

    let trigger = rules().alert_for(&failed).unwrap();
    let resolve = rules().alert_for(&passed).unwrap();
    assert_eq!((trigger.action(), resolve.action()), (Action::Trigger, Action::Resolve));
    assert_eq!(trigger.dedup_key(), resolve.dedup_key(), "not keyed on the job id");
    let body = resolve.body().unwrap();
    assert_valid(&body, "/enqueue");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        format!(
            r#"{{"routing_key":"{KEY}","dedup_key":"[\"job\",\"7fb25570b4064716b9b6daae1a846790\",\"vdc\",\"Checkout › applies a discount code at payment\"]","event_action":"resolve"}}"#
        ),
        "a resolve carries only these"
    );

    // Another test, or the same name on real devices or in another organization: another key.
    for (field, value) in [("name", "another test"), ("data_type", "rdc"), ("org_id", "another-org")] {
        let mut other = passed_json.clone();
        other["status"] = "FAILED".into();
        other[field] = value.into();
        let other = rules().alert_for(&Event::from_slice(&serde_json::to_vec(&other).unwrap()).unwrap()).unwrap();
        assert_ne!(other.dedup_key(), trigger.dedup_key(), "{field}");
    }
}

#[test]
fn jobs_still_running_or_queued_give_nothing() {
    for status in ["IN PROGRESS", "QUEUED", "new"] {
        let body = format!(r#"{{"id":"j","status":"{status}","creation_time":0,"name":"t","org_id":"o"}}"#);
        assert!(rules().alert_for(&Event::from_slice(body.as_bytes()).unwrap()).is_none(), "{status}");
    }
    assert!(rules().alert_for(&event("unknown_event.json")).is_none());
}

#[test]
fn severity_from_tags_in_any_case() {
    let cases = [
        (r#"["SEVERITY:Warning"]"#, Severity::Warning),
        (r#"["severity:info", "smoke"]"#, Severity::Info),
        (r#"["severity:critical", "severity:warning"]"#, Severity::Warning),
        (r#"["severity:bogus"]"#, Severity::Error),
        (r#"["severity"]"#, Severity::Error),
        ("[]", Severity::Error),
    ];
    for (tags, expected) in cases {
        let body = format!(r#"{{"id":"j","status":"FAILED","creation_time":0,"name":"t","tags":{tags}}}"#);
        let alert = rules().alert_for(&Event::from_slice(body.as_bytes()).unwrap()).unwrap();
        assert_eq!(alert.payload().unwrap().severity(), expected, "{tags}");
    }
    let custom = rules().with_severity_tag_prefix("pd-").with_default_severity(Severity::Warning);
    let body = br#"{"id":"j","status":"FAILED","creation_time":0,"name":"t","tags":["PD-critical"]}"#;
    assert_eq!(
        custom.alert_for(&Event::from_slice(body).unwrap()).unwrap().payload().unwrap().severity(),
        Severity::Critical
    );
    let body = br#"{"id":"j","status":"FAILED","creation_time":0,"name":"t"}"#;
    assert_eq!(
        custom.alert_for(&Event::from_slice(body).unwrap()).unwrap().payload().unwrap().severity(),
        Severity::Warning
    );
}

#[test]
fn a_ten_thousand_character_unicode_error_still_gives_a_valid_body() {
    let error = "💥 naïve ünïcødé ".repeat(700);
    assert!(error.chars().count() >= 10_000);
    let body = serde_json::json!({"id": "j", "status": "FAILED", "creation_time": 0, "name": "t", "error": error});
    let alert = rules().alert_for(&Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap()).unwrap();
    let sent = assert_valid(&alert.body().unwrap(), "/enqueue");
    let summary = sent["payload"]["summary"].as_str().unwrap();
    assert_eq!(summary.chars().count(), MAX_SUMMARY_CHARS);
    assert!(summary.ends_with('…'));
    let detail = sent["payload"]["custom_details"]["error"].as_str().unwrap();
    assert_eq!(detail.chars().count(), 2049, "2048 characters and an ellipsis");
    assert!(error.starts_with(detail.trim_end_matches('…')));
}

#[test]
fn regions_sources_and_clients_are_settable() {
    let rules = rules()
        .with_job_link_base("https://app.eu-central-1.saucelabs.com/tests/")
        .with_source("web-shop CI")
        .with_client("Acme QA");
    let body = assert_valid(&rules.alert_for(&event("raw_rdc_event.json")).unwrap().body().unwrap(), "/enqueue");
    assert_eq!(
        body["links"][0]["href"],
        "https://app.eu-central-1.saucelabs.com/tests/3f2e1d0c-9b8a-4765-8432-10fedcba9876"
    );
    assert_eq!((body["payload"]["source"].as_str(), body["client"].as_str()), (Some("web-shop CI"), Some("Acme QA")));
    assert_eq!(body["payload"]["component"], "Google_Pixel_8_real", "the device when there is no browser");
}

#[test]
fn the_eu_region_gets_every_alert_the_rules_and_the_ledger_make() {
    let rules = rules().with_events_url(ENQUEUE_URL_EU).unwrap();
    let ledger = IncidentLedger::new(rules.clone());
    let now = time::OffsetDateTime::now_utc();
    let failed = event("raw_rdc_event.json");
    let Decision::Send(trigger) = ledger.apply(&failed, now).unwrap() else { panic!("a failure pages") };
    assert_eq!(trigger.request().unwrap().url.as_str(), ENQUEUE_URL_EU);
    assert_eq!(rules.alert_for(&failed).unwrap().request().unwrap().url.as_str(), ENQUEUE_URL_EU);
    let check = CheckRun::new("smoke", false);
    assert_eq!(rules.alert_for_check(&check).request().unwrap().url.as_str(), ENQUEUE_URL_EU, "a resolve too");
    assert_eq!(IncidentRules::new(key()).events_url(), sauce_webhooks::pagerduty::ENQUEUE_URL);
    let change = ChangeEvent::new(key(), "deployed", "ci").with_events_url(CHANGE_ENQUEUE_URL_EU).unwrap();
    assert_eq!(change.request().unwrap().url.as_str(), CHANGE_ENQUEUE_URL_EU);
    // A stand-in on loopback may use http; nothing else may, nor carry credentials.
    assert!(rules.clone().with_events_url("http://127.0.0.1:8080/v2/enqueue").is_ok());
    for refused in [
        "http://events.example.com/v2/enqueue",
        "http://localhost:8080/v2/enqueue",
        "https://user:pass@events.example.com/v2/enqueue",
        "https://events.example.com/v2/enqueue#x",
        "ftp://events.example.com/",
        "not a url",
    ] {
        assert!(
            matches!(rules.clone().with_events_url(refused), Err(AlertError::EventsUrl { .. })),
            "{refused} must be refused"
        );
    }
}

#[test]
fn visual_builds_trigger_when_failed_and_resolve_when_approved_or_equal() {
    let failed = rules().alert_for(&event("visual_build.json")).unwrap();
    assert_eq!(failed.action(), Action::Trigger);
    assert!(failed.payload().unwrap().summary().contains("4 unapproved"));
    let mut approved: Value = serde_json::from_slice(&fixture("visual_build.json")).unwrap();
    for (status, action) in [
        ("APPROVED", Some(Action::Resolve)),
        ("EQUAL", Some(Action::Resolve)),
        ("RUNNING", None),
        ("REJECTED", Some(Action::Trigger)),
    ] {
        approved["status"] = status.into();
        let alert = rules().alert_for(&Event::from_slice(&serde_json::to_vec(&approved).unwrap()).unwrap());
        assert_eq!(alert.as_ref().map(AlertEvent::action), action, "{status}");
        if let Some(alert) = alert {
            assert_eq!(alert.dedup_key(), failed.dedup_key(), "{status}: same project and branch");
        }
    }
}

#[test]
fn concurrency_at_its_limit_warns_and_below_resolves() {
    let below = rules().alert_for(&event("concurrency.json")).unwrap();
    assert_eq!(below.action(), Action::Resolve);
    let mut full: Value = serde_json::from_slice(&fixture("concurrency.json")).unwrap();
    full["concurrency"]["team"]["current"]["vms"] = 100.into();
    let alert = rules().alert_for(&Event::from_slice(&serde_json::to_vec(&full).unwrap()).unwrap()).unwrap();
    assert_eq!(alert.action(), Action::Trigger);
    assert_eq!(alert.payload().unwrap().severity(), Severity::Warning);
    assert!(alert.payload().unwrap().summary().contains("100/100 VMs"), "{}", alert.payload().unwrap().summary());
    assert_eq!(alert.dedup_key(), below.dedup_key());
    assert_valid(&alert.body().unwrap(), "/enqueue");
}

#[test]
fn checks_from_other_tools_follow_the_same_rules() {
    let mut failed = CheckRun::new("GET /api/cart returns 200", true);
    failed.summary = Some("expected 200, got 503\nbody: upstream timeout".into());
    failed.link = Some("https://app.saucelabs.com/api-testing/project/p1/event/e1".into());
    failed.tags = vec!["Severity:Critical".into()];
    failed.time = Some(time::macros::datetime!(2024-05-01 10:00 UTC));
    let trigger = rules().alert_for_check(&failed);
    let body = assert_valid(&trigger.body().unwrap(), "/enqueue");
    assert_eq!(body["payload"]["summary"], "GET /api/cart returns 200 failed: expected 200, got 503");
    assert_eq!(body["payload"]["severity"], "critical");
    assert_eq!(body["links"][0]["href"], "https://app.saucelabs.com/api-testing/project/p1/event/e1");
    let mut passed = failed.clone();
    passed.failed = false;
    let resolve = rules().alert_for_check(&passed);
    assert_eq!(resolve.action(), Action::Resolve);
    assert_eq!(resolve.dedup_key(), trigger.dedup_key());
}

#[test]
fn limits_are_enforced_when_building() {
    // The summary is cut on a character boundary, with an ellipsis.
    let long = "é".repeat(2000);
    let payload = Payload::new(&long, "s", Severity::Info);
    assert_eq!(payload.summary().chars().count(), 1024);
    assert!(payload.summary().ends_with("é…"));
    assert_eq!(Payload::new("é".repeat(1024), "s", Severity::Info).summary(), "é".repeat(1024), "exactly 1024 stays");

    // A dedup key over 255 characters becomes a stable, shorter one; distinct keys stay distinct.
    let long_key = "k".repeat(300);
    let a = AlertEvent::resolve(key(), &long_key);
    let b = AlertEvent::resolve(key(), &long_key);
    let c = AlertEvent::resolve(key(), format!("{long_key}x"));
    assert_eq!(a.dedup_key(), b.dedup_key());
    assert_ne!(a.dedup_key(), c.dedup_key());
    assert!(a.dedup_key().unwrap().chars().count() <= 255);
    assert_eq!(AlertEvent::resolve(key(), "k".repeat(255)).dedup_key(), Some("k".repeat(255).as_str()));

    // Images must be https.
    assert!(Image::new("https://assets.saucelabs.com/jobs/j1/0001screenshot.png").is_ok());
    for src in ["http://assets.saucelabs.com/x.png", "data:image/png;base64,AAAA", "javascript:alert(1)", "not a url"] {
        assert!(matches!(Image::new(src), Err(AlertError::InsecureImage { .. })), "{src}");
    }

    // A body over 512 KB is refused.
    let mut details = serde_json::Map::new();
    details.insert("log".into(), "x".repeat(600 * 1024).into());
    let huge = AlertEvent::trigger(key(), Payload::new("s", "s", Severity::Info).with_custom_details(details));
    assert!(matches!(huge.body(), Err(AlertError::TooLarge { .. })));
    assert!(matches!(huge.request(), Err(AlertError::TooLarge { .. })));
    // PagerDuty says "512 KB" without saying which kilobyte: the smaller, 512,000 bytes, so
    // that no body between the two is refused by PagerDuty and its page lost.
    assert_eq!(MAX_BODY_BYTES, 512_000);
    let body_of = |log: usize| {
        let mut details = serde_json::Map::new();
        details.insert("log".into(), "x".repeat(log).into());
        AlertEvent::trigger(key(), Payload::new("s", "s", Severity::Info).with_custom_details(details)).body()
    };
    let overhead = body_of(0).unwrap().len();
    assert_eq!(body_of(512_000 - overhead).unwrap().len(), 512_000);
    assert_eq!(body_of(512_001 - overhead), Err(AlertError::TooLarge { size: 512_001 }));
}

#[test]
fn hand_built_events_fit_the_schema_too() {
    let image = Image::new("https://assets.saucelabs.com/jobs/j1/0001screenshot.png")
        .unwrap()
        .with_href("https://app.saucelabs.com/tests/j1")
        .with_alt("last screen");
    let trigger = AlertEvent::trigger(
        key(),
        Payload::new("s", "host", Severity::Critical)
            .with_component("c")
            .with_group("g")
            .with_class("k")
            .with_timestamp(time::macros::datetime!(2024-05-01 12:00 +02:00)),
    )
    .with_dedup_key("d")
    .with_link("https://example.com", None)
    .with_image(image)
    .with_client("c", Some("https://example.com/c"));
    let body = assert_valid(&trigger.body().unwrap(), "/enqueue");
    assert_eq!(body["payload"]["timestamp"], "2024-05-01T10:00:00Z", "UTC with Z");
    assert_valid(&AlertEvent::acknowledge(key(), "d").body().unwrap(), "/enqueue");

    let change = ChangeEvent::new(key(), "deployed web-shop 2024.05.01", "ci")
        .with_timestamp(time::macros::datetime!(2024-05-01 12:00 UTC))
        .with_link("https://example.com/deploy/1", Some("deploy"));
    let request = change.request().unwrap();
    assert_eq!(request.url.as_str(), "https://events.pagerduty.com/v2/change/enqueue");
    let body = assert_valid(&request.body, "/change/enqueue");
    assert!(body.get("event_action").is_none() && body.get("dedup_key").is_none());
    assert_eq!(trigger.request().unwrap().url.as_str(), "https://events.pagerduty.com/v2/enqueue");
    assert_eq!(trigger.request().unwrap().headers, [("content-type".to_owned(), "application/json".to_owned())]);
}

#[test]
fn routing_keys_and_severities() {
    assert!(RoutingKey::new(KEY).is_ok());
    for bad in ["", "short", &format!("{KEY}X"), "R0UT1NGKEY0123456789ABCDEFGHIJK-", "R0UT1NGKEY0123456789ABCDEFGHIJKé"]
    {
        assert!(matches!(RoutingKey::new(bad), Err(AlertError::RoutingKey { .. })), "{bad}");
    }
    assert!(!format!("{:?}", key()).contains("R0UT"));
    assert_eq!(" Critical ".parse::<Severity>().unwrap(), Severity::Critical);
    assert!("fatal".parse::<Severity>().is_err());
}

#[test]
fn a_huge_error_still_pages_within_512_kb() {
    let body = serde_json::json!({"id": "j", "status": "FAILED", "creation_time": 0, "name": "t",
        "error": "é".repeat(600 * 1024), "exception": "x".repeat(600 * 1024), "tags": vec!["t".repeat(10_000); 1000]});
    let alert = rules().alert_for(&Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap()).unwrap();
    let sent = alert.body().expect("bounded details fit");
    assert!(sent.len() < 512 * 1024, "{} bytes", sent.len());
    let sent = assert_valid(&sent, "/enqueue");
    assert_eq!(sent["payload"]["custom_details"]["tags"].as_array().unwrap().len(), 32);
    assert!(sent["payload"]["custom_details"].get("group_id").is_none(), "nulls are dropped");
}

#[test]
fn hand_built_times_that_cannot_be_written_are_an_error_not_an_empty_body() {
    let year_minus_one = time::macros::datetime!(-0001-12-31 23:00 UTC);
    let mut check = CheckRun::new("n", true);
    check.time = Some(year_minus_one);
    assert!(matches!(rules().alert_for_check(&check).body(), Err(AlertError::Unwritable { .. })));
}

#[test]
fn dedup_keys_cannot_run_into_each_other() {
    let alert = |org: &str, name: &str| {
        let body = serde_json::json!({"id": "j", "data_type": "vdc", "status": "FAILED", "creation_time": 0, "org_id": org, "name": name});
        rules().alert_for(&Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap()).unwrap()
    };
    assert_ne!(alert("a/vdc", "x").dedup_key(), alert("a", "vdc/x").dedup_key());
    assert_eq!(alert("a", "t ").dedup_key(), alert("a", "t").dedup_key(), "surrounding spaces do not count");
    let check = rules().alert_for_check(&CheckRun::new("vdc/x", true));
    assert_ne!(check.dedup_key(), alert("check", "x").dedup_key());
}

#[test]
fn links_that_are_not_web_urls_are_left_out() {
    let mut check = CheckRun::new("n", true);
    check.link = Some("javascript:alert(1)".into());
    let body = assert_valid(&rules().alert_for_check(&check).body().unwrap(), "/enqueue");
    assert!(body.get("links").is_none() && body.get("client_url").is_none(), "{body}");
    let weird = rules().with_job_link_base("see logs/");
    let job = Event::from_slice(br#"{"id":"j","status":"FAILED","creation_time":0,"name":"t"}"#).unwrap();
    let body = assert_valid(&weird.alert_for(&job).unwrap().body().unwrap(), "/enqueue");
    assert!(body.get("links").is_none());
}

/// Text that takes six bytes a character once JSON-escaped.
fn controls(chars: usize) -> String {
    "\u{1}".repeat(chars)
}

#[test]
fn an_alert_for_any_event_fits_pagerdutys_limit() {
    let text = controls(2048);
    let huge = "b".repeat(600_000);
    let mut every_text = serde_json::json!({"id": "j", "data_type": "vdc", "status": "FAILED", "creation_time": 0,
        "tags": vec![text.clone(); 1000]});
    for key in [
        "owner",
        "owner_id",
        "org_id",
        "team_id",
        "team_name",
        "group_id",
        "name",
        "browser_name",
        "browser_version",
        "os_name",
        "os_version",
        "device",
        "app",
        "error",
        "exception",
        "commit_id",
        "branch_name",
        "build",
        "automation_backend",
    ] {
        every_text[key] = text.clone().into();
    }
    let cases = [
        ("every text at 2,048 control characters", every_text),
        (
            "a 600,000-character browser (the component)",
            serde_json::json!({"id": "j", "status": "FAILED", "creation_time": 0, "name": "t", "browser_name": huge}),
        ),
        (
            "a 600,000-character build (the group)",
            serde_json::json!({"id": "j", "status": "FAILED", "creation_time": 0, "name": "t", "build": huge}),
        ),
        (
            "a 600,000-character data type (the class)",
            serde_json::json!({"id": "j", "status": "FAILED", "creation_time": 0, "name": "t", "data_type": huge}),
        ),
        (
            "a 600,000-character id (the link)",
            serde_json::json!({"id": huge, "status": "FAILED", "creation_time": 0, "name": "t"}),
        ),
        (
            "a 600,000-character visual build",
            serde_json::json!({"org_id": huge, "user_id": huge, "team_ids": vec![controls(3000); 1000], "build_id": huge,
            "build_name": huge, "build_url": format!("https://x/{huge}"), "status": "REJECTED", "data_center": huge, "project": huge, "branch": huge}),
        ),
        (
            "a 600,000-character concurrency id",
            serde_json::json!({"concurrency": {"organization": {"id": huge, "allowed": {"vms": 1, "mac_vms": 1, "rds": 1},
            "current": {"vms": 1, "mac_vms": 0, "rds": 0}}}, "timestamp": 0}),
        ),
    ];
    for (what, body) in cases {
        let event = Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
        let alert = rules().alert_for(&event).unwrap_or_else(|| panic!("{what}: an alert"));
        let sent = alert.body().unwrap_or_else(|err| panic!("{what}: {err}"));
        assert!(sent.len() <= MAX_BODY_BYTES, "{what}: {} bytes", sent.len());
        assert_valid(&sent, "/enqueue");
    }
}

#[test]
fn every_text_field_is_cut_to_its_limit() {
    let long = "é".repeat(5000);
    let payload = Payload::new(long.clone(), long.clone(), Severity::Info)
        .with_component(long.clone())
        .with_group(long.clone())
        .with_class(long.clone());
    let alert = AlertEvent::trigger(key(), payload)
        .with_client(long.clone(), None)
        .with_link("https://example.com/", Some(&long));
    let body = assert_valid(&alert.body().unwrap(), "/enqueue");
    for pointer in
        ["/payload/source", "/payload/component", "/payload/group", "/payload/class", "/client", "/links/0/text"]
    {
        let text = body.pointer(pointer).and_then(Value::as_str).unwrap();
        assert_eq!(text.chars().count(), MAX_FIELD_CHARS, "{pointer}");
        assert!(text.ends_with('…'), "{pointer}");
    }
    // A link longer than any URL PagerDuty shows is left out.
    let alert = AlertEvent::trigger(key(), Payload::new("s", "s", Severity::Info))
        .with_link(&format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES)), None);
    assert!(alert.links().is_empty());
    assert!(matches!(
        Image::new(&format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES))),
        Err(AlertError::InsecureImage { .. })
    ));
}

/// An error group whose `attributes` hold `objects` objects of 64 names each, every name
/// `name` repeated `times` times and then its number: names that JSON writes longer than
/// they read (a control character takes six bytes escaped, a quote two).
fn group_with_escaped_names(objects: usize, name: &str, times: usize) -> Vec<u8> {
    let mut attributes = String::from("{");
    for object in 0..objects {
        if object > 0 {
            attributes.push(',');
        }
        write!(attributes, "\"a{object}\":{{").unwrap();
        for entry in 0..64 {
            if entry > 0 {
                attributes.push(',');
            }
            write!(attributes, "\"{}{entry:03}\":[\"1.42.0\",3]", name.repeat(times)).unwrap();
        }
        attributes.push('}');
    }
    attributes.push('}');
    let head =
        r#"{"universe":"acme","project":"checkout-service","fingerprint":"8a3c9e1f","callstack":["CartService.total"]"#;
    format!(r#"{head},"attributes":{attributes}}}"#).into_bytes()
}

/// An error group whose details come near the bound first (a call stack of 32 frames and
/// `attributes` of 45 texts, each of 680 control characters: 4,080 bytes escaped), then whose
/// `attributes` nest `depth` objects, each under one name of the same 680 characters.
fn group_with_a_chain_of_long_names(depth: usize) -> Vec<u8> {
    let name = "\\u0001".repeat(680);
    let text = format!("\"{name}\"");
    let callstack = vec![text.as_str(); 32].join(",");
    let filler: Vec<String> = (0..45).map(|n| format!("\"f{n:02}\":{text}")).collect();
    let chain = format!("{}0{}", format!("{{\"{name}\":").repeat(depth), "}".repeat(depth));
    let head = r#"{"project":"checkout-service","fingerprint":"8a3c9e1f""#;
    format!(r#"{head},"callstack":[{callstack}],"attributes":{{{},"z":{chain}}}}}"#, filler.join(",")).into_bytes()
}

#[test]
fn attribute_names_that_escape_long_still_page_within_the_limit() {
    let acme = sauce_webhooks::OrgId::from("acme");
    let now = time::OffsetDateTime::now_utc();
    let cases = [
        ("3 x 64 names of 680 control characters", group_with_escaped_names(3, "\\u0001", 680)),
        ("8 x 64 names of 679 control characters", group_with_escaped_names(8, "\\u0001", 679)),
        ("3 x 64 names of 2,040 quotes", group_with_escaped_names(3, "\\\"", 2040)),
        ("details near the bound, then a chain of 60 long names", group_with_a_chain_of_long_names(60)),
    ];
    for (what, body) in cases {
        assert!(body.len() <= 2 * 1024 * 1024, "{what}: a body the verifier takes");
        let event = Event::from_slice(&body).unwrap_or_else(|err| panic!("{what}: {err}"));
        let alert = rules().alert_received_for(&acme, &event).expect("a group pages");
        let sent = alert.body().unwrap_or_else(|err| panic!("{what}: {err}"));
        eprintln!("{what}: {} in, {} out", body.len(), sent.len());
        assert!(sent.len() <= MAX_BODY_BYTES, "{what}: {} bytes", sent.len());
        assert_valid(&sent, "/enqueue");
        let mut written = Vec::new();
        rules().write_alert_received_for(&acme, &event, &mut written).unwrap_or_else(|err| panic!("{what}: {err}"));
        assert_eq!(written, sent, "{what}: written as alert_for gives it");
        // What the ledger sends, it can send: the page is not lost.
        let ledger = IncidentLedger::new(rules());
        let Decision::Send(trigger) = ledger.apply_for(&acme, &event, now).unwrap() else { panic!("{what}: a page") };
        assert!(trigger.body().is_ok(), "{what}: the ledger's trigger has a body");
    }
}

#[test]
fn deeply_nested_attributes_keep_the_rest_of_the_details() {
    // `attributes` as deep as the parser takes: the details were rewritten through serde_json's
    // 128 levels, which they passed, and came out `{}` (call stack and fingerprint gone); a
    // little less deep, the alert nested deeper than serde_json reads.
    let acme = sauce_webhooks::OrgId::from("acme");
    let mut parsed = 0;
    for depth in [100, 120, 125, 126, 127] {
        for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
            let attributes = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            let body = format!(
                r#"{{"project":"checkout-service","fingerprint":"8a3c9e1f","callstack":["CartService.total"],"attributes":{attributes}}}"#
            );
            let Ok(event) = Event::from_slice(body.as_bytes()) else { continue };
            parsed += 1;
            let alert = rules().alert_received_for(&acme, &event).unwrap();
            let sent = assert_valid(&alert.body().unwrap(), "/enqueue");
            let details = &sent["payload"]["custom_details"];
            assert_eq!(details["fingerprint"], "8a3c9e1f", "depth {depth} {open}");
            assert_eq!(details["callstack"][0], "CartService.total", "depth {depth} {open}");
            let mut inner = &details["attributes"];
            let mut levels = 0;
            while let Some(next) = inner.get(0).or_else(|| inner.get("a")) {
                (inner, levels) = (next, levels + 1);
            }
            assert!(levels < depth && *inner == "…", "depth {depth} {open}: cut at {levels} levels, {inner}");
        }
    }
    assert!(parsed >= 9, "the parser takes up to 127 levels of attributes: {parsed} parsed");
}
