//! The outbox: messages kept until delivered, given out in order per key, retried by policy,
//! held back for dead endpoints and rate limits.

use std::collections::HashMap;
use std::fmt;

use time::{Duration, OffsetDateTime};

use super::message::{Message, MessageId, QueuedMessage};
use super::outcome::Outcome;
use super::policy::{EndpointKind, Next, RetryPolicy, Undeliverable};
use super::rate::RateLimiter;
use super::store::{EndpointHealth, MemoryOutboxStore, OutboxStore, StoredMessage};
use crate::outgoing::OutgoingRequest;
use crate::signature::{Secret, WEBHOOK_ID_HEADER, standard_webhooks_headers};

/// What can go wrong with the outbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError<E: std::error::Error + 'static> {
    /// The store failed.
    #[error("the outbox store failed: {0}")]
    Store(#[source] E),
    /// The message names a signer the outbox does not know ([`Outbox::with_signer`]).
    #[error("no signer named {0:?}")]
    UnknownSigner(String),
}

/// One attempt to send a message: the request to send now, and what [`Outbox::report`] needs.
#[derive(Debug, Clone)]
pub struct Attempt {
    stored: StoredMessage,
    request: OutgoingRequest,
}

impl Attempt {
    /// The message's id, the same on every attempt (sent as `webhook-id` to webhooks).
    pub fn id(&self) -> MessageId {
        self.stored.id()
    }

    /// Which attempt this is: 1 for the first.
    pub fn number(&self) -> u32 {
        self.stored.message.attempts()
    }

    /// The request to send, with this attempt's headers (`webhook-id`, and the Standard
    /// Webhooks signature of this moment when the message has a signer).
    pub fn request(&self) -> &OutgoingRequest {
        &self.request
    }

    /// The message, as stored.
    pub fn message(&self) -> &QueuedMessage {
        &self.stored.message
    }

    /// When this attempt's lease ends: after it, another worker may be given the message. Send
    /// only what you can send before then (your HTTP client's timeout included), or a later
    /// message of the key may overtake it.
    pub fn lease_ends_at(&self) -> OffsetDateTime {
        self.stored.message.ready_at()
    }
}

/// What [`Outbox::report`] did with an attempt's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reported {
    /// Delivered: the message is gone from the outbox, and the next of its key may go.
    Delivered,
    /// It will be given out again at this time.
    RetryAt(OffsetDateTime),
    /// It will not be delivered: it is gone from the outbox, handed back here to log or keep.
    GaveUp {
        /// Why.
        reason: Undeliverable,
        /// The message.
        message: Box<QueuedMessage>,
    },
    /// Its endpoint is disabled (it answered `410`, or failed for too long): its messages wait
    /// until [`Outbox::enable_endpoint`].
    EndpointDisabled,
    /// The attempt's lease ran out and another worker took the message: its outcome is that
    /// worker's to report. (The message may have been sent twice; receivers deduplicate on
    /// its id.)
    LeaseLost,
}

/// Messages kept until delivered: given out when due, one at a time and in order per ordering
/// key, retried by policy ([`RetryPolicy`]), held back while their endpoint is disabled or
/// their target's rate limit is spent.
///
/// The host's loop: [`enqueue`](Outbox::enqueue) what the ledger and connectors ask to send;
/// now and then take what is [`due`](Outbox::due), send each request, and
/// [`report`](Outbox::report) each outcome. It reads no clock, draws no random numbers and
/// sends nothing itself.
///
/// Guarantees, with a store that keeps what it is given (a database; the in-memory store
/// until the process ends):
/// - **At least once**: a message leaves the outbox only when delivered or given up. An
///   attempt whose outcome is never reported (a crash) is given out again when its lease ends
///   (60 s by default, longer than any request should take): receivers deduplicate on its id.
/// - **In order per key**: a message is given out only once every earlier message of its key
///   is delivered or given up, and never while an attempt of it is under way; with several
///   workers or replicas sharing the store too (each attempt is claimed by compare-and-swap).
/// - **Within rate limits**: PagerDuty messages are given out at most 120 a minute per routing
///   key (per outbox: with several replicas, divide), and none while PagerDuty's last 429
///   asks to wait.
///
/// ```
/// use sauce_webhooks::delivery::{Message, Outbox, Outcome, Reported};
/// use sauce_webhooks::pagerduty::{AlertEvent, RoutingKey};
/// use sauce_webhooks::time::OffsetDateTime;
///
/// let outbox = Outbox::new();
/// let now = OffsetDateTime::now_utc();
/// let alert = AlertEvent::resolve(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?, "checkout");
/// outbox.enqueue(Message::pagerduty(&alert)?, now)?;
///
/// for attempt in outbox.due(now, 32)? {
///     let request = attempt.request(); // POST request.body to request.url with request.headers
///     let outcome = Outcome::status(202); // what your HTTP client got
///     assert_eq!(outbox.report(&attempt, &outcome, now, 0x5eed)?, Reported::Delivered);
/// }
/// assert_eq!(outbox.len()?, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Outbox<S = MemoryOutboxStore> {
    store: S,
    pagerduty: RetryPolicy,
    webhook: RetryPolicy,
    lease: Duration,
    disable_after: Duration,
    pagerduty_per_minute: u32,
    rate_limits: HashMap<String, u32>,
    limiter: RateLimiter,
    signers: HashMap<String, Secret>,
}

