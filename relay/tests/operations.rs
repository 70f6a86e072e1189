//! Running the relay: `check` on what an operator gets wrong, `/health`, `/ready` and
//! `/metrics`, a SIGTERM that drains, and where the database goes when none is named.

mod common;

use std::time::{Duration, Instant};

use common::relay::{Dir, Relay, cli, job, pagerduty, wait_for, webhook};
use common::stand_in::stand_in;
use serde_json::json;

/// `check`'s exit code and what it printed (standard output, then standard error).
fn check(config: &std::path::Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sauce-relay"));
    common::relay::environment(&mut command);
    for (var, value) in env {
        command.env(var, value);
    }
    let output = command.arg("check").arg(config).output().unwrap();
    let said = [String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap()].concat();
    (output.status.code(), said)
}

#[test]
fn check_names_every_problem_and_what_to_write() {
    let dir = Dir::new("check");
    let mut bad_url = webhook("chat", "ftp://chat.example.com/hooks", "{}");
    bad_url["target"]["webhook"]["standard_webhooks_secret_env"] = json!("NO_SUCH_SECRET");
    let mut no_key = pagerduty("oncall");
    no_key["target"]["pagerduty"]["routing_key_env"] = json!("NO_SUCH_KEY");
    let (config, _) = dir.config(json!({
        "sauce_secret_env": "NO_SAUCE_SECRET",
        "pagerduty_events_url": "http://events.example.com/v2/enqueue",
        "subscriptions": [bad_url, no_key, webhook("chat", "https://chat.example.com/hooks", "{}"),
                          webhook("bad\nid", "https://chat.example.com/hooks", "{}")]
    }));
    let (code, said) = check(&config, &[]);
    assert_eq!(code, Some(1), "{said}");
    for expected in [
        "sauce_secret_env: the environment variable NO_SAUCE_SECRET is not set",
        "subscription \"chat\": url:",
        "subscription \"oncall\": routing_key_env: the environment variable NO_SUCH_KEY is not set",
        "subscription \"chat\": the id is used twice",
        "subscription \"bad\\nid\": an id is 1 to 128 bytes without control characters",
    ] {
        assert!(said.contains(expected), "{expected:?} in:\n{said}");
    }

    let (config, _) = dir.config(json!({
        "pagerduty_events_url": "http://events.example.com/v2/enqueue",
        "subscriptions": [pagerduty("oncall")]
    }));
    let (code, said) = check(&config, &[]);
    assert_eq!(code, Some(1));
    assert!(said.contains("pagerduty_events_url: refused events URL: http only to a loopback address"), "{said}");

    // What the library takes but cannot work: an events URL without PagerDuty's path, or at a
    // private address the relay will not connect to; no worker; a database nobody can create.
    let (config, _) = dir.config(json!({
        "pagerduty_events_url": "https://events.eu.pagerduty.com",
        "delivery_workers": 0,
        "database": "/etc/passwd/relay.db",
        "subscriptions": [pagerduty("oncall")]
    }));
    let (code, said) = check(&config, &[("SAUCE_WEBHOOK_SECRET", "")]);
    assert_eq!(code, Some(1));
    for expected in [
        "has no path: PagerDuty's is /v2/enqueue",
        "delivery_workers: 0 workers; write 1 to 64",
        "database /etc/passwd/relay.db: /etc/passwd is not a folder",
        "sauce_secret_env: the environment variable SAUCE_WEBHOOK_SECRET is empty",
        "4 problems in",
    ] {
        assert!(said.contains(expected), "{expected:?} in:\n{said}");
    }
    let (config, _) = dir.config(json!({
        "pagerduty_events_url": "http://127.0.0.1:9/v2/enqueue",
        "subscriptions": [pagerduty("oncall")]
    }));
    let (_, said) = check(&config, &[]);
    assert!(said.contains("a private address, which the relay does not connect to"), "{said}");

    std::fs::write(&config, r#"{"subscriptions": [], "listen": "127.0.0.1:3000", "delivery_worker": 2}"#).unwrap();
    let (code, said) = check(&config, &[]);
    assert_eq!(code, Some(1));
    assert!(said.contains("unknown field `delivery_worker`"), "{said}");

    let (config, _) = dir.config(json!({"subscriptions": [pagerduty("oncall")]}));
    let (code, said) = check(&config, &[]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("1 subscriptions (1 to PagerDuty, 0 to webhooks)"), "{said}");
    assert!(said.contains("created on the first run"), "{said}");
}

#[test]
fn without_a_database_path_it_is_kept_under_the_state_folder_not_the_source_tree() {
    let dir = Dir::new("default-database");
    let config = dir.0.join("relay.json");
    std::fs::write(&config, serde_json::to_vec(&json!({"subscriptions": [pagerduty("oncall")]})).unwrap()).unwrap();
    let home = dir.0.join("home");
    let home = home.to_str().unwrap();
    let (code, said) = check(&config, &[("HOME", home), ("XDG_STATE_HOME", "")]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains(&format!("database {home}/.local/state/sauce-relay/relay.db")), "{said}");
    let state = dir.0.join("state");
    let (_, said) = check(&config, &[("XDG_STATE_HOME", state.to_str().unwrap())]);
    assert!(said.contains(&format!("database {}/sauce-relay/relay.db", state.display())), "{said}");
}

#[test]
fn health_ready_and_metrics_answer() {
    let (chat, _) = stand_in(|_, _| (204, vec![]));
    let dir = Dir::new("metrics");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    assert_eq!(relay.get("/health"), (200, "ok".to_owned()));
    assert_eq!(relay.get("/ready").0, 200);
    assert_eq!(relay.post(&job("j-1", "checkout", "FAILED")).0, 204);
    assert_eq!(relay.post(b"{}").0, 204);
    assert_eq!(common::relay::agent().post(&format!("{address}/webhooks/sauce")).send("{}").unwrap().status(), 401);
    wait_for("the delivery counted", Duration::from_secs(10), || {
        relay.metric("sauce_relay_deliveries_total{subscription=\"chat\",outcome=\"delivered\"}") == 1
    });
    let (status, text) = relay.get("/metrics");
    assert_eq!(status, 200);
    for family in [
        "sauce_relay_intake_requests_total{status=\"204\"} 2",
        "sauce_relay_intake_requests_total{status=\"401\"} 1",
        "sauce_relay_delivery_latency_seconds_count{target=\"webhook\"} 1",
        "# TYPE sauce_relay_queue_depth gauge",
        "sauce_relay_dead_letters 0",
        "sauce_relay_disabled_endpoints 0",
        "sauce_relay_open_incidents 0",
        "# EOF",
    ] {
        assert!(text.contains(family), "{family:?} in:\n{text}");
    }
}

#[test]
fn sigterm_stops_intake_and_finishes_the_attempt_under_way() {
    // The endpoint takes two seconds to answer: the relay is told to stop meanwhile.
    let (chat, posts) = stand_in(|_, _| {
        std::thread::sleep(Duration::from_secs(2));
        (204, vec![])
    });
    let dir = Dir::new("drain");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "drain_seconds": 10,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    assert_eq!(relay.post(&job("j-1", "checkout", "FAILED")).0, 204);
    wait_for("the attempt under way", Duration::from_secs(10), || !posts.lock().unwrap().is_empty());
    let log = relay.log.clone();
    let stopping = Instant::now();
    let status = relay.terminate(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
    assert!(stopping.elapsed() >= Duration::from_millis(1500), "it waited for the answer");
    let log = std::fs::read_to_string(log).unwrap();
    assert!(log.contains("\"msg\":\"delivered\""), "the attempt's outcome was recorded:\n{log}");
    assert!(log.contains("\"attempts_left_under_way\":0"), "{log}");
    let (_, said) = check(&config, &[]);
    assert!(said.contains("0 messages waiting"), "nothing left to send again: {said}");
    assert_eq!(posts.lock().unwrap().len(), 1);
}

#[test]
fn a_second_relay_on_the_same_database_refuses_to_start() {
    let dir = Dir::new("lock");
    let (config, address) = dir.config(json!({"subscriptions": []}));
    let _relay = Relay::start(&config, &address);
    let (second, _) = dir.config(json!({"subscriptions": [], "database": dir.0.join("relay.db")}));
    let ran = cli(&["run", second.to_str().unwrap()]);
    assert_eq!(ran.status.code(), Some(1));
    assert!(String::from_utf8(ran.stdout).unwrap().contains("another sauce-relay runs on this database"));
}

#[test]
fn the_first_relays_configuration_file_still_runs() {
    // Its keys, as the example relay shipped them: `database` relative to the working folder.
    let dir = Dir::new("first-config");
    let config = dir.0.join("relay.json");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/first-relay.json"), &config).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sauce-relay"))
        .current_dir(&dir.0)
        .env("SAUCE_WEBHOOK_SECRET", "token")
        .env("PAGERDUTY_ROUTING_KEY", common::relay::ROUTING_KEY)
        .env("QA_CHAT_WEBHOOK_SECRET", common::relay::WEBHOOK_SECRET)
        .args(["check", "relay.json"])
        .output()
        .unwrap();
    let said = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{said}{}", String::from_utf8_lossy(&output.stderr));
    assert!(said.contains("database relay.db: created on the first run"), "{said}");
}

