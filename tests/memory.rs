//! Every public parser holds at most eight times its input and 64 KiB at its peak, batches
//! included, on the worst shapes known: many tiny values, each of which a typed model or a
//! `serde_json::Value` would blow up. Measured with a counting allocator, which sees every
//! byte requested, a growing vector's old and new buffers both included.

use std::fmt::Write as _;

use sauce_webhooks::connector::Template;
use sauce_webhooks::pagerduty::webhook::Envelope;
use sauce_webhooks::pagerduty::{IncidentRules, RoutingKey};
use sauce_webhooks::{Event, OrgId};

/// Two mebibytes, the receiver's body limit, is the size of every body here in release (which
/// CI runs); a debug build, where counting each allocation is slow, reads 512 KiB ones: the
/// bound is proportional, so a parser that grows faster than its input fails at either size.
const BODY: usize = if cfg!(debug_assertions) { 512 * 1024 } else { 2 * 1024 * 1024 };

/// Runs `parse` and returns its peak memory, after checking it against the bound.
fn assert_bounded<T>(what: &str, input: &[u8], parse: impl FnOnce(&[u8]) -> T) -> u64 {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(parse(input)));
    drop(out);
    let limit = 8 * input.len() as u64 + 64 * 1024;
    assert!(
        info.bytes_max <= limit,
        "{what}: peak {} bytes for {} bytes of input (bound {limit})",
        info.bytes_max,
        input.len()
    );
    // `cargo test --test memory -- --nocapture` prints the figures the robustness guide quotes.
    eprintln!("{what}: {} bytes in, peak {} bytes, bound {limit}", input.len(), info.bytes_max);
    info.bytes_max
}

/// `head`, then `item` repeated (with `separator`) to about `BODY` bytes, then `tail`.
fn repeated(head: &str, item: &str, separator: &str, tail: &str) -> Vec<u8> {
    let count = (BODY - head.len() - tail.len()) / (item.len() + separator.len());
    let mut body = String::with_capacity(BODY);
    body.push_str(head);
    for i in 0..count {
        if i > 0 {
            body.push_str(separator);
        }
        body.push_str(item);
    }
    body.push_str(tail);
    body.into_bytes()
}

/// Parses every element of a batch, keeping none, as a receiver that handles them one by one.
fn each_of_batch(body: &[u8]) -> usize {
    Event::from_slice_batch(body).flatten().count()
}

#[test]
fn a_batch_of_empty_objects() {
    // 700,000 elements in 2 MiB: with every event kept at once this held 700 MB.
    let body = repeated("[", "{}", ",", "]");
    assert_bounded("[{},{},...]", &body, each_of_batch);
    assert_eq!(each_of_batch(&body), (body.len() - 2) / 3 + 1);
}

