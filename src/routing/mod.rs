//! Who gets an event: subscriptions (a scope and topics, as in Sauce Labs' webhook settings),
//! and a [`Router`] that fans one event out to the matching subscriptions among millions.
//!
//! Ids are compared as given: Sauce Labs' organization, team and user ids are 32 hex digits,
//! unique across organizations. Every scope also names its organization, and an event reaches a
//! subscription only when it carries that organization's id, so ids that collide across
//! organizations (or a user who moved) never carry an event across.
//!
//! ```
//! use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};
//! use sauce_webhooks::Event;
//!
//! let checkout_failures = Subscription::new(
//!     Scope::team("7fb25570b4064716b9b6daae1a846790", "98b9f34e596047d99abba56f517846a9"),
//!     [Topic::VirtualDeviceJobs(Outcomes::FailedOnly), Topic::VisualBuildCompleted],
//! );
//! let event = Event::from_slice(br#"{"id":"j1","data_type":"vdc","status":"FAILED","creation_time":0,
//!     "team_id":"98b9f34e596047d99abba56f517846a9","org_id":"7fb25570b4064716b9b6daae1a846790"}"#)?;
//! assert!(checkout_failures.matches(&event));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod access;
mod project;
mod router;
mod scope;
mod subscription;
mod topic;
mod within;

pub use project::Project;
pub use router::Router;
pub use scope::Scope;
pub use subscription::Subscription;
pub use topic::{Outcomes, Topic};
