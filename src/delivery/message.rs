//! What the outbox delivers: a request, with what orders it, whose rules it follows, and how it
//! is kept in a store.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::policy::EndpointKind;
use crate::event::Event;
use crate::outgoing::OutgoingRequest;
use crate::pagerduty::dedup;
use crate::pagerduty::{AlertError, AlertEvent, ChangeEvent};
use crate::support::redact::redacted;
use crate::support::time::{serialize_optional_time, serialize_time, time};

/// A request to deliver, with what decides its order: messages of one ordering key are
/// delivered one at a time, in the order they were added.
///
/// ```
/// use sauce_webhooks::delivery::Message;
/// use sauce_webhooks::pagerduty::{AlertEvent, RoutingKey};
///
/// let alert = AlertEvent::resolve(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?, "checkout");
/// let message = Message::pagerduty(&alert)?; // in order per dedup key, PagerDuty's rules
/// assert_eq!(message.ordering_key(), "pagerduty:checkout");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    request: OutgoingRequest,
    ordering_key: String,
    target: EndpointKind,
    endpoint: String,
    rate_key: Option<String>,
}

impl Message {
    /// A PagerDuty alert's request: ordered by its dedup key (an alert without one by nothing
    /// but itself), PagerDuty's retry rules, and counted against its routing key's rate limit.
    ///
    /// # Errors
    /// [`AlertError`] when the alert cannot be written as JSON.
    pub fn pagerduty(alert: &AlertEvent) -> Result<Self, AlertError> {
        let request = alert.request()?;
        // The routing key is a secret: a short hash of it names its rate limit.
        let rate_key = ["pagerduty:", alert.routing_key().short_hash()].concat();
        let ordering_key = match alert.dedup_key() {
            Some(key) => format!("pagerduty:{key}"),
            None => format!("pagerduty:{}", unordered_key(&request)),
        };
        Ok(Self {
            endpoint: endpoint_of(&request),
            request,
            ordering_key,
            target: EndpointKind::PagerDuty,
            rate_key: Some(rate_key),
        })
    }

    /// A PagerDuty change event's request (a flaky test announced, say): ordered by nothing
    /// but itself, PagerDuty's retry rules, and counted against its routing key's rate limit
    /// with its alerts.
    ///
    /// # Errors
    /// [`AlertError`] when the change event cannot be written as JSON.
    pub fn pagerduty_change(change: &ChangeEvent) -> Result<Self, AlertError> {
        let request = change.request()?;
        let rate_key = ["pagerduty:", change.routing_key().short_hash()].concat();
        let ordering_key = format!("pagerduty:change{}", unordered_key(&request));
        Ok(Self {
            endpoint: endpoint_of(&request),
            request,
            ordering_key,
            target: EndpointKind::PagerDuty,
            rate_key: Some(rate_key),
        })
    }

    /// A webhook request: ordered per endpoint (its URL), webhook retry rules, and its
    /// endpoint's health tracked.
    pub fn webhook(request: OutgoingRequest) -> Self {
        let endpoint = endpoint_of(&request);
        Self { ordering_key: endpoint.clone(), endpoint, request, target: EndpointKind::Webhook, rate_key: None }
    }

