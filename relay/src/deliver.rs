//! Delivering from the outbox: take what is due, send it with a real HTTP client, report how
//! it went. Several workers run at once, each with its own connection; the outbox's leases keep
//! them from sending one key's messages out of order or twice at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as StdDuration;

use sauce_webhooks::delivery::{Attempt, Outbox, Outcome, Reported, Target};
use sauce_webhooks::endpoint::EndpointPolicy;
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::time::format_description::well_known::Rfc3339;
use serde_json::json;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::intake::subscription_of;
use crate::log::log;
use crate::metrics::{self, Metrics};
use crate::store::{DeadLetter, Failed, Kept, Store};

/// The longest a request may take: what Svix allows. A shorter lease shortens it further.
const LONGEST_REQUEST: StdDuration = StdDuration::from_secs(15);

/// How long a request may take under a lease of `lease`: at most half of it, so that an
/// attempt taken a moment ago still ends well within its lease.
pub fn request_timeout(lease: StdDuration) -> StdDuration {
    (lease / 2).min(LONGEST_REQUEST)
}

/// One delivery worker. The workers share one outbox, so that PagerDuty's rate limit and its
/// pauses after a 429 hold for all of them.
#[derive(Debug)]
pub struct Worker {
    /// The outbox, shared.
    pub outbox: Arc<Outbox<Store>>,
    /// The database, where what is given up is kept.
    pub store: Store,
    /// The HTTP client.
    pub agent: ureq::Agent,
    /// How long one request may take (see [`request_timeout`]).
    pub timeout: StdDuration,
    /// Where counts go.
    pub metrics: Arc<Metrics>,
    /// The jitter's random numbers.
    pub seed: u64,
}

/// An HTTP client that follows no redirect (a 3xx is an answer), reports every status, gives
/// up on a request after `timeout`, and connects only to addresses `policy` permits.
pub fn agent(policy: EndpointPolicy, timeout: StdDuration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        // A proxy from the environment would resolve names itself, past the address check.
        .proxy(None)
        .build();
    ureq::Agent::with_parts(
        config,
        DefaultConnector::new(),
        PermittedOnly { policy, resolver: DefaultResolver::default() },
    )
}

/// Resolves names as usual, then keeps only the addresses the endpoint policy permits: a name
/// checked when configured that resolves to a private address when sent to (DNS rebinding)
/// is refused as the address itself would have been, and the attempt fails.
#[derive(Debug)]
struct PermittedOnly {
    policy: EndpointPolicy,
    resolver: DefaultResolver,
}

impl Resolver for PermittedOnly {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.resolver.resolve(uri, config, timeout)?;
        let mut permitted = self.empty();
        for address in resolved.iter().filter(|address| self.policy.permits_ip(address.ip())) {
            permitted.push(*address);
        }
        if permitted.is_empty() {
            // The host's first label can be a token (`<token>.m.pipedream.net`): only its domain.
            let domain = crate::shown::domain(uri.host().unwrap_or_default());
            log("warn", "refused to connect", json!({"domain": domain, "reason": "not a public address"}));
            return Err(ureq::Error::HostNotFound);
        }
        Ok(permitted)
    }
}

