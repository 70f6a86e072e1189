//! A real HTTP receiver: `cargo run -p sauce-webhooks-servers --example receiver`.
//!
//! Listens on `LISTEN_ADDR` (default `127.0.0.1:3000`). `POST /webhooks/sauce` is verified
//! with `SAUCE_WEBHOOK_SECRET`, `POST /webhooks/pagerduty` with `PAGERDUTY_WEBHOOK_SECRET`;
//! `GET /health` answers `ok`. Answers 204 for an accepted event, 401 for a missing or wrong
//! signature, 400 for a malformed body, 413 for one over 2 MiB, 415 for one that is not
//! JSON; logs every request, with a summary of its events, at info and up. It refuses to
//! start without both secrets, unless `RECEIVER_DEV_SECRETS=1` says this is a development
//! machine, and on SIGTERM or Ctrl-C finishes the requests under way before it exits.

mod app;

use std::sync::Arc;

use sauce_webhooks::signature::{PagerDutyV3, Verifier};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Colours only for a terminal: a log file or collector gets plain text.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt().with_target(false).with_ansi(terminal).init();
    let address = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let env = |var: &str| std::env::var(var).ok();
    let receiver = app::Receiver {
        sauce: Arc::new(Verifier::new(app::secret("SAUCE_WEBHOOK_SECRET", env)?)),
        pagerduty: Arc::new(Verifier::new(app::secret("PAGERDUTY_WEBHOOK_SECRET", env)?).with_scheme(PagerDutyV3)),
    };
    let limits = app::Limits::default();
    let listener = tokio::net::TcpListener::bind(&address).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    app::serve(listener, app::router(receiver, &limits), limits, app::shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