    /// Orders it per test as well as by its key: only the messages of the same test (what
    /// [`IncidentRules`](crate::pagerduty::IncidentRules) keys an incident by) to the same
    /// endpoint wait for each other, so that one message an endpoint refuses holds up its own
    /// test's later messages, not every other test's. An event of no test (an unknown one, a
    /// job without a name) waits for nothing.
    ///
    /// ```
    /// use sauce_webhooks::connector::WebhookConnector;
    /// use sauce_webhooks::delivery::Message;
    /// use sauce_webhooks::outgoing::endpoint::Endpoint;
    /// use sauce_webhooks::Event;
    ///
    /// let connector = WebhookConnector::new(Endpoint::parse("https://chat.example.com/hooks/qa")?);
    /// let checkout = Event::from_slice(br#"{"id":"j1","status":"FAILED","creation_time":0,"name":"checkout","org_id":"acme"}"#)?;
    /// let login = Event::from_slice(br#"{"id":"j2","status":"FAILED","creation_time":0,"name":"login","org_id":"acme"}"#)?;
    /// let first = Message::webhook(connector.request(&checkout)?.unwrap()).ordered_per_test(&checkout);
    /// let second = Message::webhook(connector.request(&login)?.unwrap()).ordered_per_test(&login);
    /// assert_ne!(first.ordering_key(), second.ordering_key());
    /// assert!(first.ordering_key().starts_with("https://chat.example.com/hooks/qa "));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn ordered_per_test(mut self, event: &Event<'_>) -> Self {
        // Ordering needs no tenant: an event that names no organization is ordered by its test.
        let org = dedup::organization(event, None).unwrap_or(None);
        let test = dedup::of_test(event, org).unwrap_or_else(|| unordered_key(&self.request));
        // A space: no URL holds one, and a line break heads the key with its subscription.
        self.ordering_key = format!("{} {test}", self.ordering_key);
        self
    }

    /// Names the subscription it is for: its ordering key is headed by `id` (and a line
    /// break), so that its messages wait only for the same subscription's, and a store counts
    /// its queue and its dead letters under `id`, which holds no line break.
    ///
    /// ```
    /// use sauce_webhooks::delivery::Message;
    /// use sauce_webhooks::pagerduty::{AlertEvent, RoutingKey};
    ///
    /// let alert = AlertEvent::resolve(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?, "checkout");
    /// let message = Message::pagerduty(&alert)?.for_subscription("oncall");
    /// assert_eq!(message.ordering_key(), "oncall\npagerduty:checkout");
    /// assert_eq!(message.subscription(), Some("oncall"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn for_subscription(mut self, id: &str) -> Self {
        self.ordering_key = format!("{id}\n{}", self.ordering_key);
        self
    }

    /// The subscription it is for ([`for_subscription`](Self::for_subscription)), if it names
    /// one.
    pub fn subscription(&self) -> Option<&str> {
        subscription_of(&self.ordering_key)
    }

    /// Orders it by `key` instead (messages of one key go one at a time, in order).
    #[must_use]
    pub fn with_ordering_key(mut self, key: impl Into<String>) -> Self {
        self.ordering_key = key.into();
        self
    }

    /// Counts it against the rate limit named `key` ([`Outbox::with_rate_limit`](super::Outbox::with_rate_limit)).
    #[must_use]
    pub fn with_rate_key(mut self, key: impl Into<String>) -> Self {
        self.rate_key = Some(key.into());
        self
    }

    /// What orders it. It is queued as at most [`MAX_ORDERING_KEY_BYTES`]: a longer key as
    /// its start and a SHA-256 of the whole.
    pub fn ordering_key(&self) -> &str {
        &self.ordering_key
    }

    /// The request.
    pub fn request(&self) -> &OutgoingRequest {
        &self.request
    }

    /// Whose rules it follows.
    pub fn target(&self) -> EndpointKind {
        self.target
    }

    pub(crate) fn queue(self, now: OffsetDateTime) -> QueuedMessage {
        QueuedMessage {
            ordering_key: bounded_ordering_key(self.ordering_key),
            endpoint: self.endpoint,
            target: self.target,
            rate_key: self.rate_key,
            request: self.request,
            attempts: 0,
            enqueued_at: now,
            due_at: now,
            leased_until: None,
        }
    }

    pub(crate) fn signer(&self) -> Option<&str> {
        self.request.signer.as_deref()
    }
}

/// The longest ordering key a message is queued under, in bytes: a store indexes it, and a
/// database's index refuses a long entry (PostgreSQL's, past about 2,700 bytes).
pub const MAX_ORDERING_KEY_BYTES: usize = 1024;

/// An ordering key as queued: as given up to [`MAX_ORDERING_KEY_BYTES`], else its start and a
/// SHA-256 of the whole, so that two long keys stay apart and the subscription that heads it
/// stays readable.
fn bounded_ordering_key(key: String) -> String {
    if key.len() <= MAX_ORDERING_KEY_BYTES {
        return key;
    }
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    let mut cut = MAX_ORDERING_KEY_BYTES - digest.len() - 1;
    while !key.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}#{digest}", &key[..cut])
}

/// The subscription an ordering key is headed by: what comes before its first line break.
fn subscription_of(ordering_key: &str) -> Option<&str> {
    ordering_key.split_once('\n').map(|(id, _)| id)
}

/// The ordering key of a request with nothing to keep in order with: a key of its own, from
/// its body.
fn unordered_key(request: &OutgoingRequest) -> String {
    format!("#{}", hex::encode(Sha256::digest(&request.body)))
}

/// The endpoint a request goes to, for its health: its URL without the query or fragment.
fn endpoint_of(request: &OutgoingRequest) -> String {
    if request.url.query().is_none() && request.url.fragment().is_none() {
        return request.url.as_str().to_owned();
    }
    let mut url = request.url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.into()
}

/// A message's stable id, the same on every attempt and sent as `webhook-id`, so that a
/// receiver can tell a retry from a new message: `msg_`, then when it was added (milliseconds
/// since 1970, hex) and its sequence number in the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(String);

