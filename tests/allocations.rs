//! Counts heap allocations (per thread, with `allocation-counter`'s global allocator, which is
//! linked only into this test binary).

use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier, sign};
use sauce_webhooks::{Event, Job};

#[test]
fn verify_allocates_nothing() {
    let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/testing/payloads/vdc_job_failed.json")).unwrap();
    let old = Secret::new("old-token").unwrap();
    let new = Secret::new("new-token").unwrap();
    let sauce_header = format!("sha256={}", sign(&new, &body));
    let pagerduty_header = format!("v1={}, v0=ignored, v1={}", "0".repeat(64), sign(&new, &body));
    let sauce = Verifier::new(old.clone()).with_secret(new.clone());
    let pagerduty = Verifier::new(old).with_secret(new).with_scheme(PagerDutyV3);
    let bad_body = [&body[..], b" "].concat();

    let info = allocation_counter::measure(|| {
        assert!(sauce.verify(&body, Some(&sauce_header)).is_ok());
        assert!(pagerduty.verify(&body, Some(&pagerduty_header)).is_ok());
        assert!(sauce.verify(&bad_body, Some(&sauce_header)).is_err());
        assert!(sauce.verify(&body, Some("not hex")).is_err());
        assert!(sauce.verify(&body, None).is_err());
    });
    assert_eq!(info.count_total, 0, "verify must not allocate: {info:?}");

    // The counter does see this thread's allocations.
    let info = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(info.count_total, 1);
}

/// The blocks a parsed job holds: one per present text field, one per tag and the tags vector.
fn held_blocks(job: &Job) -> u64 {
    let ids = [job.owner_id.is_some(), job.org_id.is_some(), job.team_id.is_some()];
    let texts = [
        &job.owner,
        &job.team_name,
        &job.group_id,
        &job.name,
        &job.browser_name,
        &job.browser_version,
        &job.os_name,
        &job.os_version,
        &job.device,
        &job.app,
        &job.error,
        &job.exception,
        &job.commit_id,
        &job.branch_name,
        &job.build,
        &job.automation_backend,
    ];
    let blocks = 1
        + ids.iter().filter(|&&present| present).count()
        + texts.iter().filter(|text| text.is_some()).count()
        + job.tags.len()
        + usize::from(!job.tags.is_empty());
    blocks as u64
}

fn parse_counting(body: &[u8]) -> (Job<'_>, allocation_counter::AllocationInfo) {
    let mut parsed = None;
    let info = allocation_counter::measure(|| parsed = Some(Event::from_slice(body)));
    let Some(Ok(Event::Job(job))) = parsed else { panic!("a job: {parsed:?}") };
    (job, info)
}

#[test]
fn parsing_a_job_allocates_one_block_per_text_field_and_tag_plus_the_tags_vector() {
    // No escaped strings: nothing is allocated but what the job keeps.
    let plain = br#"{"id":"4b0c9d3e","data_type":"vdc","status":"FAILED","passed":false,"creation_time":1714558530,
        "owner_id":"a1b2","org_id":"7fb2","name":"checkout works","browser_name":"chrome","browser_version":124,
        "visibility":"TEAM","device":"","tags":["smoke","severity:critical"]}"#;
    let (job, info) = parse_counting(plain);
    assert_eq!(held_blocks(&job), 9);
    assert_eq!((info.count_current, info.count_total), (9, 9), "{info:?}");

    // The realistic job has escaped strings (`\n`, `\"`), which serde_json unescapes into one
    // buffer of its own, reused for every string, growing by doubling up to the longest.
    let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/testing/payloads/vdc_job_failed.json")).unwrap();
    let (job, info) = parse_counting(&body);
    assert_eq!(held_blocks(&job), 23);
    assert_eq!(info.count_current, 23, "the job holds exactly those blocks: {info:?}");
    let longest_escaped = job.error.as_ref().map_or(0, |error| error.len());
    let doublings = u64::from(longest_escaped.next_power_of_two().trailing_zeros());
    assert!(info.count_total <= 23 + doublings, "{info:?}");
}

/// The blocks a borrowed job holds: its ids, the tags vector, and each text the body escapes
/// (unescaped into a copy of its own).
fn held_by_borrowed(job: &Job<'_>) -> u64 {
    let ids = [job.owner_id.is_some(), job.org_id.is_some(), job.team_id.is_some()];
    let texts = [
        &job.owner,
        &job.team_name,
        &job.group_id,
        &job.name,
        &job.browser_name,
        &job.browser_version,
        &job.os_name,
        &job.os_version,
        &job.device,
        &job.app,
        &job.error,
        &job.exception,
        &job.commit_id,
        &job.branch_name,
        &job.build,
        &job.automation_backend,
    ];
    let copied = texts.iter().filter(|text| text.as_ref().is_some_and(|text| !text.is_lent())).count()
        + job.tags.iter().filter(|tag| !tag.is_lent()).count()
        + usize::from(!job.id.is_lent());
    (ids.iter().filter(|&&present| present).count() + usize::from(!job.tags.is_empty()) + copied) as u64
}

