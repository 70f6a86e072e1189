//! The `sauce-relay` binary, run for real: a configuration written to a folder of its own, the
//! process started with the secrets in its environment, its log kept beside, and killed when
//! dropped so that a failing test leaves nothing running.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sauce_webhooks::signature::{SIGNATURE_HEADER, Secret, sign};
use serde_json::{Value, json};

pub const SAUCE_SECRET: &str = "sauce-webhook-token";
pub const ROUTING_KEY: &str = "R0UT1NGKEY0123456789ABCDEFGHIJKL";
pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const ORG: &str = "7fb25570b4064716b9b6daae1a846790";

/// A folder for one test's configuration, database and log, removed when dropped (unless the
/// test failed, so that its log can be read).
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("sauce-relay-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// Writes `config` (with `listen` and `database` filled in when absent) as `relay.json`;
    /// its path and the relay's address.
    pub fn config(&self, config: Value) -> (PathBuf, String) {
        write_config(&self.0, config)
    }
}

/// Writes `config` in `folder` (with `listen` and `database` filled in when absent) as
/// `relay.json`; its path and the relay's address.
pub fn write_config(folder: &Path, mut config: Value) -> (PathBuf, String) {
    if config.get("listen").is_none() {
        let listen = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
        config["listen"] = json!(listen);
    }
    if config.get("database").is_none() {
        config["database"] = json!(folder.join("relay.db"));
    }
    let path = folder.join("relay.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    (path, format!("http://{}", config["listen"].as_str().unwrap()))
}

impl Drop for Dir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A webhook subscription of the whole organization to every job, posting `template` to `url`.
pub fn webhook(id: &str, url: &str, template: &str) -> Value {
    json!({"id": id, "filter": {"scope": {"organization": ORG}, "topics": [{"virtual_device_jobs": "all"}]},
           "target": {"webhook": {"url": url, "on_success": true, "template": template}}})
}

/// A PagerDuty subscription of the whole organization to every job.
pub fn pagerduty(id: &str) -> Value {
    json!({"id": id, "filter": {"scope": {"organization": ORG}, "topics": [{"virtual_device_jobs": "all"}]},
           "target": {"pagerduty": {"routing_key_env": "PAGERDUTY_ROUTING_KEY"}}})
}

/// The environment the relay runs with: every secret the tests' configurations name.
pub fn environment(command: &mut Command) -> &mut Command {
    command
        .env("SAUCE_WEBHOOK_SECRET", SAUCE_SECRET)
        .env("PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
        .env("CHAT_WEBHOOK_SECRET", WEBHOOK_SECRET)
}

/// `sauce-relay` with `args`, run to its end.
pub fn cli(args: &[&str]) -> Output {
    environment(&mut Command::new(env!("CARGO_BIN_EXE_sauce-relay"))).args(args).output().unwrap()
}

/// A running `sauce-relay run`.
pub struct Relay {
    pub child: Child,
    pub address: String,
    pub log: PathBuf,
}

impl Relay {
    /// Starts `sauce-relay run config` and waits until it answers `/health`.
    pub fn start(config: &Path, address: &str) -> Self {
        let log = config.with_file_name("relay.log");
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
        let child = environment(&mut Command::new(env!("CARGO_BIN_EXE_sauce-relay")))
            .arg("run")
            .arg(config)
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let relay = Self { child, address: address.to_owned(), log };
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent().get(&format!("{address}/health")).call().is_err() {
            assert!(Instant::now() < deadline, "the relay did not start:\n{}", relay.log_text());
            std::thread::sleep(Duration::from_millis(25));
        }
        relay
    }

    /// Posts `body` signed with the Sauce Labs secret: the status and `Retry-After`, if any.
    pub fn post(&self, body: &[u8]) -> (u16, Option<String>) {
        self.post_waiting(body, Duration::from_secs(10))
    }

    /// As [`post`](Self::post), waiting up to `within` for the answer.
    pub fn post_waiting(&self, body: &[u8], within: Duration) -> (u16, Option<String>) {
        let signature = sign(&Secret::new(SAUCE_SECRET).unwrap(), body).to_string();
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(within)).build().into();
        let response = agent
            .post(&format!("{}/webhooks/sauce", self.address))
            .header(SIGNATURE_HEADER, &signature)
            .send(body)
            .unwrap();
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        (response.status().as_u16(), retry_after)
    }

    /// `GET path`: the status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut response = agent().get(&format!("{}{path}", self.address)).call().unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap())
    }

    /// The count of the metric lines that start with `name` (labels included), 0 if absent.
    pub fn metric(&self, name: &str) -> u64 {
        let (_, text) = self.get("/metrics");
        text.lines()
            .filter(|line| line.starts_with(name))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log's lines whose `msg` is `msg`.
    pub fn logged(&self, msg: &str) -> Vec<Value> {
        self.log_text()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| line["msg"] == msg)
            .collect()
    }

    /// SIGKILL, as a crash would.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, as an orchestrator stops it; waits for it to exit, for at most `within`.
    pub fn terminate(mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the relay did not stop in time:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A line of `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`).
    pub fn memory_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|line| line.starts_with(field)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("the relay's log:\n{}", self.log_text());
        }
    }
}

/// An HTTP client that reports every status and gives up after 10 s.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Waits until `done`, for at most `within`.
pub fn wait_for(what: &str, within: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The body of one job of the organization, a second later than the one made before it (the
/// ledger orders results by their own times).
pub fn job(id: &str, name: &str, status: &str) -> Vec<u8> {
    static SECONDS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let second = SECONDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let at = sauce_webhooks::time::OffsetDateTime::now_utc().unix_timestamp() - 3600 + second;
    serde_json::to_vec(&json!({"id": id, "data_type": "vdc", "status": status, "name": name, "org_id": ORG,
        "creation_time": at, "modification_time": at, "browser_name": "chrome"}))
    .unwrap()
}
