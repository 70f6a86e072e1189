//! The guides: each part of the crate in turn, with complete programs (the repository's
//! `src/guide/*.md`, shown here as pages).
//!
//! | guide | what it covers |
//! |---|---|
//! | [`parsing`] | what a body may look like: times, `passed`, ids, batches, the raw RDC shape, how each family is told |
//! | [`signatures`] | `saucelabs-sign`, secret rotation, PagerDuty v3, HTTP Basic and shared tokens, unsigned requests |
//! | [`axum`] | the extractors and their answers, a real receiver with limits and logs |
//! | [`routing`] | subscriptions and scopes, who may subscribe to what, the `Router` |
//! | [`alerts`] | PagerDuty Events v2 alerts, incident rules, the webhook connector, PagerDuty's webhooks |
//! | [`paging`] | the incident ledger: one page and one resolve per incident |
//! | [`delivery`] | the outbox, the `Dispatcher`, retries, PagerDuty's rate, Standard Webhooks, the relay |
//! | [`stores`] | the SQLite and PostgreSQL store crates, one transaction per webhook, replicas |
//! | [`testing`] | builders, signed requests, the documented payloads |
//! | [`robustness`] | what no input can do, and how that is proved |
//! | [`semver`] | what a minor version may change |
//!
//! The examples use crates beside this one (axum, tokio, the store crates), so they run as
//! tests of the workspace's `servers/` member, which has them.

#[doc = include_str!("parsing.md")]
pub mod parsing {}

#[doc = include_str!("signatures.md")]
pub mod signatures {}

#[doc = include_str!("axum.md")]
pub mod axum {}

#[doc = include_str!("routing.md")]
pub mod routing {}

#[doc = include_str!("alerts.md")]
pub mod alerts {}

#[doc = include_str!("paging.md")]
pub mod paging {}

#[doc = include_str!("delivery.md")]
pub mod delivery {}

#[doc = include_str!("stores.md")]
pub mod stores {}

#[doc = include_str!("testing.md")]
pub mod testing {}

#[doc = include_str!("robustness.md")]
pub mod robustness {}

#[doc = include_str!("semver.md")]
pub mod semver {}
