//! The incident ledger: what to send over a stream of results, so that PagerDuty is paged once
//! and resolved once per incident.

mod error;
mod fingerprint;
mod granularity;
mod incident_ledger;
mod state;
mod store;

pub use error::LedgerError;
pub use granularity::{Granularity, KeyFn};
pub use incident_ledger::IncidentLedger;
pub use state::{Decision, IncidentState, Skip};
pub use store::{DEFAULT_MAX_INCIDENT_KEYS, IncidentStore, MemoryIncidentStore, MemoryStoreError, StoredState};
