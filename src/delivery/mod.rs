//! Delivering what the crate asks to send, at least once, in order, within rate limits: the
//! [`Outbox`], the [`RetryPolicy`] that decides what follows each attempt's [`Outcome`], and
//! the [`OutboxStore`] the messages live in (in memory by default, or the host's database).
//!
//! The crate still sends nothing: the host takes what is due, sends it with its own HTTP
//! client, and reports how each attempt went, passing `now` and a random number for jitter.
//!
//! ```
//! use sauce_webhooks::delivery::{Message, Outbox, Outcome, Reported};
//! use sauce_webhooks::connector::WebhookConnector;
//! use sauce_webhooks::outgoing::endpoint::Endpoint;
//! use sauce_webhooks::signature::Secret;
//! use sauce_webhooks::time::{Duration, OffsetDateTime};
//! use sauce_webhooks::Event;
//!
//! let outbox = Outbox::new().with_signer("chat", Secret::from_standard_webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
//! let connector = WebhookConnector::new(Endpoint::parse("https://chat.example.com/hooks/T123")?)
//!     .with_standard_webhooks_signer("chat");
//! let event = Event::from_slice(br#"{"id":"j1","status":"FAILED","creation_time":0}"#)?;
//! let now = OffsetDateTime::now_utc();
//! if let Some(request) = connector.request(&event)? {
//!     outbox.enqueue(Message::webhook(request), now)?;
//! }
//! let attempt = outbox.due(now, 32)?.pop().expect("due at once");
//! let names: Vec<&str> = attempt.request().headers.iter().map(|(name, _)| name.as_str()).collect();
//! assert!(names.contains(&"webhook-id") && names.contains(&"webhook-signature"));
//! // The endpoint is down: the message waits for its retry (Svix's schedule: 5 s, then 5 min, ...).
//! let Reported::RetryAt(at) = outbox.report(&attempt, &Outcome::status(503), now, 7)? else { unreachable!() };
//! assert!(outbox.due(now, 32)?.is_empty());
//! assert_eq!(outbox.due(at, 32)?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dead_letter;
mod dispatcher;
mod message;
mod outbox;
mod outcome;
mod policy;
mod rate;
mod store;

pub use dead_letter::{DeadLetter, DeadLetterKind, DeadLetterSummary, Kept, StoredDeadLetter};
pub use dispatcher::{Dispatched, Dispatcher};
pub use message::{MAX_ORDERING_KEY_BYTES, Message, MessageId, QueuedMessage};
pub use outbox::{Attempt, Outbox, OutboxError, Reported};
pub use outcome::Outcome;
pub use policy::{EndpointKind, Next, RetryPolicy, Undeliverable};
pub use store::{
    DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGES, EndpointHealth, MemoryOutboxError, MemoryOutboxStore, OutboxStore,
    StoredMessage,
};