#[test]
fn a_batch_of_the_smallest_jobs() {
    let body = repeated("[", r#"{"id":"a","status":"b","creation_time":0}"#, ",", "]");
    assert_bounded("[{job},{job},...]", &body, each_of_batch);
}

#[test]
fn an_unknown_event_of_tiny_values() {
    // 16 times the input as a `serde_json::Value`; kept as text, it costs its own bytes.
    for item in ["0", "[]", "{}", r#""""#, "null"] {
        let body = repeated(r#"{"x":["#, item, ",", "]}");
        assert_bounded(&format!("{{\"x\":[{item},...]}}"), &body, Event::from_slice);
        assert!(matches!(Event::from_slice(&body), Ok(Event::Unknown(_))));
    }
}

#[test]
fn a_job_with_as_many_tiny_tags_as_it_may_have() {
    for tag in [r#""""#, r#""a""#, "null"] {
        let tags = vec![tag; 1000].join(",");
        let body = format!(r#"{{"id":"j","status":"FAILED","creation_time":0,"tags":[{tags}]}}"#);
        assert_bounded(&format!("tags:[{tag},...]"), body.as_bytes(), Event::from_slice);
    }
    // One more than a job may list is refused, within the bound too.
    let body = repeated(r#"{"id":"j","status":"FAILED","creation_time":0,"tags":["#, r#""""#, ",", "]}");
    assert_bounded("tags:[\"\",... 700,000]", &body, Event::from_slice);
    assert!(Event::from_slice(&body).is_err());
}

#[test]
fn a_visual_build_with_as_many_teams_as_it_may_list() {
    let teams = vec![r#""t""#; 1000].join(",");
    let body = format!(
        r#"{{"org_id":"o","user_id":"u","team_ids":[{teams}],"build_id":"b","build_name":"n","build_url":"u","status":"EQUAL","data_center":"x"}}"#
    );
    assert_bounded("team_ids:[\"t\",...]", body.as_bytes(), Event::from_slice);
}

#[test]
fn an_error_group_of_as_many_frames_and_hosts_as_it_may_list() {
    // Frames past the thousandth are skipped, as text lines or as an array.
    let frames = repeated(r#"{"fingerprint":"f","callstack":["#, r#""""#, ",", "]}");
    assert_bounded("callstack:[\"\",...]", &frames, Event::from_slice);
    let lines = repeated(r#"{"fingerprint":"f","callstack":""#, "a", "\\n", r#""}"#);
    assert_bounded("callstack:\"a\\na...\"", &lines, Event::from_slice);
    let hosts = vec![r#""h""#; 1000].join(",");
    let body = format!(r#"{{"fingerprint":"f","hosts":[{hosts}],"guids":7}}"#);
    assert_bounded("hosts:[\"h\",...]", body.as_bytes(), Event::from_slice);
}

#[test]
fn alerting_an_error_group_of_tiny_attribute_values() {
    // Building the alert and writing its body, from a group parsed before: its `attributes`
    // became a `serde_json::Value` whole, 24 times the body, before it was cut.
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL").unwrap());
    let acme = OrgId::from("acme");
    let head = r#"{"fingerprint":"f","universe":"acme","project":"checkout","attributes":{"#;
    let pairs = repeated(&format!(r#"{head}"version":["#), r#"["1",1]"#, ",", "]}}");
    let zeros = repeated(&format!(r#"{head}"x":["#), "0", ",", "]}}");
    let nested = repeated(&format!(r#"{head}"x":["#), "[[0,0],[0,0]]", ",", "]}}");
    let mut names = String::from(head);
    for n in 0..(BODY - head.len()) / 12 {
        write!(names, r#""{n:06x}":0,"#).unwrap();
    }
    names.push_str(r#""end":0}}"#);
    for (what, body) in [("pairs", pairs), ("zeros", zeros), ("nested", nested), ("names", names.into_bytes())] {
        let event = Event::from_slice(&body).unwrap();
        let mut written = Vec::new();
        assert_bounded(&format!("alert of attributes of {what}"), &body, |_| {
            let alert = rules.alert_received_for(&acme, &event).expect("a group pages");
            alert.body().expect("within PagerDuty's 512 KB")
        });
        assert_bounded(&format!("alert of attributes of {what}, written"), &body, |_| {
            rules.write_alert_received_for(&acme, &event, &mut written).unwrap()
        });
        assert!(written.len() <= 512 * 1000, "{what}: {} bytes", written.len());
    }
}

#[test]
fn an_error_deep_in_a_long_body_is_located_within_the_bound() {
    // Finding the path reads the body again, keeping only the path.
    let body =
        repeated(r#"{"id":"j","status":"FAILED","creation_time":0,"custom":["#, "[0]", ",", r#"],"passed":"maybe"}"#);
    assert_bounded("an error after 2 MiB", &body, Event::from_slice);
    assert_eq!(Event::from_slice(&body).unwrap_err().path(), "$.passed");
}

const ENVELOPE_HEAD: &str = r#"{"event":{"id":"e","event_type":"incident.triggered","resource_type":"incident","occurred_at":"2024-05-01T10:00:00Z","#;

#[test]
fn a_job_read_again_past_another_kinds_key_stays_within_the_bound() {
    // An escaped text (copied out of the body), then another kind's key of another form: the
    // body is read again as a job, the other kinds' keys skipped.
    let head = r#"{"id":"j","status":"FAILED","creation_time":0,"error":""#;
    let body = repeated(head, r"a\nb", "", r#"","hosts":true}"#);
    assert_bounded("a job of an escaped error read again past another kind's key", &body, |body| {
        Event::from_slice(body).unwrap()
    });
    let batch =
        repeated("[", r#"{"id":"j","status":"FAILED","creation_time":0,"error":"a\nb","hosts":true}"#, ",", "]");
    assert_bounded("a batch of jobs each read again", &batch, each_of_batch);
    assert_eq!(each_of_batch(&batch), Event::from_slice_batch(&batch).count(), "every element is a job");
}

#[test]
fn pagerduty_envelopes_of_tiny_values() {
    let data_values = repeated(&format!(r#"{ENVELOPE_HEAD}"data":{{"id":"Q1","x":["#), "0", ",", "]}}}");
    assert_bounded("data:{x:[0,...]}", &data_values, Envelope::from_slice);
    let client_values = repeated(&format!(r#"{ENVELOPE_HEAD}"client":["#), "{}", ",", r#"],"data":{"id":"Q1"}}}"#);
    assert_bounded("client:[{},...]", &client_values, Envelope::from_slice);
    // References past the most an incident may list leave it untyped, not refused.
    let assignees =
        repeated(&format!(r#"{ENVELOPE_HEAD}"data":{{"id":"Q1","assignees":["#), r#"{"id":""}"#, ",", "]}}}");
    assert_bounded("assignees:[{id},...]", &assignees, Envelope::from_slice);
    let roles = repeated(
        &format!(r#"{ENVELOPE_HEAD}"data":{{"type":"incident_role_assignment","incident_role_assignments":["#),
        r#"{"incident":{"id":"Q"}}"#,
        ",",
        "]}}}",
    );
    assert_bounded("incident_role_assignments:[...]", &roles, Envelope::from_slice);
    assert_eq!(Envelope::from_slice(&roles).unwrap().event.incident_id(), Some("Q"), "the first assignment's");
}

#[test]
fn templates_of_nothing_but_placeholders() {
    for item in ["{{event}}", "{{job.id}}", r#""{{job.name}}""#] {
        let body = repeated("[", item, ",", "]");
        let text = String::from_utf8(body).unwrap();
        assert_bounded(&format!("[{item},...]"), text.as_bytes(), |_| Template::parse(&text));
        assert!(Template::parse(&text).is_ok());
    }
}

#[test]
fn a_public_key_of_tiny_values() {
    // `public` is read for every body; serde's untagged enum held 24 times such an array.
    for (head, item) in [
        (r#"{"public":["#, "0"),
        (r#"{"id":"j","status":"FAILED","creation_time":0,"public":["#, "0"),
        (r#"{"public":["#, "[]"),
    ] {
        let body = repeated(head, item, ",", "]}");
        assert_bounded(&format!("{head}{item},...]}}"), &body, Event::from_slice);
    }
    let body = repeated(r#"{"public":{"#, r#""":0"#, ",", "}}");
    assert_bounded(r#"{"public":{"":0,...}}"#, &body, Event::from_slice);
}

#[test]
fn a_batch_of_elements_that_are_not_events() {
    // Every element is an error; each is placed in the body (line, column) from where the
    // previous one was, not by counting again from the start, which made a batch of 2 MiB
    // take a quarter of an hour. A quarter of that size is enough to see each error placed.
    let mut body = repeated("[\n", "1", ",\n", "]");
    body.truncate(BODY / 4);
    body.truncate(body.len() - body.len() % 3);
    body.push(b']');
    let mut refused = (0, None);
    assert_bounded("[1,1,...]", &body, |body| {
        for err in Event::from_slice_batch(body).filter_map(Result::err) {
            refused = (refused.0 + 1, Some(err));
        }
    });
    let (count, last) = refused;
    assert_eq!(count, (body.len() - 3) / 3 + 1);
    let last = last.expect("the elements are refused");
    assert_eq!((last.path(), last.line(), last.column()), (format!("$[{}]", count - 1).as_str(), count + 1, 1));
}
