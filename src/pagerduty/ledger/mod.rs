//! The incident ledger: what to send over a stream of results, so that PagerDuty is paged once
//! and resolved once per incident.

mod error;
mod fingerprint;
mod flakiness;
mod granularity;
mod history;
mod incident_ledger;
mod notice;
mod state;
mod store;

pub use error::LedgerError;
pub use flakiness::{Announcement, Flakiness, Health};
pub use granularity::{Granularity, KeyFn};
pub use incident_ledger::IncidentLedger;
pub use notice::FlakyNotice;
pub(crate) use state::Classified;
pub use state::{Decision, IncidentState, Skip};
pub use store::{DEFAULT_MAX_INCIDENT_KEYS, IncidentStore, MemoryIncidentStore, MemoryStoreError, StoredState};
