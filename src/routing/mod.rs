//! Who gets an event: subscriptions (a scope and topics, as in Sauce Labs' webhook settings),
//! and a [`Router`] that fans one event out to the matching subscriptions among millions.
//!
//! ```
//! use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};
//! use sauce_webhooks::{Event, TeamId};
//!
//! let checkout_failures = Subscription::new(
//!     Scope::Team(TeamId::from("98b9f34e596047d99abba56f517846a9")),
//!     [Topic::VirtualDeviceJobs(Outcomes::FailedOnly), Topic::VisualBuildCompleted],
//! );
//! let event = Event::from_slice(br#"{"id":"j1","data_type":"vdc","status":"FAILED","creation_time":0,
//!     "team_id":"98b9f34e596047d99abba56f517846a9"}"#)?;
//! assert!(checkout_failures.matches(&event));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod owners;
mod router;
mod scope;
mod subscription;
mod topic;

pub use router::Router;
pub use scope::Scope;
pub use subscription::Subscription;
pub use topic::{Outcomes, Topic};
