//! Scaling out: webhooks taken in and delivered per second by one relay on SQLite, and by one
//! and three relays over one PostgreSQL, all on this machine, with a client per relay posting
//! as fast as it is answered and a stand-in webhook endpoint on loopback. Every webhook is a
//! test of its own, so that delivery runs in parallel.
//!
//! Run: `tools/with-postgres cargo bench -p sauce-relay --bench replicas` (without a
//! PostgreSQL, only the SQLite row).

// Figures for people to read: counts far below 2^52, fractions of them.
#![allow(clippy::cast_precision_loss)]

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
/// Webhooks each run posts.
const WEBHOOKS: usize = 3_000;

fn main() {
    println!(
        "\nScaling out: {WEBHOOKS} webhooks, a test each, to one webhook endpoint on loopback (this machine's cores shared by all):"
    );
    let dir = std::env::temp_dir().join(format!("relay-replicas-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    run("SQLite, 1 relay", &[dir.join("relay.db").display().to_string()]);
    match std::env::var("SAUCE_TEST_POSTGRES") {
        Ok(server) => {
            for replicas in [1, 3] {
                let url = fresh(&server, &format!("bench_{replicas}"));
                run(
                    &format!("PostgreSQL, {replicas} relay{}", if replicas == 1 { "" } else { "s" }),
                    &vec![url; replicas],
                );
            }
        }
        Err(_) => println!("  PostgreSQL: not measured (run under tools/with-postgres)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A new, empty database on the PostgreSQL at `server`.
fn fresh(server: &str, name: &str) -> String {
    let mut admin = postgres::Client::connect(server, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    format!("{}/{name}", server.rsplit_once('/').unwrap().0)
}

/// Starts a relay per database in `databases` (the same one, for replicas), posts the webhooks
/// through all of them at once, and reports.
fn run(label: &str, databases: &[String]) {
    sauce_relay::log::write_from("warn");
    let (endpoint, received) = stand_in::stand_in(|_, _| (204, vec![]));
    let mut stops = Vec::new();
    let mut addresses = Vec::new();
    for (n, database) in databases.iter().enumerate() {
        let listen = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
        let mut config = json!({
            "listen": listen,
            "database": database,
            "allow_private_targets": true,
            "max_attempts_per_endpoint": 8,
            "subscriptions": [{"id": "chat", "filter": {"scope": {"organization": ORG}, "topics": [{"virtual_device_jobs": "all"}]},
                "target": {"webhook": {"url": format!("{endpoint}/in"), "on_success": true, "template": "{\"run\": \"{{job.id}}\"}"}}}]
        });
        if database.starts_with("postgres") {
            // A replica's name; a SQLite relay is refused one (it is the only process on its file).
            config["instance"] = json!(format!("r{n}"));
        }
        let config: sauce_relay::config::Config = serde_json::from_value(config).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let relay = std::thread::spawn(move || {
            let env = |var: &str| (var == "SAUCE_WEBHOOK_SECRET").then(|| SECRET.to_owned());
            let shutdown = async move {
                let _ = stopped.await;
            };
            sauce_relay::run::run(&config, &env, shutdown).unwrap();
        });
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        while agent.get(&format!("http://{listen}/health")).call().is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        stops.push((stop, relay));
        addresses.push(listen);
    }
    let start = Instant::now();
    let share = WEBHOOKS / addresses.len();
    std::thread::scope(|scope| {
        for (client, listen) in addresses.iter().enumerate() {
            scope.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                let url = format!("http://{listen}/webhooks/sauce");
                for n in client * share..(client + 1) * share {
                    let mut job = Job::new(format!("run-{n}"), JobStatus::Failed, OffsetDateTime::now_utc());
                    (job.name, job.org_id) = (Some(format!("test {n}").into()), Some(ORG.into()));
                    let body = serde_json::to_vec(&Event::Job(job)).unwrap();
                    let signature = sign(&Secret::new(SECRET).unwrap(), &body).to_string();
                    let answer = agent.post(&url).header(SIGNATURE_HEADER, &signature).send(&body[..]).unwrap();
                    assert_eq!(answer.status().as_u16(), 204);
                }
            });
        }
    });
    let taken = start.elapsed();
    while received.lock().unwrap().len() < share * addresses.len() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let delivered = start.elapsed();
    let count = (share * addresses.len()) as f64;
    println!(
        "  {label:<24} taken in at {:>6.0}/s, delivered at {:>6.0}/s end to end",
        count / taken.as_secs_f64(),
        count / delivered.as_secs_f64()
    );
    for (stop, relay) in stops {
        let _ = stop.send(());
        relay.join().unwrap();
    }
}
