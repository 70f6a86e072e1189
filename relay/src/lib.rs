//! The relay a team deploys: Sauce Labs webhooks in, PagerDuty pages and webhook posts out,
//! through an outbox in SQLite, so that nothing is lost on a crash or a restart. The binary is
//! `sauce-relay` (`src/bin/sauce-relay.rs`); this library is what it runs, for its tests and benches.
//!
//! ```text
//! bin/         the command line: run, check, endpoints, dead-letters
//! run.rs       wiring: start, drain on SIGTERM          check.rs, ops.rs   the other commands
//! http.rs      routes: /webhooks/sauce /health /ready /metrics            server.rs  the HTTP/1.1 loop
//! intake.rs    a body, in one transaction               deliver.rs   the delivery workers
//! housekeeping.rs  counts, pruning, re-enabling         metrics.rs   what /metrics shows
//! setup.rs     configuration to running parts           config.rs    the configuration file
//! database.rs  what it needs of a store crate             log.rs, shown.rs   log lines, URLs shown
//! ```

pub mod check;
pub mod config;
pub mod database;
pub mod deliver;
pub mod heartbeat;
pub mod housekeeping;
pub mod http;
pub mod intake;
pub mod log;
pub mod metrics;
pub mod ops;
pub mod run;
pub mod server;
pub mod setup;
pub mod shown;
