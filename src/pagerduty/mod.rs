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

// The Events API v2 format, what any sender of alerts needs.
#[cfg(feature = "pagerduty")]
mod events;
// The paging policy: when a result pages, under which key, and over a stream the ledger.
#[cfg(feature = "pagerduty")]
mod check_run;
#[cfg(feature = "pagerduty")]
pub(crate) mod dedup;
#[cfg(feature = "pagerduty")]
mod details;
#[cfg(feature = "pagerduty")]
mod job_body;
#[cfg(feature = "pagerduty")]
mod ledger;
#[cfg(feature = "pagerduty")]
mod rules;
// Receiving: PagerDuty's v3 webhooks, with a feature of their own.
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty-webhooks")))]
pub mod webhook;

// The policy's files name the format's by their own names.
#[cfg(feature = "pagerduty")]
use events::{
    action, alert, bounded_json, change, dedup_key, error, limits, payload, request, routing_key, severity, web_url,
    writer,
};

#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use action::Action;
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use alert::AlertEvent;
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use change::ChangeEvent;
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use check_run::CheckRun;
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use error::AlertError;
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use ledger::{
    Announcement, DEFAULT_MAX_INCIDENT_KEYS, Decision, Flakiness, FlakyNotice, Granularity, Health, IncidentLedger,
    IncidentState, IncidentStore, KeyFn, LedgerError, MemoryIncidentStore, MemoryStoreError, Skip, StoredState,
};
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use limits::{MAX_BODY_BYTES, MAX_FIELD_CHARS, MAX_SUMMARY_CHARS, MAX_URL_BYTES};
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use payload::{Image, Link, Payload};
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use request::{CHANGE_ENQUEUE_URL, CHANGE_ENQUEUE_URL_EU, ENQUEUE_URL, ENQUEUE_URL_EU};
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use routing_key::RoutingKey;
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use rules::IncidentRules;
#[cfg(feature = "pagerduty")]
#[cfg_attr(docsrs, doc(cfg(feature = "pagerduty")))]
pub use severity::Severity;
