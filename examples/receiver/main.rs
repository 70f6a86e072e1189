//! A real HTTP receiver: `cargo run --example receiver --features http`.
//!
//! Listens on `LISTEN_ADDR` (default `127.0.0.1:3000`). `POST /webhooks/sauce` is verified
//! with `SAUCE_WEBHOOK_SECRET`, `POST /webhooks/pagerduty` with `PAGERDUTY_WEBHOOK_SECRET`.
//! Answers 204 for an accepted event, 401 for a missing or wrong signature, 400 for a
//! malformed body, 413 for one over 2 MiB; logs one line per event.

mod app;

use sauce_webhooks::signature::{PagerDutyV3, Secret, Verifier};

/// The secret in `var`, or a development one with a warning.
fn secret(var: &str) -> Result<Secret, Box<dyn std::error::Error>> {
    let token = std::env::var(var).unwrap_or_else(|_| {
        eprintln!("warning: {var} is not set; using the development secret \"dev-secret\"");
        "dev-secret".to_owned()
    });
    Ok(Secret::new(token)?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let receiver = app::Receiver {
        sauce: Verifier::new(secret("SAUCE_WEBHOOK_SECRET")?),
        pagerduty: Verifier::new(secret("PAGERDUTY_WEBHOOK_SECRET")?).with_scheme(PagerDutyV3),
    };
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app::router(receiver)).await?;
    Ok(())
}