impl<S> fmt::Debug for Outbox<S> {
    /// The settings, and the signers' names, not their secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut signers: Vec<&str> = self.signers.keys().map(String::as_str).collect();
        signers.sort_unstable();
        f.debug_struct("Outbox")
            .field("pagerduty", &self.pagerduty)
            .field("webhook", &self.webhook)
            .field("lease", &self.lease)
            .field("disable_after", &self.disable_after)
            .field("pagerduty_per_minute", &self.pagerduty_per_minute)
            .field("rate_limits", &self.rate_limits)
            .field("signers", &signers)
            .finish_non_exhaustive()
    }
}

impl Default for Outbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Outbox {
    /// An outbox in memory, with the default policies: PagerDuty's and Svix's schedules, a 60 s
    /// lease, webhook endpoints disabled after failing for 5 days, 120 PagerDuty events a minute
    /// per routing key.
    pub fn new() -> Self {
        Self {
            store: MemoryOutboxStore::new(),
            pagerduty: RetryPolicy::pagerduty(),
            webhook: RetryPolicy::webhook(),
            lease: Duration::minutes(1),
            disable_after: Duration::days(5),
            pagerduty_per_minute: 120,
            rate_limits: HashMap::new(),
            limiter: RateLimiter::default(),
            signers: HashMap::new(),
        }
    }
}

impl<S: OutboxStore> Outbox<S> {
    /// Keeps the messages in `store` instead.
    #[must_use]
    pub fn with_store<T: OutboxStore>(self, store: T) -> Outbox<T> {
        let Self {
            pagerduty, webhook, lease, disable_after, pagerduty_per_minute, rate_limits, limiter, signers, ..
        } = self;
        Outbox { store, pagerduty, webhook, lease, disable_after, pagerduty_per_minute, rate_limits, limiter, signers }
    }

