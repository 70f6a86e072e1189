//! What an alert event does to PagerDuty's alert: open it, acknowledge it, resolve it.

use serde::Serialize;

/// The action of an alert event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Action {
    /// Open (or add to) an alert.
    Trigger,
    /// Acknowledge the alert with this dedup key.
    Acknowledge,
    /// Resolve the alert with this dedup key.
    Resolve,
}
