//! PagerDuty, both ways: Events API v2 alerts to send (trigger on a failure, resolve on the
//! next success), and v3 webhooks to receive (incidents, for services that ingest them).
//!
//! Sending: [`IncidentRules::alert_for`] turns an event into an [`AlertEvent`], whose
//! [`request`](AlertEvent::request) your HTTP client sends; over a stream, [`IncidentLedger`]
//! pages once and resolves once per incident; the
//! [`delivery`](crate::delivery) module sends it at least once, in order, and retries by
//! PagerDuty's rules ([`RetryPolicy::pagerduty`](crate::delivery::RetryPolicy::pagerduty)).
//! Receiving: verify with
//! [`PagerDutyV3`](crate::signature::PagerDutyV3), then parse with
//! [`Verified::envelope`](crate::signature::Verified::envelope) or
//! [`webhook::Envelope::from_slice`].

mod alert;
mod bounded_json;
mod change;
mod check_run;
pub(crate) mod dedup;
mod details;
mod error;
mod job_body;
mod ledger;
mod limits;
mod payload;
mod request;
mod routing_key;
mod rules;
mod severity;
mod verdict;
mod web_url;
pub mod webhook;

pub use alert::{Action, AlertEvent};
pub use change::ChangeEvent;
pub use check_run::CheckRun;
pub use error::AlertError;
pub use ledger::{
    DEFAULT_MAX_INCIDENT_KEYS, Decision, Granularity, IncidentLedger, IncidentState, IncidentStore, KeyFn, LedgerError,
    MemoryIncidentStore, MemoryStoreError, Skip, StoredState,
};
pub use limits::{MAX_BODY_BYTES, MAX_DEDUP_KEY_CHARS, MAX_FIELD_CHARS, MAX_SUMMARY_CHARS, MAX_URL_BYTES};
pub use payload::{Image, Link, Payload};
pub use request::{CHANGE_ENQUEUE_URL, CHANGE_ENQUEUE_URL_EU, ENQUEUE_URL, ENQUEUE_URL_EU};
pub use routing_key::RoutingKey;
pub use rules::IncidentRules;
pub use severity::Severity;
