//! Each way an attack review and a first deployment knocked the relay over, tried again on the
//! real binary on 127.0.0.1 against stand-in endpoints: memory under trickled bodies, a body too
//! big for one target, an endpoint that says it is gone, a refused message, a renamed
//! subscription, a replayed body, a full queue, a batch with a bad element.

// Figures for people to read: sizes far below 2^52 bytes.
#![allow(clippy::cast_precision_loss)]

mod common;

use std::io::Write as _;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::relay::{Dir, ORG, Relay, cli, job, pagerduty, wait_for, webhook};
use common::stand_in::stand_in;
use serde_json::{Value, json};

/// A subscription's requests received, with their bodies as JSON.
fn bodies(log: &common::stand_in::Log) -> Vec<Value> {
    log.lock().unwrap().iter().map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null)).collect()
}

#[test]
fn bodies_trickled_a_byte_at_a_time_hold_no_more_than_themselves() {
    let dir = Dir::new("trickle");
    let (config, address) = dir.config(json!({"subscriptions": []}));
    let relay = Relay::start(&config, &address);
    let port = address.rsplit(':').next().unwrap().to_owned();
    // An unsigned body is refused before a byte of it is read: the answer comes while the
    // client has sent only its headers.
    for _ in 0..20 {
        let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
        let head = "POST /webhooks/sauce HTTP/1.1\r\nHost: relay\r\nContent-Length: 2097152\r\n\r\n";
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = [0; 12];
        std::io::Read::read_exact(&mut stream, &mut answer).unwrap();
        assert_eq!(&answer, b"HTTP/1.1 401", "an unsigned body is refused unread");
    }
    let before = relay.memory_kb("VmRSS");
    // Eight connections (as many as one client may hold), each declaring a 2 MiB body under a
    // signature of the right form and sending half a megabyte of it a byte per write: the body
    // is read, so memory must stay near what the bodies hold (before: 3.5 GB from 9 MB).
    let sent_per_connection = 512 * 1024;
    let trickles: Vec<_> = (0..8)
        .map(|_| {
            let port = port.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
                stream.set_nodelay(true).unwrap();
                let head = format!(
                    "POST /webhooks/sauce HTTP/1.1\r\nHost: relay\r\nContent-Length: {}\r\nsaucelabs-sign: {}\r\n\r\n",
                    2 * 1024 * 1024,
                    "ab".repeat(32)
                );
                stream.write_all(head.as_bytes()).unwrap();
                let mut written = 0;
                while written < sent_per_connection && stream.write_all(b"[").is_ok() {
                    written += 1;
                }
                written
            })
        })
        .collect();
    let written: usize = trickles.into_iter().map(|t| t.join().unwrap()).sum();
    let peak = relay.memory_kb("VmHWM");
    let grew_mb = peak.saturating_sub(before) as f64 / 1024.0;
    let sent_mb = written as f64 / (1024.0 * 1024.0);
    println!(
        "trickle: {sent_mb:.1} MB sent a byte per write on 8 connections; the relay grew {grew_mb:.1} MB ({before} kB to a peak of {peak} kB)"
    );
    assert!(written >= 8 * sent_per_connection / 2, "the relay kept reading ({written} bytes)");
    // What the bodies hold, and room for the allocator: a relay that kept each frame (as the
    // first did) grows ten times and more what it is sent.
    assert!(grew_mb < 3.0 * sent_mb + 8.0, "the relay grew {grew_mb:.1} MB for {sent_mb:.1} MB of bodies");
}

