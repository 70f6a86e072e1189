//! The relay end to end on loopback: signed Sauce Labs webhooks posted to it, taken in (one
//! SQLite transaction each), and delivered by its workers to a stand-in webhook endpoint.
//! Reports webhooks taken in per second, messages per second end to end, and how long a
//! message takes from its webhook's answer to its delivery as the backlog grows; for one test
//! (one ordering key: one request at a time) and for many tests (the workers in parallel).
//! Run: `cargo bench -p sauce-relay --bench relay`.

// Figures for people to read: counts far below 2^52, fractions of them.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

#[allow(dead_code)] // the bench uses a part of it
#[path = "../tests/common/stand_in.rs"]
mod stand_in;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use sauce_webhooks::signature::{SIGNATURE_HEADER, Secret, sign};
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::{Event, Job, JobStatus};
use serde_json::json;

const SECRET: &str = "sauce-webhook-token";
const ORG: &str = "7fb25570b4064716b9b6daae1a846790";

fn main() {
    println!("\nThe relay end to end on loopback (SQLite, 4 delivery workers, one webhook endpoint):");
    scenario("one test (one ordering key)", |_| "checkout".to_owned());
    scenario("a test per webhook (the workers in parallel)", |n| format!("test {n}"));
}

/// Posts backlogs of webhooks whose jobs are named by `test_of`, and reports.
fn scenario(label: &str, test_of: fn(usize) -> String) {
    let (endpoint, received) = stand_in::stand_in(|_, _| (204, vec![]));
    let dir = std::env::temp_dir().join(format!("relay-bench-{}-{}", std::process::id(), test_of(1).len()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let listen = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let config: sauce_relay::config::Config = serde_json::from_value(json!({
        "listen": listen,
        "database": dir.join("relay.db"),
        "delivery_workers": 4,
        "allow_private_targets": true,
        "subscriptions": [{"id": "chat", "filter": {"scope": {"organization": ORG}, "topics": [{"virtual_device_jobs": "all"}]},
            "target": {"webhook": {"url": format!("{endpoint}/in"), "on_success": true,
                "template": "{\"run\": \"{{job.id}}\"}"}}}]
    }))
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = std::thread::spawn(move || {
        let env = |var: &str| (var == "SAUCE_WEBHOOK_SECRET").then(|| SECRET.to_owned());
        let shutdown = async move {
            let _ = stopped.await;
        };
        sauce_relay::run::run(&config, &env, shutdown).unwrap();
    });
    let url = format!("http://{listen}/webhooks/sauce");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    while agent.get(&format!("http://{listen}/health")).call().is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    println!("  {label}:");
    let mut sent = 0;
    for backlog in [100, 1_000, 4_000] {
        // Posted as fast as the relay takes them in; each message's clock starts at its 204.
        let start = Instant::now();
        let mut answered = Vec::with_capacity(backlog);
        for n in 0..backlog {
            let mut job = Job::new(format!("run-{}", sent + n), JobStatus::Failed, OffsetDateTime::now_utc());
            (job.name, job.org_id) = (Some(test_of(sent + n).into()), Some(ORG.into()));
            let body = serde_json::to_vec(&Event::Job(job)).unwrap();
            let signature = sign(&Secret::new(SECRET).unwrap(), &body).to_string();
            let response = agent.post(&url).header(SIGNATURE_HEADER, &signature).send(&body[..]).unwrap();
            assert_eq!(response.status().as_u16(), 204);
            answered.push(Instant::now());
        }
        let posted = start.elapsed();
        sent += backlog;
        while received.lock().unwrap().len() < sent {
            std::thread::sleep(Duration::from_millis(5));
        }
        let all = start.elapsed();
        let received = received.lock().unwrap();
        let mut latencies: Vec<Duration> = received[sent - backlog..]
            .iter()
            .map(|request| {
                let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
                let n: usize = body["run"].as_str().unwrap()["run-".len()..].parse().unwrap();
                request.at - answered[n - (sent - backlog)]
            })
            .collect();
        latencies.sort_unstable();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        println!(
            "    {backlog:>5} webhooks: taken in at {:>6.0}/s, delivered at {:>6.0}/s end to end; webhook answered to delivered: p50 {:>8.1} ms, p99 {:>8.1} ms, max {:>8.1} ms",
            backlog as f64 / posted.as_secs_f64(),
            backlog as f64 / all.as_secs_f64(),
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
    let _ = stop.send(());
    relay.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
