//! Receive Sauce Labs test-result webhooks: verify, parse, route, and turn results into
//! PagerDuty alerts or webhook requests, without doing any I/O.
//!
//! # Quickstart
//!
//! ```
//! use sauce_webhooks::signature::{sign, Secret, Verifier};
//! use sauce_webhooks::Event;
//!
//! // Once, at start-up: the webhook's security token.
//! let verifier = Verifier::new(Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d")?);
//!
//! // Per request: the raw body and the `saucelabs-sign` header.
//! let body = br#"{"id":"4b0c9d3e","data_type":"vdc","status":"FAILED","creation_time":"2024-05-01T10:15:30Z"}"#;
//! let header = sign(&Secret::new("3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d")?, body).to_string();
//!
//! let verified = verifier.verify(body, Some(&header))?; // 401 on error
//! if let Event::Job(job) = verified.event()? {          // 400 on error
//!     assert!(job.is_failure());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Contents
//!
//! | module | what it holds |
//! |---|---|
//! | [`signature`] | [`Verifier`](signature::Verifier), [`Verified`](signature::Verified), [`Secret`](signature::Secret), [`sign`](signature::sign); the schemes [`SauceLabs`](signature::SauceLabs) and [`PagerDutyV3`](signature::PagerDutyV3) |
//! | the root | the events: [`Event`], [`Job`] (their texts [`Text`]s, lent from the body or owned), [`Concurrency`], [`VisualBuild`] and their enums; [`RawJson`]; [`ParseError`]; [`Batch`]; the ids [`OrgId`], [`TeamId`], [`UserId`] |
//! | [`routing`] | [`Subscription`](routing::Subscription), [`Scope`](routing::Scope), [`Topic`](routing::Topic), [`Router`] |
//! | [`routing::access`] | who may subscribe for what |
//! | [`outgoing`] | [`OutgoingRequest`](outgoing::OutgoingRequest), what the crate asks the host to send; [`outgoing::endpoint`], which URLs webhooks may point at |
//! | [`pagerduty`] | Events API v2 alerts and [`IncidentRules`](pagerduty::IncidentRules); v3 webhooks in [`pagerduty::webhook`] |
//! | [`connector`] | the generic webhook connector and its templates |
//! | [`axum`] | (feature `axum`) extractors that verify and parse: [`SauceEvents`](axum::SauceEvents), [`PagerDutyWebhook`](axum::PagerDutyWebhook), [`Signed`](axum::Signed) |
//! | `testing` | (feature `testing`) builders, signed requests and fixtures for your tests |
//!
//! # Features
//!
//! With none, the crate verifies and parses, and builds 37 crates. Each feature adds:
//!
//! | feature | adds | pulls in |
//! |---|---|---|
//! | `routing` | [`routing`] (with [`routing::access`]) | nothing more |
//! | `connector` | [`connector`], [`outgoing`] (with [`outgoing::endpoint`]) | `url` (66 crates in all) |
//! | `pagerduty-webhooks` | [`pagerduty::webhook`]: PagerDuty's v3 webhooks to receive, [`Verified::envelope`](signature::Verified::envelope) | nothing more |
//! | `pagerduty` | [`pagerduty`] (alerts, incident rules and ledger), [`outgoing`]; `pagerduty-webhooks` | `url` |
//! | `delivery` | [`delivery`] (the outbox, retry policies); `pagerduty`, `connector` | `url` |
//! | `http` | `verify_headers`, `OutgoingRequest` ⇄ `http::Request`, testing requests as `http::Request`s | `http` |
//! | `axum` | [`axum`] extractors; `http` | `axum` without its defaults, `http-body-util`, `tokio` (runtime only) |
//! | `testing` | `testing`: builders, signed requests, the documented payloads | nothing more |
//! | `full` | all of the above | 84 crates in all |
//!
//! The [`guide`] module has the guides: parsing rules, signatures, axum, routing, PagerDuty,
//! paging, delivery, the store crates, testing, robustness and the semver policy (each also a
//! file of the repository's `src/guide/`); `benches/README.md` has the performance figures.
//!
//! # Architecture
//!
//! Data flows one way, and so do the modules: each uses only the layers below it.
//!
//! ```text
//! act       pagerduty/ (paging policy: rules, dedup keys, ledger;   connector/ (templates,
//!             events/: the Events API v2 format;                    webhook connector)
//!             webhook/: v3 webhooks received)                         │
//! outgoing  outgoing/ (OutgoingRequest, endpoint checks) ◄───────────────┘
//! verify    signature/ (Secret, schemes, Verifier, Verified)
//! route     routing/ (Topic, Project, Scope, Subscription, within, Router, access)
//! wire      wire/ (fields: every key in one pass; family (which kind a body is); a builder per kind; parse; ParseError)
//! models    event/ (Event, Job, Concurrency, VisualBuild: data, behaviour, Serialize; the facts
//!             routing and paging ask: owners, verdict, occurred_at, identity, incident key)
//! values    values/ (OrgId, TeamId, UserId; RawJson; Text); the open enums beside their models
//! support   support/ (lenient readers, time forms, open_enum!, clip): pub(crate) only
//! ```
//!
//! Where to make a change:
//! - **A new field of an event**: the struct in `event/` (say `event/job.rs`), one line in the
//!   `fields!` list of `wire/fields.rs` (naming the kinds that read it), and one line in the
//!   kind's builder in `wire/` (for a job, `assemble` in `wire/job.rs`). Templates pick it up as a placeholder by themselves,
//!   and `tests/fields.rs` fails until the parser reads what the struct writes (a field that is
//!   not text also needs a sample value in that test's `sample`, which it asks for).
//! - **A new kind of event**: its model in `event/`, an `Event` variant, its keys in
//!   `wire/fields.rs`, a `Shape` in `wire/family.rs` with its detecting keys, a builder in `wire/`,
//!   and a branch in `wire/parse.rs`'s `known_event`. The compiler then points at every match
//!   that must say what the new kind does: its owners in `event/owners.rs` or its project in
//!   `routing/project.rs` (with neither, it reaches no subscription), the topics that take it in `routing/topic.rs`, and its alert in
//!   `pagerduty/rules.rs`.
//! - **A new subscription topic**: the variant in `routing/topic.rs`, its entry in `Topic::ALL`,
//!   its bit in `Topics::bit`, and the events it takes in `Topics::matches`; the unit test there
//!   fails until the three agree. `Topics` is two bytes, with three bits left.
//! - **A new PagerDuty v3 event type**: a variant of `EventType` in
//!   `pagerduty/webhook/event_type.rs`, and its name in the documented list of
//!   `tests/pagerduty_webhook.rs`; its data is typed by the shape it has, and its incident found
//!   by `pagerduty/webhook/essentials.rs`.
//! - **A new rule for paging**: `pagerduty/rules.rs`, which builds `AlertEvent`s from events.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(feature = "connector")]
#[cfg_attr(docsrs, doc(cfg(feature = "connector")))]
pub mod connector;
#[cfg(feature = "delivery")]
#[cfg_attr(docsrs, doc(cfg(feature = "delivery")))]
pub mod delivery;
mod event;
// Documentation only: pages, no code. Their examples use crates this one does not depend on,
// so `servers/` runs them, not this crate's doctests.
#[cfg(all(doc, not(doctest)))]
pub mod guide;
#[cfg(any(feature = "pagerduty", feature = "connector"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "pagerduty", feature = "connector"))))]
pub mod outgoing;
#[cfg(feature = "pagerduty-webhooks")]
#[cfg_attr(docsrs, doc(cfg(any(feature = "pagerduty", feature = "pagerduty-webhooks"))))]
pub mod pagerduty;
#[cfg(feature = "routing")]
#[cfg_attr(docsrs, doc(cfg(feature = "routing")))]
pub mod routing;
pub mod signature;
mod support;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod values;
mod wire;

pub use event::{
    ApiTestResult, AppDistributionEvent, AppLinks, BuildStatus, BuildSummary, ComponentBuildStatus, Concurrency,
    ConcurrencyUsage, DataCenter, DataType, ErrorGroup, Event, Job, JobStatus, RunTotals, Slots, Visibility,
    VisualBuild, VisualRun,
};
#[cfg(feature = "routing")]
#[cfg_attr(docsrs, doc(cfg(feature = "routing")))]
pub use routing::Router;
/// The `time` crate, whose `OffsetDateTime` the events' times are, re-exported so that your
/// version always matches ours.
pub use time;
pub use values::id::{OrgId, TeamId, UserId};
pub use values::raw_json::RawJson;
pub use values::text::Text;
pub use wire::batch::Batch;
pub use wire::error::{ParseError, ParseErrorKind};

// The README's and the guides' examples run as doctests of `servers/`, which has the crates they use
// (axum, rusqlite) as dependencies.