#[test]
fn a_borrowed_job_allocates_only_its_ids_tags_vector_and_escaped_texts() {
    let plain = br#"{"id":"4b0c9d3e","data_type":"vdc","status":"FAILED","passed":false,"creation_time":1714558530,
        "owner_id":"a1b2","org_id":"7fb2","name":"checkout works","browser_name":"chrome","browser_version":124,
        "visibility":"TEAM","device":"","tags":["smoke","severity:critical"]}"#;
    let mut parsed = None;
    let info = allocation_counter::measure(|| parsed = Some(Event::from_slice_borrowed(plain)));
    let Some(Ok(Event::Job(job))) = parsed else { panic!("a job: {parsed:?}") };
    // Two ids, the tags vector, and the version written out from a number.
    assert!(job.name.as_ref().unwrap().is_lent() && !job.browser_version.as_ref().unwrap().is_lent());
    assert_eq!((info.count_current, info.count_total), (4, 4), "{info:?}");

    let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/testing/payloads/vdc_job_failed.json")).unwrap();
    let mut parsed = None;
    let info = allocation_counter::measure(|| parsed = Some(Event::from_slice_borrowed(&body)));
    let Some(Ok(Event::Job(job))) = parsed else { panic!("a job: {parsed:?}") };
    let held = held_by_borrowed(&job);
    assert!(held < 8, "{held}");
    assert_eq!(info.count_current, i64::try_from(held).unwrap(), "the job holds exactly those blocks: {info:?}");
    let longest_escaped = job.error.as_ref().map_or(0, |error| error.len());
    let doublings = u64::from(longest_escaped.next_power_of_two().trailing_zeros());
    assert!(info.count_total <= held + doublings, "{info:?}");
    assert_eq!(Event::Job(job).into_owned(), Event::from_slice(&body).unwrap());
}

/// Allocations of the whole path the pipeline bench measures: verify, parse (borrowed), route
/// among subscriptions and write the alert's body into a buffer kept from event to event.
#[cfg(all(feature = "routing", feature = "pagerduty", feature = "testing"))]
#[test]
fn the_pipeline_allocates_what_the_event_keeps_and_a_few_more() {
    use sauce_webhooks::pagerduty::{IncidentRules, RoutingKey};
    use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};
    use sauce_webhooks::{OrgId, Router};

    const PLAIN: &[u8] =
        br#"{"id":"4b0c9d3e","data_type":"vdc","status":"FAILED","passed":false,"creation_time":1714558530,
        "owner_id":"a1b2","org_id":"7fb2","team_id":"t1","name":"checkout works","browser_name":"chrome",
        "browser_version":"124.0","error":"Element not found: #pay","tags":["smoke","severity:critical"]}"#;
    let secret = Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d").unwrap();
    let verifier = Verifier::new(secret.clone());
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    for (body, name) in [(sauce_webhooks::testing::fixtures::VDC_JOB_FAILED, "realistic"), (PLAIN, "no escapes")] {
        let header = sign(&secret, body).to_string();
        let Ok(Event::Job(job)) = Event::from_slice(body) else { panic!("a job") };
        let org = job.org_id.clone().unwrap();
        let mut router = Router::new();
        for (key, scope) in [
            (1u64, Scope::user(org.clone(), job.owner_id.clone().unwrap())),
            (2, Scope::team(org.clone(), job.team_id.clone().unwrap())),
            (3, Scope::organization(org.clone())),
            (4, Scope::organization(OrgId::from("another"))),
        ] {
            router.insert(key, Subscription::new(scope, [Topic::VirtualDeviceJobs(Outcomes::All)]));
        }
        let mut alert = Vec::with_capacity(8192);
        let mut keys = Vec::with_capacity(16);
        let mut run = || {
            let verified = verifier.verify(body, Some(&header)).unwrap();
            let event = verified.event_ref().unwrap();
            keys.clear();
            keys.extend(router.route_for(&org, &event).copied());
            rules.write_alert(&event, &mut alert).unwrap();
            (event, keys.len())
        };
        let (event, routed) = run();
        assert_eq!(routed, 3);
        let Event::Job(job) = &event else { unreachable!() };
        let held = held_by_borrowed(job);
        drop(event);
        let mut parsed = None;
        let parse = allocation_counter::measure(|| parsed = Some(Event::from_slice_borrowed(body)));
        drop(parsed);
        let mut pipeline = None;
        let info = allocation_counter::measure(|| pipeline = Some(run().0));
        // Verifying and routing allocate nothing; parsing, the job's ids, tags vector and
        // escaped texts, and serde_json's buffer for unescaping (growing by doubling);
        // writing the alert, its summary, dedup key and link.
        println!(
            "pipeline ({name}): {} allocations, {} of them parsing, {held} held by the event",
            info.count_total, parse.count_total
        );
        assert!(parse.count_total >= held);
        assert!(info.count_total <= parse.count_total + 3, "{info:?}, parsing {parse:?}");
        if name == "no escapes" {
            assert!(info.count_total <= 8, "the issue's target: {info:?}");
        }
        drop(pipeline);
    }
}
