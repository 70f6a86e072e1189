//! One part of the relay cannot stall another: a hung webhook endpoint holds up no page and at
//! most two workers; a closed log reader stops nothing; a second relay cannot reach the
//! database through another path to it.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::relay::{Dir, Relay, cli, job, pagerduty, wait_for, webhook};
use common::stand_in::stand_in;
use serde_json::json;

#[test]
fn a_hung_webhook_endpoint_holds_up_no_page_and_at_most_two_workers() {
    let (in_flight, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (chat, _) = stand_in({
        let (in_flight, most) = (Arc::clone(&in_flight), Arc::clone(&most));
        move |_, _| {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(8));
            in_flight.fetch_sub(1, Ordering::SeqCst);
            (204, vec![])
        }
    });
    let (pagerduty_url, pages) = stand_in(|_, _| (202, vec![]));
    let dir = Dir::new("hung");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "pagerduty_events_url": format!("{pagerduty_url}/v2/enqueue"),
        "lease_seconds": 20,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#), pagerduty("oncall")]
    }));
    let relay = Relay::start(&config, &address);
    // Twelve tests fail: twelve messages to the hung chat, each a test of its own.
    for n in 0..12 {
        assert_eq!(relay.post(&job(&format!("c-{n}"), &format!("test {n}"), "FAILED")).0, 204);
    }
    wait_for("the chat's attempts under way", Duration::from_secs(10), || in_flight.load(Ordering::SeqCst) >= 1);
    // Before: the critical page waited a minute behind the chat's timeouts.
    let pages_before = pages.lock().unwrap().len();
    let posted = Instant::now();
    assert_eq!(relay.post(&job("p-1", "CRITICAL prod check", "FAILED")).0, 204);
    wait_for("the critical page", Duration::from_secs(5), || {
        pages.lock().unwrap().iter().any(|page| String::from_utf8_lossy(&page.body).contains("CRITICAL prod check"))
    });
    let paged_after = posted.elapsed();
    assert!(pages_before <= 12);
    assert!(most.load(Ordering::SeqCst) <= 2, "{} attempts at once to one endpoint", most.load(Ordering::SeqCst));
    println!("hung endpoint: the critical page went {:.0} ms after its webhook", paged_after.as_secs_f64() * 1e3);
}

#[test]
fn a_closed_log_reader_stops_nothing() {
    let (chat, posts) = stand_in(|_, _| (204, vec![]));
    let dir = Dir::new("closed-log");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#)]
    }));
    // Its standard output read by nobody: the pipe is closed at once.
    let mut child = common::relay::environment(&mut Command::new(env!("CARGO_BIN_EXE_sauce-relay")))
        .arg("run")
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let relay = common::relay::Relay { child, address: address.clone(), log: dir.0.join("none.log") };
    wait_for("the relay", Duration::from_secs(20), || {
        common::relay::agent().get(&format!("{address}/health")).call().is_ok()
    });
    // Before: the first line written panicked the intake thread, and every webhook got 503.
    for n in 0..20 {
        assert_eq!(relay.post(&job(&format!("j-{n}"), &format!("t{n}"), "FAILED")).0, 204);
    }
    wait_for("every delivery", Duration::from_secs(10), || posts.lock().unwrap().len() == 20);
    assert_eq!(relay.get("/ready").0, 200, "every thread alive");
}

#[test]
fn a_second_relay_cannot_reach_the_database_through_another_path() {
    let dir = Dir::new("lock-link");
    let (config, address) = dir.config(json!({"subscriptions": []}));
    let _relay = Relay::start(&config, &address);
    // Readable by its owner only: queued messages hold routing keys.
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(dir.0.join("relay.db")).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let link = dir.0.join("link.db");
    std::os::unix::fs::symlink(dir.0.join("relay.db"), &link).unwrap();
    let (second, _) = dir.config(json!({"subscriptions": [], "database": link}));
    let ran = cli(&["run", second.to_str().unwrap()]);
    assert_eq!(ran.status.code(), Some(1));
    assert!(String::from_utf8(ran.stdout).unwrap().contains("another sauce-relay runs on this database"));
}
