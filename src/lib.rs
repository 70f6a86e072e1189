#![doc = include_str!("../README.md")]

mod event;
mod id;
pub mod signature;

pub use event::{
    BuildStatus, BuildSummary, Concurrency, ConcurrencyUsage, DataCenter, DataType, Event, Job, JobStatus, ParseError,
    Slots, Visibility, VisualBuild,
};
pub use id::{OrgId, TeamId, UserId};
/// The `time` crate, whose `OffsetDateTime` the events' times are, re-exported so that your
/// version always matches ours.
pub use time;
