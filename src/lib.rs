#![doc = include_str!("../README.md")]

pub mod access;
pub mod connector;
pub mod endpoint;
mod event;
pub mod filter;
mod id;
pub mod pagerduty;
mod router;
pub mod signature;
#[cfg(feature = "testing")]
pub mod testing;

pub use event::{
    BuildStatus, BuildSummary, Concurrency, ConcurrencyUsage, DataCenter, DataType, Event, Job, JobStatus, ParseError,
    Slots, Visibility, VisualBuild,
};
pub use id::{OrgId, TeamId, UserId};
pub use router::Router;
/// The `time` crate, whose `OffsetDateTime` the events' times are, re-exported so that your
/// version always matches ours.
pub use time;
