//! A relay a team could deploy: receives Sauce Labs webhooks, routes them to subscriptions,
//! pages PagerDuty through the incident ledger and posts to webhook endpoints, delivering
//! through an outbox kept in SQLite, so that nothing is lost on a crash or a restart.
//!
//! Run: `cargo run --example relay --features http -- examples/relay/relay.json`, with
//! `SAUCE_WEBHOOK_SECRET` and the secrets the configuration names in the environment; it
//! refuses to start without them. Logs are JSON lines on standard output.

mod app;

fn main() -> std::process::ExitCode {
    let path = std::env::args_os().nth(1).unwrap_or_else(|| "examples/relay/relay.json".into());
    let env = |var: &str| std::env::var(var).ok();
    let started = app::read_config(path.as_ref()).and_then(|config| app::Relay::new(config, &env));
    match started.and_then(|relay| relay.run(app::Limits::default())) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            app::log::log("error", "stopped", serde_json::json!({ "error": err }));
            std::process::ExitCode::FAILURE
        }
    }
}