#[test]
fn check_and_the_command_line_work_on_postgres_too() {
    let (chat, _) = stand_in(|_, _| (422, vec![]));
    let dir = Dir::new("postgres-cli");
    let database = common::databases::postgres_url("cli");
    let (config, address) = dir.config(json!({
        "database": database,
        "instance": "r1",
        "allow_private_targets": true,
        "retry": {"refused_schedule_seconds": []},
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let (code, said) = check(&config, &[]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("its tables are made on the first run"), "{said}");
    let relay = Relay::start(&config, &address);
    assert_eq!(relay.post(&job("j-1", "checkout", "FAILED")).0, 204);
    wait_for("the refusal a dead letter", Duration::from_secs(10), || relay.metric("sauce_relay_dead_letters ") == 1);
    let listed = String::from_utf8(cli(&["dead-letters", "list", config.to_str().unwrap()]).stdout).unwrap();
    assert!(listed.contains("refused the request with 422"), "{listed}");
    let (_, said) = check(&config, &[]);
    assert!(said.contains("0 messages waiting, 1 dead letters"), "{said}");
    assert!(!said.contains("postgres://postgres:"), "no password shown: {said}");
}

#[test]
fn check_refuses_a_database_it_cannot_tell_and_takes_a_postgres_url_in_any_case() {
    let dir = Dir::new("database-settings");
    for (settings, expected) in [
        (json!({"database": "mysql://relay@db/relay"}), "a SQLite file's path, or a postgres:// URL"),
        (json!({"database": "host=db user=relay dbname=relay"}), "key=value settings are not read here"),
        (json!({"database": "relay.db", "instance": "r1"}), "instance: names a PostgreSQL replica's setting"),
        (json!({"database": "relay.db", "database_password_env": "PGPASSWORD"}), "database_password_env: names"),
    ] {
        let mut config = settings.clone();
        config["subscriptions"] = json!([pagerduty("oncall")]);
        let (config, _) = dir.config(config);
        let (code, said) = check(&config, &[]);
        assert_eq!(code, Some(1), "{settings}: {said}");
        assert!(said.contains(expected), "{settings}: {said}");
    }
    let url = common::databases::postgres_url("scheme");
    let shouted = url.replacen("postgres://", "POSTGRESQL://", 1);
    let (config, _) = dir.config(json!({"database": shouted, "subscriptions": [pagerduty("oncall")]}));
    let (code, said) = check(&config, &[]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("its tables are made on the first run"), "read as PostgreSQL, not a file: {said}");
}

#[test]
fn a_database_that_hangs_makes_the_relay_unready_and_answer_503_in_seconds_then_recover() {
    let (chat, posts) = stand_in(|_, _| (204, vec![]));
    let dir = Dir::new("hanging-database");
    let url = common::databases::postgres_url("hanging");
    let (config, address) = dir.config(json!({
        "database": url,
        "instance": "r1",
        "allow_private_targets": true,
        "subscriptions": [webhook("chat", &format!("{chat}/hooks"), r#"{"run": "{{job.id}}"}"#)]
    }));
    let relay = Relay::start(&config, &address);
    assert_eq!(relay.get("/ready").0, 200);
    // Another process (a replica stopped mid-transaction) holds every table the relay writes.
    let mut stalled = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut held = stalled.transaction().unwrap();
    held.batch_execute("LOCK TABLE outbox, incidents, taken, dead_letters IN ACCESS EXCLUSIVE MODE").unwrap();
    let began = Instant::now();
    let (status, _) = relay.post_waiting(&job("j-1", "checkout", "FAILED"), Duration::from_secs(40));
    assert_eq!(status, 503, "nothing kept, so Sauce Labs sends it again");
    assert!(began.elapsed() < Duration::from_secs(30), "answered in {:?}", began.elapsed());
    wait_for("/ready to say 503", Duration::from_secs(30), || relay.get("/ready").0 == 503);
    assert!(relay.log_text().contains("lock timeout"), "the log says why:\n{}", relay.log_text());
    held.rollback().unwrap();
    wait_for("/ready to say 200 again", Duration::from_secs(20), || relay.get("/ready").0 == 200);
    assert_eq!(relay.post(&job("j-1", "checkout", "FAILED")).0, 204);
    wait_for("the message delivered", Duration::from_secs(10), || posts.lock().unwrap().len() == 1);
}

#[test]
fn a_relay_of_one_organization_pages_its_projects_events_and_no_one_elses() {
    let (pagerduty_url, pages) = stand_in(|_, _| (202, vec![]));
    let dir = Dir::new("organization");
    let project = json!({"id": "api-oncall",
        "filter": {"scope": {"project": {"org": common::relay::ORG, "project": {"api_testing": "65a7c0ffb3d4f50011aa2200"}}},
                   "topics": [{"api_test_results": "all"}]},
        "target": {"pagerduty": {"routing_key_env": "PAGERDUTY_ROUTING_KEY"}}});
    let (config, address) = dir.config(json!({
        "organization": common::relay::ORG,
        "allow_private_targets": true,
        "pagerduty_events_url": format!("{pagerduty_url}/v2/enqueue"),
        "subscriptions": [project]
    }));
    let relay = Relay::start(&config, &address);
    assert_eq!(relay.post(sauce_webhooks::testing::fixtures::API_TEST_FAILED).0, 204);
    wait_for("the API test's page", Duration::from_secs(10), || pages.lock().unwrap().len() == 1);
    let page: serde_json::Value = serde_json::from_slice(&pages.lock().unwrap()[0].body).unwrap();
    assert_eq!(page["event_action"], "trigger");
    assert!(page["dedup_key"].as_str().unwrap().contains(common::relay::ORG), "{page}");
    // A job of another organization reaches no one here, whatever its body says.
    let other = br#"{"id":"j-9","status":"FAILED","creation_time":0,"name":"checkout","org_id":"0123456789abcdef0123456789abcdef"}"#;
    assert_eq!(relay.post(other).0, 204);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(pages.lock().unwrap().len(), 1);
}

/// With flakiness rules, a test's single failure pages nobody, its third in a row does, and a
/// quarantined test never pages; the metrics count what was quarantined. `check` refuses
/// `failures_to_page` beside the rules, saying what to write.
#[test]
fn a_relay_with_flakiness_rules_pages_broken_tests_only() {
    let (pagerduty_url, pages) = stand_in(|_, _| (202, vec![]));
    let dir = Dir::new("flakiness");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "pagerduty_events_url": format!("{pagerduty_url}/v2/enqueue"),
        "flakiness": {"broken_after": 3, "quarantine": ["legacy *"]},
        "subscriptions": [common::relay::pagerduty("oncall")]
    }));
    let relay = Relay::start(&config, &address);
    let mut n = 0;
    let mut post = |name: &str, status: &str| {
        n += 1;
        assert_eq!(relay.post(&common::relay::job(&format!("run-{n}"), name, status)).0, 204);
    };
    post("checkout", "PASSED");
    post("checkout", "FAILED");
    post("checkout", "PASSED");
    post("checkout", "FAILED");
    post("checkout", "FAILED");
    for _ in 0..5 {
        post("legacy login", "FAILED");
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert!(pages.lock().unwrap().is_empty(), "two failures in a row and a quarantined test page nobody");
    post("checkout", "FAILED");
    wait_for("the broken test's page", Duration::from_secs(10), || pages.lock().unwrap().len() == 1);
    let page: serde_json::Value = serde_json::from_slice(&pages.lock().unwrap()[0].body).unwrap();
    assert_eq!(page["payload"]["custom_details"]["flakiness"]["verdicts"], "PFPFFF", "{page}");
    let (_, metrics) = relay.get("/metrics");
    assert!(metrics.contains("sauce_relay_quarantined_results_total 5"), "{metrics}");
    assert!(metrics.contains("sauce_relay_quarantined_tests 1"), "{metrics}");
    drop(relay);

    let mut both: serde_json::Value = serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    both["subscriptions"][0]["target"]["pagerduty"]["failures_to_page"] = json!(2);
    std::fs::write(&config, serde_json::to_vec(&both).unwrap()).unwrap();
    let (code, out) = check(&config, &[]);
    assert_ne!(code, Some(0));
    assert!(out.contains("set flakiness.broken_after instead"), "{out}");
}

/// A relay that announces flaky tests as change events sends one, to the change endpoint
/// beside its alerts URL, and pages nobody for the flips.
#[test]
fn a_relay_announces_a_flaky_test_as_a_change_event() {
    let (pagerduty_url, received) = stand_in(|_, _| (202, vec![]));
    let dir = Dir::new("flaky-change");
    let (config, address) = dir.config(json!({
        "allow_private_targets": true,
        "pagerduty_events_url": format!("{pagerduty_url}/v2/enqueue"),
        "flakiness": {"announce_as": "change_event"},
        "subscriptions": [common::relay::pagerduty("oncall")]
    }));
    let relay = Relay::start(&config, &address);
    for n in 0..30 {
        let status = if n % 3 == 2 { "FAILED" } else { "PASSED" };
        assert_eq!(relay.post(&common::relay::job(&format!("flip-{n}"), "search", status)).0, 204);
    }
    wait_for("the change event", Duration::from_secs(10), || !received.lock().unwrap().is_empty());
    std::thread::sleep(Duration::from_secs(1));
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 1, "one announcement, no page");
    assert_eq!(received[0].path, "/v2/change/enqueue");
    let body: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(body["payload"]["custom_details"]["flakiness"]["health"], "flaky", "{body}");
}
