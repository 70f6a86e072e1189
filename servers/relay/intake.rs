//! Taking a Sauce Labs webhook in: verify, parse, route, ask each subscription's ledger or
//! connector what to send, and put it in the outbox, all in one database transaction, before
//! answering. A crash before the commit loses nothing: Sauce Labs got no 2xx and sends again.

use http::HeaderMap;
use sauce_webhooks::Router;
use sauce_webhooks::delivery::{Message, Outbox};
use sauce_webhooks::pagerduty::Decision;
use sauce_webhooks::signature::{SignatureError, Verifier};
use sauce_webhooks::time::OffsetDateTime;
use serde_json::json;

use super::config::Action;
use super::db::Sqlite;
use super::log::log;

/// What intake needs: the verifier, the subscriptions, and the outbox over the intake
/// thread's own connection.
pub struct Intake {
    pub verifier: Verifier,
    pub router: Router<usize>,
    pub subscriptions: Vec<(String, Action)>,
    pub outbox: Outbox<Sqlite>,
    pub db: Sqlite,
}

/// Why a body could not be taken in.
#[derive(Debug)]
enum Failure {
    Database(rusqlite::Error),
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Database(err) => write!(f, "database: {err}"),
            Self::Other(err) => f.write_str(err),
        }
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(err: rusqlite::Error) -> Self {
        Self::Database(err)
    }
}

impl Intake {
    /// Handles one request; the HTTP status to answer. `waited_for` says whether the client
    /// still waits: if it gave up (a request timeout), nothing is kept, as it will send again.
    pub fn handle(&self, headers: &HeaderMap, body: &[u8], waited_for: impl FnOnce() -> bool) -> u16 {
        let verified = match self.verifier.verify_headers(body, headers) {
            Ok(verified) => verified,
            Err(err) => {
                let status = if matches!(err, SignatureError::TooLarge { .. }) { 413 } else { 401 };
                log("warn", "refused", json!({"status": status, "reason": err.to_string()}));
                return status;
            }
        };
        let now = OffsetDateTime::now_utc();
        let mut refused = 0;
        let taken = self.db.transaction(
            || {
                let mut queued = 0;
                for event in verified.events() {
                    match event {
                        Ok(event) => queued += self.take(&event, now)?,
                        Err(err) => {
                            log("warn", "malformed event", json!({"error": err.to_string()}));
                            refused += 1;
                            if refused == 10 {
                                break; // a signed body of 700,000 bad elements is not read to its end
                            }
                        }
                    }
                }
                Ok::<_, Failure>(queued)
            },
            waited_for,
        );
        match taken {
            Ok(None) => {
                log("warn", "abandoned by the client, nothing kept", json!({}));
                503
            }
            Ok(Some(queued)) => {
                log("info", "taken in", json!({"queued": queued, "refused": refused}));
                if refused == 0 { 204 } else { 400 }
            }
            Err(err) => {
                // Nothing was kept: Sauce Labs retries on a 5xx.
                log("error", "not taken in", json!({"error": err.to_string()}));
                503
            }
        }
    }

    /// Queues what each subscription that gets `event` asks to send; how many messages.
    fn take(&self, event: &sauce_webhooks::Event, now: OffsetDateTime) -> Result<usize, Failure> {
        let mut queued = 0;
        for &index in self.router.route(event) {
            let (id, action) = &self.subscriptions[index];
            let message = match action {
                Action::Page(ledger) => match ledger.apply(event, now).map_err(|e| Failure::Other(e.to_string()))? {
                    Decision::Send(alert) => Message::pagerduty(&alert).map_err(|e| Failure::Other(e.to_string()))?,
                    Decision::Skip(reason) => {
                        log("info", "nothing to page", json!({"subscription": id, "reason": format!("{reason:?}")}));
                        continue;
                    }
                    _ => continue,
                },
                Action::Send(connector) => match connector.request(event).map_err(|e| Failure::Other(e.to_string()))? {
                    Some(request) => Message::webhook(request),
                    None => continue,
                },
            };
            let message_id = self.outbox.enqueue(message, now).map_err(|e| Failure::Other(e.to_string()))?;
            log("info", "queued", json!({"subscription": id, "message": message_id.as_str()}));
            queued += 1;
        }
        Ok(queued)
    }
}
