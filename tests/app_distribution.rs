//! App Distribution events, current and legacy: parsed with their zoneless times as UTC,
//! written back and read equal, detected as themselves only, and a crash paged once.

mod common;

use sauce_webhooks::pagerduty::{Decision, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::testing::fixtures;
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::time::macros::datetime;
use sauce_webhooks::{AppDistributionEvent, Event, OrgId};

fn app(body: &[u8]) -> AppDistributionEvent {
    match Event::from_slice(body).unwrap() {
        Event::AppDistribution(app) => app,
        other => panic!("not an App Distribution event: {other:?}"),
    }
}

#[test]
fn an_upload_parses_with_its_time_as_utc_and_is_no_failure() {
    let upload = app(fixtures::APP_DISTRIBUTION_UPLOAD);
    assert_eq!(upload.event, "upload");
    assert_eq!(upload.timestamp, Some(datetime!(2024-05-01 10:15:30 UTC)));
    assert_eq!((upload.build.as_deref(), upload.build_id.as_deref()), (Some("57"), Some("9911")));
    assert_eq!(upload.filesize, Some(48_213_557));
    assert_eq!(upload.links.landing_page_build_url.as_deref(), Some("https://tsfr.io/join/shop/9911"));
    assert!(!upload.is_failure());
}

#[test]
fn a_legacy_crash_with_a_numeric_build_is_a_failure() {
    let crash = app(&common::read("app_distribution_crash_legacy.json"));
    assert_eq!(crash.build.as_deref(), Some("57"), "the legacy integer, as text");
    assert_eq!(crash.device_name.as_deref(), Some("Pixel 8"));
    assert_eq!(crash.links.community_url.as_deref(), Some("https://community.testfairy.com/shop"));
    assert!(crash.is_failure());
}

#[test]
fn downloads_new_devices_and_feedback_parse_and_other_words_are_kept() {
    let download = app(br#"{"event":"download","timestamp":"2024-05-01 10:20:00","appName":"Shop","testerEmail":"t@example.com","ipAddress":"198.51.100.4"}"#);
    assert_eq!(download.tester_email.as_deref(), Some("t@example.com"));
    let device = app(br#"{"event":"new-udid","appName":"Shop","udid":"00008110-001A","device":"iPhone15,2","email":"t@example.com","platform":"ios"}"#);
    assert_eq!(device.udid.as_deref(), Some("00008110-001A"));
    let feedback = app(br#"{"event":"feedback","appName":"Shop","text":"The button is hidden","sessionUrl":"https://x/s/1","correlationId":77}"#);
    assert_eq!(
        (feedback.text.as_deref(), feedback.correlation_id.as_deref()),
        (Some("The button is hidden"), Some("77"))
    );
    assert_eq!(app(br#"{"event":"uninstall","appName":"Shop"}"#).event, "uninstall");
}

#[test]
fn a_new_device_is_told_by_its_event_word_and_names_no_app() {
    // Sauce Labs' App Distribution webhooks page: a registered device carries no app fields.
    let body = common::read("app_distribution_new_udid.json");
    let device = app(&body);
    assert_eq!((device.event.as_str(), device.app_name.as_deref()), ("new-udid", None));
    assert_eq!(device.udid.as_deref(), Some("00008110-001A2D3C0E38801E"));
    assert_eq!((device.device.as_deref(), device.email.as_deref()), (Some("iPhone15,2"), Some("tester@example.com")));
    assert_eq!(device.platform.as_deref(), Some("ios"));
    assert_eq!(device.timestamp, Some(datetime!(2024-05-01 10:42:17 UTC)));
    assert!(!device.is_failure());
    let event = Event::from_slice(&body).unwrap();
    assert_eq!(Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap(), event);

    for word in ["upload", "download", "new-udid", "crash", "feedback", " New-UDID "] {
        let body = format!(r#"{{"event":"{word}","timestamp":"2024-05-01 10:42:17"}}"#);
        assert!(matches!(Event::from_slice(body.as_bytes()).unwrap(), Event::AppDistribution(_)), "{word:?}");
    }
    // Another word, or an `event` that is no word (a PagerDuty webhook's), tells nothing.
    for body in [&br#"{"event":"incident.triggered"}"#[..], br#"{"event":{"id":"e1","event_type":"pagey.ping"}}"#] {
        assert!(matches!(Event::from_slice(body).unwrap(), Event::Unknown(_)));
    }
    // A job's keys win over an `event` word a relay may add.
    let job = br#"{"id":"j1","status":"FAILED","creation_time":0,"event":"crash"}"#;
    assert!(matches!(Event::from_slice(job).unwrap(), Event::Job(_)));
}

#[test]
fn every_kind_is_detected_as_itself_and_written_back_reads_equal() {
    for body in [
        fixtures::VDC_JOB_FAILED,
        fixtures::VISUAL_BUILD,
        fixtures::API_TEST_FAILED,
        fixtures::ERROR_GROUP,
        fixtures::VISUAL_RUN,
    ] {
        assert!(!matches!(Event::from_slice(body).unwrap(), Event::AppDistribution(_) | Event::Unknown(_)));
    }
    for body in [
        fixtures::APP_DISTRIBUTION_UPLOAD,
        &common::read("app_distribution_crash_legacy.json")[..],
        &common::read("app_distribution_new_udid.json")[..],
    ] {
        let event = Event::from_slice(body).unwrap();
        assert_eq!(Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap(), event);
    }
    let err = Event::from_slice(br#"{"event":"upload","appName":"Shop","timestamp":"yesterday"}"#).unwrap_err();
    assert_eq!(err.path(), "$.timestamp");
}

#[test]
fn a_crash_pages_once_and_an_upload_pages_nothing() {
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    let acme = OrgId::from("acme");
    let upload = Event::from_slice(fixtures::APP_DISTRIBUTION_UPLOAD).unwrap();
    assert!(rules.alert_received_for(&acme, &upload).is_none());
    let crash = Event::from_slice(&common::read("app_distribution_crash_legacy.json")).unwrap();
    let alert = serde_json::to_value(rules.alert_received_for(&acme, &crash).unwrap()).unwrap();
    assert_eq!(
        alert["payload"]["summary"],
        "Shop 1.4.2 crashed on android: java.lang.IllegalStateException: cart is empty"
    );
    let ledger = IncidentLedger::new(rules);
    let now = OffsetDateTime::now_utc();
    let pages = [&crash, &crash]
        .iter()
        .filter(|event| matches!(ledger.apply_for(&acme, event, now).unwrap(), Decision::Send(_)))
        .count();
    assert_eq!(pages, 1);
}

#[test]
fn a_crash_whose_zoneless_time_lies_ahead_of_utc_still_pages() {
    // A sender east of UTC writing its local time: read as UTC, two hours ahead of now.
    let now = datetime!(2024-05-01 10:00:00 UTC);
    let body =
        br#"{"event":"crash","timestamp":"2024-05-01 12:00:00","appName":"Shop","version":"1.4.2","platform":"ios"}"#;
    let crash = Event::from_slice(body).unwrap();
    let ledger = IncidentLedger::new(IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap()));
    let acme = OrgId::from("acme");
    assert!(
        matches!(ledger.apply_for(&acme, &crash, now).unwrap(), Decision::Send(_)),
        "ordered by arrival, not by its time"
    );
}

#[test]
fn per_organization_a_project_event_is_followed_per_test() {
    use sauce_webhooks::pagerduty::Granularity;
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    let ledger = IncidentLedger::new(rules).with_granularity(Granularity::Organization);
    let crash = Event::from_slice(&common::read("app_distribution_crash_legacy.json")).unwrap();
    let acme = OrgId::from("acme");
    let key = ledger.key_for(&acme, &crash);
    assert!(key.as_ref().is_some_and(|key| key.contains(r#"["app","acme""#)), "{key:?}");
    let now = OffsetDateTime::now_utc();
    let pages = [&crash, &crash]
        .iter()
        .filter(|event| matches!(ledger.apply_for(&acme, event, now).unwrap(), Decision::Send(_)))
        .count();
    assert_eq!(pages, 1, "the second delivery is told apart, not paged again");
}

#[test]
fn a_documented_word_reads_as_documented_and_times_write_as_sent() {
    // `event` kept as sent made `app.event == "new-udid"` false for " NEW-UDID ", which a
    // sender's case and spaces can give: the documented words read in their documented form.
    for (sent, read) in
        [(" NEW-UDID ", "new-udid"), ("Crash", "crash"), ("UPLOAD", "upload"), ("Uninstall", "Uninstall")]
    {
        let body = format!(r#"{{"event":"{sent}","appName":"Shop","timestamp":"2024-05-01 10:42:17"}}"#);
        assert_eq!(app(body.as_bytes()).event, read, "{sent:?}");
    }
    // Written back, a time is in App Distribution's own form (which names no zone, read as
    // UTC); one with a fraction, which that form cannot hold, in RFC 3339.
    let written = serde_json::to_value(Event::from_slice(fixtures::APP_DISTRIBUTION_UPLOAD).unwrap()).unwrap();
    assert_eq!(written["timestamp"], "2024-05-01 10:15:30");
    let mut fine = app(fixtures::APP_DISTRIBUTION_UPLOAD);
    fine.timestamp = Some(datetime!(2024-05-01 10:15:30.25 UTC));
    let written = serde_json::to_vec(&Event::AppDistribution(fine.clone())).unwrap();
    assert_eq!(app(&written), fine);
}
