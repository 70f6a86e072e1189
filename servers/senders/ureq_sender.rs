//! Sending an outbox's attempt with `ureq` 3, its answer or error as the retry policy's input.

use std::time::Duration;

use sauce_webhooks::delivery::{Attempt, Outcome};
use sauce_webhooks::time::OffsetDateTime;

/// A client for the outbox: every status is an answer (not an error), no redirect is followed
/// (a 3xx is an answer, and retried), and no request takes longer than `timeout`.
pub fn agent(timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0);
    config.timeout_global(Some(timeout)).build().into()
}

/// Sends `attempt`'s request; how it ended.
pub fn send(agent: &ureq::Agent, attempt: &Attempt) -> Outcome {
    let request = attempt.request();
    let mut call = agent.post(request.url.as_str());
    for (name, value) in &request.headers {
        call = call.header(name, value);
    }
    match call.send(&request.body[..]) {
        Ok(answer) => {
            let retry_after = answer.headers().get("retry-after").and_then(|value| value.to_str().ok());
            Outcome::status_with_retry_after(answer.status().as_u16(), retry_after, OffsetDateTime::now_utc())
        }
        Err(ureq::Error::Timeout(_)) => Outcome::Timeout,
        Err(ureq::Error::HostNotFound) => Outcome::DnsFailed,
        Err(_) => Outcome::ConnectionFailed,
    }
}
