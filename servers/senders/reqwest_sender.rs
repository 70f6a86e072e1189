//! Sending an outbox's attempt with `reqwest`'s blocking client, its answer or error as the
//! retry policy's input.

use std::time::Duration;

use sauce_webhooks::delivery::{Attempt, Outcome};
use sauce_webhooks::time::OffsetDateTime;

/// A client for the outbox: no redirect followed (a 3xx is an answer, and retried), no request
/// longer than `timeout`.
pub fn client(timeout: Duration) -> reqwest::Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(timeout).build()
}

/// Sends `attempt`'s request; how it ended.
pub fn send(client: &reqwest::blocking::Client, attempt: &Attempt) -> Outcome {
    let request = attempt.request();
    let mut call = client.post(request.url.as_str()).body(request.body.clone());
    for (name, value) in &request.headers {
        call = call.header(name, value);
    }
    match call.send() {
        Ok(answer) => {
            let retry_after = answer.headers().get("retry-after").and_then(|value| value.to_str().ok());
            Outcome::status_with_retry_after(answer.status().as_u16(), retry_after, OffsetDateTime::now_utc())
        }
        Err(err) if err.is_timeout() => Outcome::Timeout,
        Err(err) if err.is_connect() && resolving_failed(&err) => Outcome::DnsFailed,
        Err(_) => Outcome::ConnectionFailed,
    }
}

/// Whether a connection error came from resolving the name: reqwest says so only in the text
/// of its sources.
fn resolving_failed(err: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return true;
        }
        source = cause.source();
    }
    false
}
