//! A kit for testing your own receiver: builders with realistic defaults for every event kind,
//! signed requests ready to send, and the documented payloads as bytes. Enable the `testing`
//! feature in your dev-dependencies.
//!
//! ```
//! use sauce_webhooks::signature::{Secret, Verifier};
//! use sauce_webhooks::testing::{signed, JobBuilder};
//! use sauce_webhooks::{Event, JobStatus};
//!
//! let secret = Secret::new("test-token")?;
//! let event = JobBuilder::new().with_name("checkout works").failed().with_tag("severity:critical").event();
//! let request = signed(&secret, &event);
//!
//! // What your handler does with it:
//! let verified = Verifier::new(secret).verify(&request.body, Some(&request.header_value))?;
//! let Event::Job(job) = verified.event()? else { unreachable!() };
//! assert_eq!(job.status, JobStatus::Failed);
//! assert_eq!(request.header_name, "saucelabs-sign");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builders;
pub mod fixtures;
mod runs;
mod signed;

pub use builders::{
    ApiTestBuilder, AppDistributionBuilder, ConcurrencyBuilder, ErrorGroupBuilder, JobBuilder, VisualBuildBuilder,
    VisualRunBuilder,
};
pub use runs::TestRuns;
pub use signed::{SignedRequest, signed, signed_bytes, signed_pagerduty};

/// The organization the builders use unless told otherwise.
pub const ORG_ID: &str = "7fb25570b4064716b9b6daae1a846790";
/// The team the builders use unless told otherwise.
pub const TEAM_ID: &str = "98b9f34e596047d99abba56f517846a9";
/// The user the builders use unless told otherwise.
pub const USER_ID: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
/// The API Testing project of built API test results.
pub const API_TESTING_PROJECT_ID: &str = "65a7c0ffb3d4f50011aa2200";
