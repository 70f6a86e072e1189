//! What can go wrong applying a result to the ledger.

/// What can go wrong applying a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError<E: std::error::Error + 'static> {
    /// The store failed.
    #[error("the incident store failed: {0}")]
    Store(#[source] E),
    /// Other writers changed the key at every attempt (64 in a row).
    #[error("the incident key kept changing under other writers")]
    Contention,
}
