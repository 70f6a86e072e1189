//! Delivering from the outbox: take what is due, send it with a real HTTP client, report how
//! it went. Several workers run at once, each with its own connection; the outbox's leases keep
//! them from sending one key's messages out of order or twice at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as StdDuration;

use sauce_webhooks::delivery::{Attempt, Dispatched, Dispatcher, EndpointKind, Outbox, Outcome, Reported};
use sauce_webhooks::outgoing::endpoint::EndpointPolicy;
use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::time::format_description::well_known::Rfc3339;
use serde_json::json;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::database::Database;
use crate::log::log;
use crate::metrics::{self, Metrics};

/// The longest a request may take: what Svix allows. A shorter lease shortens it further.
const LONGEST_REQUEST: StdDuration = StdDuration::from_secs(15);

/// How long a request may take under a lease of `lease`: at most half of it, so that an
/// attempt taken a moment ago still ends well within its lease.
pub fn request_timeout(lease: StdDuration) -> StdDuration {
    (lease / 2).min(LONGEST_REQUEST)
}

/// One delivery worker. The workers of a pool share one outbox, so that PagerDuty's rate limit
/// and its pauses after a 429 hold for all of them.
#[derive(Debug)]
pub struct Worker<D> {
    /// The outbox, shared.
    pub outbox: Arc<Outbox<D>>,
    /// Takes, sends and reports, with its own random numbers for the jitter.
    pub dispatcher: Dispatcher,
    /// The HTTP client.
    pub agent: ureq::Agent,
    /// Where counts go.
    pub metrics: Arc<Metrics>,
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

impl<D: Database> Worker<D> {
    /// Delivers, a message at a time, until `stop` is set; an attempt under way when it is set
    /// is finished first. What is given up becomes a dead letter in the same step as it leaves
    /// the outbox (the store's `give_up`).
    pub fn run(mut self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let (agent, metrics) = (&self.agent, &self.metrics);
            let sent = self.dispatcher.deliver_due(&self.outbox, OffsetDateTime::now_utc, 1, |attempt| {
                if attempt.number() > 1 {
                    let subscription = attempt.message().subscription().unwrap_or_default().to_owned();
                    metrics.retries.get_or_create(&metrics::Subscription { subscription }).inc();
                }
                send(agent, attempt)
            });
            match sent {
                Ok(sent) if sent.is_empty() => std::thread::sleep(StdDuration::from_millis(50)),
                Ok(sent) => sent.iter().for_each(|dispatched| count(metrics, dispatched, OffsetDateTime::now_utc())),
                Err(err) => {
                    log("error", "outbox unavailable", json!({"error": err.to_string()}));
                    std::thread::sleep(StdDuration::from_secs(1));
                }
            }
        }
    }
}

/// Counts and logs what became of an attempt.
fn count(metrics: &Metrics, dispatched: &Dispatched, now: OffsetDateTime) {
    let Dispatched { attempt, outcome, reported, .. } = dispatched;
    let subscription = attempt.message().subscription().unwrap_or_default();
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
                EndpointKind::PagerDuty => "pagerduty",
                _ => "webhook",
            };
            metrics.latency.get_or_create(&metrics::TargetKind { target }).observe(waited);
            ("info", "delivered", "delivered")
        }
        Reported::RetryAt(at) => {
            fields["retry_at"] = json!(at.format(&Rfc3339).unwrap_or_default());
            ("warn", "will retry", "retry")
        }
        Reported::GaveUp { reason, .. } => {
            metrics.dead_lettered(subscription);
            fields["reason"] = json!(reason.to_string());
            ("error", "gave up: a dead letter", "gave_up")
        }
        Reported::EndpointDisabled => {
            ("error", "endpoint disabled: its messages wait until `sauce-relay endpoints enable`", "endpoint_disabled")
        }
        _ => ("warn", "lease lost", "lease_lost"),
    };
    log(level, msg, fields);
    metrics.delivery(subscription, counted);
}

/// Sends an attempt's request; how it ended.
fn send(agent: &ureq::Agent, attempt: &Attempt) -> Outcome {
    let request = attempt.request();
    let mut call = agent.post(request.url.as_str());
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