#[test]
fn an_event_too_big_for_one_target_still_pages_and_becomes_a_dead_letter_for_the_other() {
    let (pagerduty_url, pages) = stand_in(|_, _| (202, vec![]));
    let (chat, posts) = stand_in(|_, _| (204, vec![]));
    let dir = Dir::new("too-big");
    let (config, address) = dir.config(json!({
        "pagerduty_events_url": format!("{pagerduty_url}/v2/enqueue"),
        "allow_private_targets": true,
        "subscriptions": [pagerduty("oncall"), webhook("chat", &format!("{chat}/hooks"), r#"{"error": "{{job.error}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    let mut body: Value = serde_json::from_slice(&job("j-1", "checkout", "FAILED")).unwrap();
    body["error"] = json!(format!("AssertionError: total\n{}", "    at frame (spec.js:88)\n".repeat(22_000)));
    let body = serde_json::to_vec(&body).unwrap();
    assert!(body.len() > 580_000);
    // Before: 503, every time, and the page was lost with the chat message.
    assert_eq!(relay.post(&body).0, 204, "taken in");
    wait_for("the page", Duration::from_secs(10), || !pages.lock().unwrap().is_empty());
    assert_eq!(bodies(&pages)[0]["event_action"], "trigger");
    assert!(pages.lock().unwrap()[0].body.len() <= 512 * 1024);
    wait_for("the dead letter counted", Duration::from_secs(10), || relay.metric("sauce_relay_dead_letters ") == 1);
    assert!(posts.lock().unwrap().is_empty(), "nothing the chat could take was sent");
    let listed = cli(&["dead-letters", "list", config.to_str().unwrap()]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("chat") && listed.contains("event"), "{listed}");
    assert!(listed.contains("bytes") || listed.contains("limit"), "says why: {listed}");
}

#[test]
fn an_endpoint_that_said_gone_is_listed_logged_counted_and_enabled_again() {
    let (chat, posts) = stand_in(|_, n| (if n == 1 { 410 } else { 204 }, vec![]));
    let dir = Dir::new("gone");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks/qa"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    assert_eq!(relay.post(&job("j-1", "checkout", "FAILED")).0, 204);
    wait_for("the endpoint disabled", Duration::from_secs(10), || relay.metric("sauce_relay_disabled_endpoints ") == 1);
    assert_eq!(relay.post(&job("j-2", "login", "FAILED")).0, 204);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(posts.lock().unwrap().len(), 1, "nothing more is sent to it");
    assert!(!relay.logged("endpoint disabled: its messages wait until `sauce-relay endpoints enable`").is_empty());
    let listed = String::from_utf8(cli(&["endpoints", "list", config.to_str().unwrap()]).stdout).unwrap();
    assert!(listed.contains("disabled (410 Gone)") && listed.contains("chat"), "{listed}");
    assert!(!listed.contains("/hooks/qa"), "the URL's path is not shown: {listed}");
    let enabled = cli(&["endpoints", "enable", config.to_str().unwrap(), "chat"]);
    assert!(enabled.status.success(), "{}", String::from_utf8_lossy(&enabled.stderr));
    wait_for("both runs delivered", Duration::from_secs(10), || posts.lock().unwrap().len() == 3);
    let runs: Vec<Value> = bodies(&posts).iter().map(|body| body["run"].clone()).collect();
    assert_eq!(runs, [json!("j-1"), json!("j-1"), json!("j-2")]);
    assert_eq!(relay.metric("sauce_relay_deliveries_total{subscription=\"chat\",outcome=\"endpoint_disabled\"}"), 1);
}

#[test]
fn a_disabled_endpoint_is_tried_again_after_the_configured_wait() {
    let (chat, posts) = stand_in(|_, n| (if n == 1 { 410 } else { 204 }, vec![]));
    let dir = Dir::new("reprobe");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "reenable_endpoints_after_seconds": 2,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks/qa"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    let started = Instant::now();
    assert_eq!(relay.post(&job("j-1", "checkout", "FAILED")).0, 204);
    wait_for("sent again once enabled", Duration::from_secs(15), || posts.lock().unwrap().len() == 2);
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(relay.logged("endpoint enabled again after its wait").len(), 1);
}

#[test]
fn a_refused_message_holds_up_only_its_own_test_and_then_becomes_a_dead_letter() {
    // The endpoint refuses every message about "broken" with a 400.
    let (chat, posts) = stand_in(|request, _| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        (if body["test"] == "broken" { 400 } else { 204 }, vec![])
    });
    let dir = Dir::new("refused");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "retry": {"schedule_seconds": [60], "throttled_wait_seconds": 60, "refused_schedule_seconds": [1, 1]},
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"test": "{{job.name}}", "run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    let started = Instant::now();
    assert_eq!(relay.post(&job("b-1", "broken", "FAILED")).0, 204);
    for n in 0..5 {
        assert_eq!(relay.post(&job(&format!("o-{n}"), &format!("other {n}"), "FAILED")).0, 204);
    }
    // Before: every later message to the endpoint waited behind the refused one (28 h).
    wait_for("the other tests' messages", Duration::from_secs(5), || {
        bodies(&posts).iter().filter(|body| body["test"] != "broken").count() == 5
    });
    let others_after = started.elapsed();
    wait_for("the refused message given up", Duration::from_secs(10), || {
        relay.metric("sauce_relay_dead_letters ") == 1
    });
    let refusals = bodies(&posts).iter().filter(|body| body["test"] == "broken").count();
    assert_eq!(refusals, 3, "the first attempt and the two retries of the short schedule");
    let listed = String::from_utf8(cli(&["dead-letters", "list", config.to_str().unwrap()]).stdout).unwrap();
    assert!(listed.contains("refused the request with 400"), "{listed}");
    println!(
        "refused: the other tests delivered {:.0} ms after, the refused one a dead letter after 3 attempts",
        others_after.as_secs_f64() * 1e3
    );
}

#[test]
fn a_renamed_subscription_sets_its_old_messages_aside_and_check_says_so() {
    let (chat, posts) = stand_in(|_, n| (if n == 1 { 503 } else { 204 }, vec![]));
    let dir = Dir::new("renamed");
    let signed = |id: &str| {
        let mut sub = webhook(id, &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#);
        sub["target"]["webhook"]["standard_webhooks_secret_env"] = json!("CHAT_WEBHOOK_SECRET");
        sub
    };
    let settings = |sub: Value| {
        json!({"allow_private_targets": true,
               "retry": {"schedule_seconds": [600], "throttled_wait_seconds": 1}, "subscriptions": [sub]})
    };
    let (config, address) = dir.config(settings(signed("chat")));
    let relay = Relay::start(&config, &address);
    assert_eq!(relay.post(&job("j-1", "checkout", "FAILED")).0, 204);
    wait_for("the first attempt failed", Duration::from_secs(10), || posts.lock().unwrap().len() == 1);
    assert_eq!(relay.terminate(Duration::from_secs(15)).code(), Some(0));

    // The subscription is renamed: its secret is now known by another name.
    let (config, address) = dir.config(settings(signed("qa-chat")));
    let checked = cli(&["check", config.to_str().unwrap()]);
    let said = String::from_utf8(checked.stdout).unwrap();
    assert!(checked.status.success(), "{said}");
    assert!(said.contains("1 waiting messages are signed as \"chat\""), "{said}");
    let relay = Relay::start(&config, &address);
    assert!(
        !relay
            .logged(
                "messages no configured secret can sign, set aside as dead letters (`sauce-relay dead-letters list`)"
            )
            .is_empty()
    );
    // Before: the head message stalled, and with it every later one to that URL, silently.
    assert_eq!(relay.post(&job("j-2", "checkout", "FAILED")).0, 204);
    wait_for("the new message", Duration::from_secs(10), || posts.lock().unwrap().len() == 2);
    assert_eq!(bodies(&posts)[1]["run"], "j-2");
    let listed = String::from_utf8(cli(&["dead-letters", "list", config.to_str().unwrap()]).stdout).unwrap();
    assert!(listed.contains("no subscription signs as \"chat\""), "{listed}");
    let retried = cli(&["dead-letters", "retry", config.to_str().unwrap(), "--all"]);
    assert_eq!(retried.status.code(), Some(1), "a letter that stays is an error");
    let said = String::from_utf8(retried.stderr).unwrap();
    assert!(said.contains("kept: no signer named \"chat\""), "still nobody to sign it: {said}");
}

#[test]
fn the_same_body_delivered_again_is_taken_once_and_a_full_queue_answers_503() {
    let (chat, posts) = stand_in(|_, _| (503, vec![]));
    let dir = Dir::new("replay");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "max_queued_messages": 5,
        "retry": {"schedule_seconds": [600], "throttled_wait_seconds": 1},
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    let body = job("j-1", "checkout", "FAILED");
    // Before: 68,851 answers of 204 in 30 s, 68,662 messages queued, the database 4 KB to 40 MB.
    for _ in 0..200 {
        assert_eq!(relay.post(&body).0, 204);
    }
    // The same event spaced, indented, batched: still the same event.
    let value: Value = serde_json::from_slice(&body).unwrap();
    for variant in [
        [&body[..], b" "].concat(),
        serde_json::to_vec_pretty(&value).unwrap(),
        serde_json::to_vec(&json!([value])).unwrap(),
    ] {
        assert_eq!(relay.post(&variant).0, 204);
    }
    wait_for("one attempt", Duration::from_secs(10), || posts.lock().unwrap().len() == 1);
    assert_eq!(relay.metric("sauce_relay_events_repeated_total"), 202);
    let mut answers = Vec::new();
    for n in 2..=10 {
        answers.push(relay.post(&job(&format!("j-{n}"), "checkout", "FAILED")));
    }
    let taken = answers.iter().filter(|(status, _)| *status == 204).count();
    assert_eq!(taken, 4, "five messages in all: {answers:?}");
    assert!(answers[4..].iter().all(|answer| *answer == (503, Some("60".to_owned()))), "{answers:?}");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(relay.metric("sauce_relay_queue_depth{subscription=\"chat\"}"), 5);
}

#[test]
fn a_batch_takes_its_good_elements_and_counts_the_bad() {
    let (chat, posts) = stand_in(|_, _| (204, vec![]));
    let dir = Dir::new("batch");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    let good: Value = serde_json::from_slice(&job("good", "checkout", "FAILED")).unwrap();
    let bad = json!({"id": "bad", "status": "FAILED", "creation_time": "not a time", "org_id": ORG});
    // Before: the good element was kept but the answer was 400, so a sender that retried
    // duplicated it.
    assert_eq!(relay.post(&serde_json::to_vec(&json!([good, bad])).unwrap()).0, 204);
    wait_for("the good element", Duration::from_secs(10), || posts.lock().unwrap().len() == 1);
    assert_eq!(bodies(&posts)[0]["run"], "good");
    assert_eq!(relay.metric("sauce_relay_events_refused_total"), 1);
    let taken = relay.logged("taken in");
    assert_eq!((taken[0]["events"].as_u64(), taken[0]["refused"].as_u64()), (Some(1), Some(1)));
    // A body of nothing readable is refused, and nothing of it kept.
    assert_eq!(relay.post(&serde_json::to_vec(&json!([bad])).unwrap()).0, 400);
    assert_eq!(relay.post(b"[1, 2").0, 400);
}

#[test]
fn a_pagerduty_subscription_that_sees_only_failures_is_refused_saying_what_to_write() {
    let dir = Dir::new("failed-only");
    let mut sub = pagerduty("oncall");
    sub["filter"]["topics"] = json!([{"virtual_device_jobs": "failed_only"}, {"real_device_jobs": "all"}]);
    let (config, _) = dir.config(json!({"subscriptions": [sub]}));
    let checked = cli(&["check", config.to_str().unwrap()]);
    let said = String::from_utf8(checked.stderr).unwrap();
    assert_eq!(checked.status.code(), Some(1));
    assert!(said.contains("subscription \"oncall\""), "{said}");
    assert!(said.contains("never resolve"), "{said}");
    assert!(
        said.contains(r#"write {"virtual_device_jobs":"all"} instead of {"virtual_device_jobs":"failed_only"}"#),
        "{said}"
    );
    let ran = cli(&["run", config.to_str().unwrap()]);
    assert_eq!(ran.status.code(), Some(1), "run refuses it too");
    assert!(String::from_utf8(ran.stdout).unwrap().contains("never resolve"));
}

#[test]
fn a_dead_letter_sent_again_never_contradicts_its_incident() {
    // PagerDuty refuses the first trigger of each test.
    let refused = std::sync::Mutex::new(std::collections::HashSet::new());
    let (pagerduty_url, pages) = stand_in(move |request, _| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let key = body["dedup_key"].as_str().unwrap().to_owned();
        let first = body["event_action"] == "trigger" && refused.lock().unwrap().insert(key);
        (if first { 400 } else { 202 }, vec![])
    });
    let dir = Dir::new("retry");
    let (config, address) = dir.config(json!({
        "pagerduty_events_url": format!("{pagerduty_url}/v2/enqueue"),
        "allow_private_targets": true,
        "subscriptions": [pagerduty("oncall")]
    }));
    let relay = Relay::start(&config, &address);
    // "checkout" fails, its trigger is refused, then it passes: its resolve goes.
    assert_eq!(relay.post(&job("c-1", "checkout", "FAILED")).0, 204);
    wait_for("the refused trigger", Duration::from_secs(10), || relay.metric("sauce_relay_dead_letters ") == 1);
    assert_eq!(relay.post(&job("c-2", "checkout", "PASSED")).0, 204);
    wait_for("the resolve", Duration::from_secs(10), || pages.lock().unwrap().len() == 2);
    // "login" fails, its trigger is refused, and it is still failing.
    assert_eq!(relay.post(&job("l-1", "login", "FAILED")).0, 204);
    wait_for("the second refused trigger", Duration::from_secs(10), || relay.metric("sauce_relay_dead_letters ") == 2);
    let listed = String::from_utf8(cli(&["dead-letters", "list", config.to_str().unwrap()]).stdout).unwrap();
    assert!(
        listed.contains("pagerduty trigger [\"job\",\"7fb25570b4064716b9b6daae1a846790\",\"vdc\",\"checkout\"]"),
        "{listed}"
    );

    let retried = cli(&["dead-letters", "retry", config.to_str().unwrap(), "--all"]);
    let said = String::from_utf8(retried.stdout).unwrap();
    assert!(retried.status.success(), "{said}");
    assert!(said.contains("1: dropped: its test passed since"), "{said}");
    assert!(said.contains("2: queued again"), "{said}");
    wait_for("login's trigger", Duration::from_secs(10), || pages.lock().unwrap().len() == 4);
    let actions: Vec<(String, String)> = bodies(&pages)
        .iter()
        .map(|body| (body["event_action"].as_str().unwrap().to_owned(), body["dedup_key"].as_str().unwrap().to_owned()))
        .collect();
    let checkout_triggers =
        actions.iter().filter(|(action, key)| action == "trigger" && key.contains("checkout")).count();
    assert_eq!(checkout_triggers, 1, "the passed test's incident was not opened again: {actions:?}");
    assert_eq!(actions[3].0, "trigger");
    assert!(actions[3].1.contains("login"));
    let none_left = cli(&["dead-letters", "retry", config.to_str().unwrap(), "7"]);
    assert_eq!(none_left.status.code(), Some(1), "a letter that stays is an error");
}

#[test]
fn a_body_of_more_events_than_allowed_is_refused_whole() {
    let (chat, posts) = stand_in(|_, _| (204, vec![]));
    let dir = Dir::new("too-many");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "max_events_per_body": 10,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    let jobs = |count: usize| -> Vec<u8> {
        let jobs: Vec<Value> = (0..count)
            .map(|n| serde_json::from_slice(&job(&format!("j-{count}-{n}"), &format!("t{n}"), "FAILED")).unwrap())
            .collect();
        serde_json::to_vec(&jobs).unwrap()
    };
    // Before: one signed body of 13,943 failing jobs queued 27,886 messages.
    assert_eq!(relay.post(&jobs(11)).0, 413);
    assert_eq!(relay.post(&jobs(10)).0, 204);
    wait_for("the ten", Duration::from_secs(10), || posts.lock().unwrap().len() == 10);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(posts.lock().unwrap().len(), 10, "nothing of the refused body");
}