impl MessageId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A message as the store keeps it: the request, what orders it, and its delivery so far. It
/// serializes, so that a database can hold it as JSON (it carries the request as it will be
/// sent, routing keys and header values included: keep the store as safe as your secrets); a
/// store indexes it by [`ordering_key`](QueuedMessage::ordering_key),
/// [`endpoint`](QueuedMessage::endpoint) and [`ready_at`](QueuedMessage::ready_at), beside the
/// sequence number and version it gives it ([`StoredMessage`](super::StoredMessage)).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMessage {
    ordering_key: String,
    endpoint: String,
    target: EndpointKind,
    #[serde(default)]
    rate_key: Option<String>,
    request: OutgoingRequest,
    attempts: u32,
    #[serde(serialize_with = "serialize_time", deserialize_with = "required_time")]
    enqueued_at: OffsetDateTime,
    #[serde(serialize_with = "serialize_time", deserialize_with = "required_time")]
    due_at: OffsetDateTime,
    #[serde(default, serialize_with = "serialize_optional_time", deserialize_with = "time")]
    leased_until: Option<OffsetDateTime>,
}

fn required_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    time(d)?.ok_or_else(|| serde::de::Error::custom("expected a time, found null"))
}

impl QueuedMessage {
    /// Its id, sent as `webhook-id`, once the store gave it `sequence`.
    pub(crate) fn id(&self, sequence: u64) -> MessageId {
        let millis = self.enqueued_at.unix_timestamp_nanos() / 1_000_000;
        MessageId(format!("msg_{millis:x}_{sequence:x}"))
    }

    /// What orders it: only the message of lowest sequence of each key is ever given out.
    pub fn ordering_key(&self) -> &str {
        &self.ordering_key
    }

    /// The subscription it is for ([`Message::for_subscription`]), if it names one.
    pub fn subscription(&self) -> Option<&str> {
        subscription_of(&self.ordering_key)
    }

    /// The endpoint it goes to (its URL without query), whose health decides whether it is
    /// sent.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Whose rules it follows.
    pub fn target(&self) -> EndpointKind {
        self.target
    }

    /// The rate limit it counts against, if any.
    pub fn rate_key(&self) -> Option<&str> {
        self.rate_key.as_deref()
    }

    /// The name of the secret that signs its attempts, if any.
    pub fn signer(&self) -> Option<&str> {
        self.request.signer.as_deref()
    }

    /// The request as queued (without the per-attempt headers).
    pub fn request(&self) -> &OutgoingRequest {
        &self.request
    }

    /// Attempts made so far, the one under way included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// When it was added.
    pub fn enqueued_at(&self) -> OffsetDateTime {
        self.enqueued_at
    }

    /// When it may be given out: when it is due, or, while an attempt is under way, when
    /// that attempt's lease ends.
    pub fn ready_at(&self) -> OffsetDateTime {
        self.leased_until.map_or(self.due_at, |lease| lease.max(self.due_at))
    }

    /// When the attempt under way ends its lease, if one is under way: a store that keeps it
    /// in a column of its own can give a crashed worker's messages out again at once
    /// ([`OutboxStore`](super::OutboxStore) says how).
    pub fn leased_until(&self) -> Option<OffsetDateTime> {
        self.leased_until
    }

    /// The message it was made of, to queue again from the start (a dead letter an operator
    /// sends again): its request, ordering and rate keys as they were, no attempt made.
    pub fn into_message(self) -> Message {
        Message {
            request: self.request,
            ordering_key: self.ordering_key,
            target: self.target,
            endpoint: self.endpoint,
            rate_key: self.rate_key,
        }
    }

    /// The message with an attempt under way until `lease_until`.
    pub(crate) fn leased(&self, lease_until: OffsetDateTime) -> Self {
        Self { attempts: self.attempts.saturating_add(1), leased_until: Some(lease_until), ..self.clone() }
    }

    /// The message waiting until `at`, no attempt under way.
    pub(crate) fn waiting_until(&self, at: OffsetDateTime) -> Self {
        Self { due_at: at, leased_until: None, ..self.clone() }
    }
}

/// What orders a message, as `Debug` may show it: a webhook's endpoint is its URL, whose path
/// is the secret of many hooks (`hooks.slack.com/services/…`).
fn shown_key(target: EndpointKind, key: &str) -> String {
    match (target, url::Url::parse(key)) {
        (EndpointKind::Webhook, Ok(url)) => redacted(&url),
        (EndpointKind::Webhook, Err(_)) => "<redacted>".to_owned(),
        _ => key.to_owned(),
    }
}

impl fmt::Debug for Message {
    /// The request as its own `Debug` shows it, and the endpoint without its path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("target", &self.target)
            .field("ordering_key", &shown_key(self.target, &self.ordering_key))
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for QueuedMessage {
    /// As [`Message`]'s, with its delivery so far.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueuedMessage")
            .field("target", &self.target)
            .field("ordering_key", &shown_key(self.target, &self.ordering_key))
            .field("request", &self.request)
            .field("attempts", &self.attempts)
            .field("enqueued_at", &self.enqueued_at)
            .field("due_at", &self.due_at)
            .field("leased_until", &self.leased_until)
            .finish_non_exhaustive()
    }
}
