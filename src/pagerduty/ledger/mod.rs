//! The incident ledger: what to send over a stream of results, so that PagerDuty is paged once
//! and resolved once per incident.

mod granularity;
mod incident_ledger;
mod state;
mod store;

pub use granularity::{Granularity, KeyFn};
pub use incident_ledger::{IncidentLedger, LedgerError};
pub use state::{Decision, IncidentState, Skip};
pub use store::{IncidentStore, MemoryIncidentStore, Versioned};