impl Worker {
    /// Delivers until `stop` is set; an attempt under way when it is set is finished first.
    pub fn run(mut self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let now = OffsetDateTime::now_utc();
            let attempts = match self.outbox.due(now, 1) {
                Ok(attempts) => attempts,
                Err(err) => {
                    log("error", "outbox unavailable", json!({"error": err.to_string()}));
                    std::thread::sleep(StdDuration::from_secs(1));
                    continue;
                }
            };
            if attempts.is_empty() {
                std::thread::sleep(StdDuration::from_millis(50));
            }
            for attempt in attempts {
                if stop.load(Ordering::Relaxed) {
                    // Not begun: released when the relay starts again.
                    break;
                }
                self.deliver(&attempt);
            }
        }
    }

    fn deliver(&mut self, attempt: &Attempt) {
        let subscription = subscription_of(attempt.message().ordering_key());
        // Past its lease, another worker may have it, and a later message of its key may
        // follow: it is theirs to send.
        if OffsetDateTime::now_utc() + self.timeout >= attempt.lease_ends_at() {
            log("warn", "lease too short to send", json!({"message": attempt.id().as_str()}));
            return;
        }
        if attempt.number() > 1 {
            self.metrics.retries.get_or_create(&metrics::Subscription { subscription: subscription.to_owned() }).inc();
        }
        let outcome = self.send(attempt);
        self.seed = next_random(self.seed);
        let now = OffsetDateTime::now_utc();
        // The report and the dead letter it may call for, together.
        let reported = self.store.transaction(
            || {
                let reported =
                    self.outbox.report(attempt, &outcome, now, self.seed).map_err(|e| Failed(e.to_string()))?;
                if let Reported::GaveUp { reason, message } = &reported {
                    let letter = DeadLetter {
                        subscription: subscription.to_owned(),
                        reason: reason.to_string(),
                        kept: Kept::Message(message.clone()),
                    };
                    self.store.add_dead_letter(&letter, now)?;
                }
                Ok::<_, Failed>(reported)
            },
            || true,
        );
        match reported {
            Ok(Some(reported)) => self.count(attempt, subscription, &outcome, &reported, now),
            Ok(None) => {}
            Err(Failed(err)) => {
                self.metrics.delivery(subscription, "error");
                log("error", "report failed", json!({"message": attempt.id().as_str(), "error": err}));
            }
        }
    }

    fn count(
        &self,
        attempt: &Attempt,
        subscription: &str,
        outcome: &Outcome,
        reported: &Reported,
        now: OffsetDateTime,
    ) {
        let outcome = match outcome {
            Outcome::Status { code, .. } => format!("status {code}"),
            Outcome::Timeout => "timeout".to_owned(),
            Outcome::DnsFailed => "name not resolved".to_owned(),
            _ => "connection failed".to_owned(),
        };
        // Every line of an attempt has the same fields, and some more.
        let mut fields = json!({"subscription": subscription, "message": attempt.id().as_str(),
                                "attempt": attempt.number(), "outcome": outcome});
        let (level, msg, counted) = match reported {
            Reported::Delivered => {
                let waited = (now - attempt.message().enqueued_at()).as_seconds_f64().max(0.0);
                let target = match attempt.message().target() {
                    Target::PagerDuty => "pagerduty",
                    _ => "webhook",
                };
                self.metrics.latency.get_or_create(&metrics::TargetKind { target }).observe(waited);
                ("info", "delivered", "delivered")
            }
            Reported::RetryAt(at) => {
                fields["retry_at"] = json!(at.format(&Rfc3339).unwrap_or_default());
                ("warn", "will retry", "retry")
            }
            Reported::GaveUp { reason, .. } => {
                self.metrics.dead_lettered(subscription);
                fields["reason"] = json!(reason.to_string());
                ("error", "gave up: a dead letter", "gave_up")
            }
            Reported::EndpointDisabled => (
                "error",
                "endpoint disabled: its messages wait until `sauce-relay endpoints enable`",
                "endpoint_disabled",
            ),
            _ => ("warn", "lease lost", "lease_lost"),
        };
        log(level, msg, fields);
        self.metrics.delivery(subscription, counted);
    }

    fn send(&self, attempt: &Attempt) -> Outcome {
        let request = attempt.request();
        let mut call = self.agent.post(request.url.as_str());
        for (name, value) in &request.headers {
            call = call.header(name, value);
        }
        match call.send(&request.body[..]) {
            Ok(response) => {
                let retry_after = response.headers().get("retry-after").and_then(|value| value.to_str().ok());
                Outcome::status_with_retry_after(response.status().as_u16(), retry_after, OffsetDateTime::now_utc())
            }
            Err(ureq::Error::Timeout(_)) => Outcome::Timeout,
            Err(ureq::Error::HostNotFound) => Outcome::DnsFailed,
            Err(_) => Outcome::ConnectionFailed,
        }
    }
}

/// xorshift64: enough randomness to spread retries, seeded per worker.
fn next_random(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}