    /// Uses `policy` for the messages of its target.
    #[must_use]
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        match policy.target() {
            EndpointKind::PagerDuty => self.pagerduty = policy,
            EndpointKind::Webhook => self.webhook = policy,
        }
        self
    }

    /// How long an attempt may take before its message is given out again (60 s by default;
    /// a second at least): longer than your HTTP client's timeout.
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::SECOND);
        self
    }

    /// How long an attempt may take before its message is given out again: what your HTTP
    /// client's timeout must stay under.
    ///
    /// ```
    /// use sauce_webhooks::delivery::Outbox;
    /// use sauce_webhooks::time::Duration;
    ///
    /// assert_eq!(Outbox::new().lease(), Duration::minutes(1));
    /// assert_eq!(Outbox::new().with_lease(Duration::seconds(20)).lease(), Duration::seconds(20));
    /// ```
    #[must_use]
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Disables a webhook endpoint that has failed every attempt for this long (5 days by
    /// default, as Svix does). PagerDuty is never disabled.
    #[must_use]
    pub fn with_disable_after(mut self, after: Duration) -> Self {
        self.disable_after = after;
        self
    }

    /// PagerDuty events given out per minute per routing key (120 by default, PagerDuty's
    /// limit; at least 1). With several replicas sharing a store, give each its share.
    #[must_use]
    pub fn with_pagerduty_rate_limit(mut self, per_minute: u32) -> Self {
        self.pagerduty_per_minute = per_minute.max(1);
        self
    }

    /// Messages with rate key `key` ([`Message::with_rate_key`]) given out per minute.
    #[must_use]
    pub fn with_rate_limit(mut self, key: impl Into<String>, per_minute: u32) -> Self {
        self.rate_limits.insert(key.into(), per_minute.max(1));
        self
    }

    /// Signs the attempts of messages naming `name` ([`OutgoingRequest::signer`], set by [`WebhookConnector::with_standard_webhooks_signer`](crate::connector::WebhookConnector::with_standard_webhooks_signer)) the Standard
    /// Webhooks way with `secret`.
    #[must_use]
    pub fn with_signer(mut self, name: impl Into<String>, secret: Secret) -> Self {
        self.signers.insert(name.into(), secret);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// How many messages wait (or are under way).
    ///
    /// # Errors
    /// The store's.
    pub fn len(&self) -> Result<usize, OutboxError<S::Error>> {
        self.store.count().map_err(OutboxError::Store)
    }

    /// Whether none wait.
    ///
    /// # Errors
    /// The store's.
    pub fn is_empty(&self) -> Result<bool, OutboxError<S::Error>> {
        self.len().map(|len| len == 0)
    }

    /// Keeps `message` until it is delivered or given up, after every message of its ordering
    /// key added before it; it is due at once.
    ///
    /// # Errors
    /// [`OutboxError::UnknownSigner`] for a signer the outbox does not know (nothing is
    /// kept: it could never be signed), or the store's.
    pub fn enqueue(&self, message: Message, now: OffsetDateTime) -> Result<MessageId, OutboxError<S::Error>> {
        if let Some(signer) = message.signer().filter(|signer| !self.signers.contains_key(*signer)) {
            return Err(OutboxError::UnknownSigner(signer.to_owned()));
        }
        let queued = message.queue(now);
        let sequence = self.store.push(&queued).map_err(OutboxError::Store)?;
        Ok(queued.id(sequence))
    }

    /// Up to `limit` attempts to make now: the first message of each ordering key, when due,
    /// its endpoint not disabled and its rate limit not spent. Each is claimed for the lease,
    /// so that no other worker gets it meanwhile. A message whose signer the outbox no longer
    /// knows waits, unsent, and is looked at again every lease (60 s), until it does.
    ///
    /// # Errors
    /// The store's.
    pub fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Attempt>, OutboxError<S::Error>> {
        self.store.claiming(|| self.take_due(now, limit)).map_err(OutboxError::Store)
    }

    /// [`due`](Self::due)'s work, within the store's [`claiming`](OutboxStore::claiming).
    fn take_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Attempt>, S::Error> {
        let mut attempts = Vec::new();
        for stored in self.store.due(now, limit)? {
            let message = &stored.message;
            let signer = message.signer().map(|name| self.signers.get(name));
            if matches!(signer, Some(None)) {
                // Out of the way for a lease's time, so that it does not fill every batch
                // while nobody can sign it.
                let waiting = message.waiting_until(now.saturating_add(self.lease));
                self.store.replace(stored.sequence, stored.version, &waiting)?;
                continue;
            }
            let signer = signer.flatten();
            let rate = message
                .rate_key()
                .and_then(|key| self.rate_limit(message.target(), key).map(|per_minute| (key, per_minute)));
            if let Some((key, per_minute)) = rate
                && let Err(room_at) = self.limiter.room(key, per_minute, now)
            {
                // Out of the way until there is room, so that it does not fill every batch.
                let waiting = message.waiting_until(room_at);
                self.store.replace(stored.sequence, stored.version, &waiting)?;
                continue;
            }
            // Claimed before a send of the rate limit is spent on it: a worker that loses the
            // claim to another spends nothing.
            let claimed = message.leased(now.saturating_add(self.lease));
            if !self.store.replace(stored.sequence, stored.version, &claimed)? {
                continue; // another worker claimed it first
            }
            if let Some((key, per_minute)) = rate
                && let Err(room_at) = self.limiter.take(key, per_minute, now)
            {
                // Another worker took the last send since we looked: the claim goes back, the
                // attempt uncounted.
                let waiting = message.waiting_until(room_at);
                self.store.replace(stored.sequence, stored.version + 1, &waiting)?;
                continue;
            }
            let stored = StoredMessage { sequence: stored.sequence, version: stored.version + 1, message: claimed };
            let request = attempt_request(&stored, signer, now);
            attempts.push(Attempt { stored, request });
        }
        Ok(attempts)
    }

    fn rate_limit(&self, target: EndpointKind, key: &str) -> Option<u32> {
        match self.rate_limits.get(key) {
            Some(&per_minute) => Some(per_minute),
            None => (target == EndpointKind::PagerDuty).then_some(self.pagerduty_per_minute),
        }
    }

    /// Records how `attempt` ended, at `now`; `random` (from the host's random number
    /// generator) varies the retry's delay within the policy's jitter.
    ///
    /// # Errors
    /// The store's.
    pub fn report(
        &self,
        attempt: &Attempt,
        outcome: &Outcome,
        now: OffsetDateTime,
        random: u64,
    ) -> Result<Reported, OutboxError<S::Error>> {
        let message = &attempt.stored.message;
        let policy = match message.target() {
            EndpointKind::PagerDuty => &self.pagerduty,
            EndpointKind::Webhook => &self.webhook,
        };
        let next = policy.decide(attempt.number(), outcome, now, random);
        if let (Some(key), Outcome::Status { code: 429, .. }) = (message.rate_key(), outcome) {
            // The whole routing key waits, however this message ends.
            let until = match next {
                Next::RetryAt(at) => at,
                _ => now.saturating_add(policy.throttled_wait()),
            };
            self.limiter.pause(key, until);
        }
        let (health, health_changed) = self.next_health(message, next, now)?;
        let disabled = matches!(health, EndpointHealth::Disabled { .. });
        let (sequence, version) = (attempt.stored.sequence, attempt.stored.version);
        let reported = match next {
            Next::Done => {
                let removed = self.store.remove(sequence, version).map_err(OutboxError::Store)?;
                if removed { Reported::Delivered } else { Reported::LeaseLost }
            }
            Next::GiveUp(reason) => {
                let message = Box::new(message.waiting_until(now));
                let given_up = self.store.give_up(sequence, version, &message, reason).map_err(OutboxError::Store)?;
                if given_up { Reported::GaveUp { reason, message } } else { Reported::LeaseLost }
            }
            Next::RetryAt(_) | Next::DisableEndpoint => {
                let at = match next {
                    Next::RetryAt(at) if !disabled => at,
                    // Ready as soon as the host enables the endpoint again.
                    _ => now,
                };
                if self.store.replace(sequence, version, &message.waiting_until(at)).map_err(OutboxError::Store)? {
                    if disabled { Reported::EndpointDisabled } else { Reported::RetryAt(at) }
                } else {
                    Reported::LeaseLost
                }
            }
        };
        // A report that lost its lease is another worker's to make: it changes no health.
        if health_changed && reported != Reported::LeaseLost {
            self.store.set_endpoint(message.endpoint(), health).map_err(OutboxError::Store)?;
        }
        Ok(reported)
    }

    /// The endpoint's health after an attempt that ended as `next`, and whether it changed.
    fn next_health(
        &self,
        message: &QueuedMessage,
        next: Next,
        now: OffsetDateTime,
    ) -> Result<(EndpointHealth, bool), OutboxError<S::Error>> {
        if message.target() != EndpointKind::Webhook {
            return Ok((EndpointHealth::Healthy, false));
        }
        let endpoint = message.endpoint();
        let current = self.store.endpoint(endpoint).map_err(OutboxError::Store)?;
        let updated = match (next, current) {
            // A 4xx given up is the request's fault, not the endpoint's; a disabled endpoint
            // stays so until the host enables it.
            (_, EndpointHealth::Disabled { .. }) | (Next::GiveUp(Undeliverable::Refused { .. }), _) => current,
            (Next::Done, _) => EndpointHealth::Healthy,
            (Next::DisableEndpoint, _) => EndpointHealth::Disabled { at: now, gone: true },
            (_, EndpointHealth::Failing { since }) if now - since >= self.disable_after => {
                EndpointHealth::Disabled { at: now, gone: false }
            }
            (_, EndpointHealth::Failing { since }) => EndpointHealth::Failing { since },
            (_, _) => EndpointHealth::Failing { since: now },
        };
        Ok((updated, updated != current))
    }

    /// The health of `endpoint` (a webhook URL without its query).
    ///
    /// # Errors
    /// The store's.
    pub fn endpoint_health(&self, endpoint: &str) -> Result<EndpointHealth, OutboxError<S::Error>> {
        self.store.endpoint(endpoint).map_err(OutboxError::Store)
    }

    /// Sends to `endpoint` again: the messages that were under way when it was disabled are
    /// due at once, others at their retry time.
    ///
    /// # Errors
    /// The store's.
    pub fn enable_endpoint(&self, endpoint: &str) -> Result<(), OutboxError<S::Error>> {
        self.store.set_endpoint(endpoint, EndpointHealth::Healthy).map_err(OutboxError::Store)
    }
}

/// The request of this attempt: webhooks get the message's id, and its signature at `now`.
fn attempt_request(stored: &StoredMessage, signer: Option<&Secret>, now: OffsetDateTime) -> OutgoingRequest {
    let mut request = stored.message.request().clone();
    if stored.message.target() == EndpointKind::Webhook {
        let id = stored.id();
        match signer {
            Some(secret) => {
                request.headers.extend(
                    standard_webhooks_headers(secret, id.as_str(), now, &request.body)
                        .map(|(name, value)| (name.to_owned(), value)),
                );
                // Signed: nothing is left for the sender to do.
                request.signer = None;
            }
            None => request.headers.push((WEBHOOK_ID_HEADER.to_owned(), id.as_str().to_owned())),
        }
    }
    request
}
