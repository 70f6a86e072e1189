//! The generic webhook connector: events posted to a URL of the user's, with their headers and
//! a JSON template, failures only unless told otherwise, signed if asked.
//!
//! ```
//! use sauce_webhooks::connector::{Template, WebhookConnector};
//! use sauce_webhooks::outgoing::endpoint::Endpoint;
//! use sauce_webhooks::Event;
//!
//! let connector = WebhookConnector::new(Endpoint::parse("https://chat.example.com/hooks/T123")?)
//!     .with_header("Authorization", "Bearer 7e1c9a")?
//!     .with_template(Template::parse(r#"{"text": "{{job.name}} failed: {{job.error}}"}"#)?);
//! let event = Event::from_slice(br#"{"id":"j1","status":"FAILED","creation_time":0,"name":"checkout","error":"boom"}"#)?;
//! let request = connector.request(&event)?.expect("a failure is sent");
//! assert_eq!(request.body, br#"{"text": "checkout failed: boom"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod placeholder;
mod template;
mod webhook;

pub use template::{DEFAULT_MAX_RENDERED_BODY, RenderError, Template, TemplateError};
pub use webhook::{ConnectorError, MAX_HEADER_NAME_BYTES, MAX_HEADER_VALUE_BYTES, WebhookConnector};

/// Every placeholder a template may use, in the order the error for an unknown one lists them.
/// `{{event}}` is the whole event in its documented webhook shape; `event.kind` is `job`,
/// `visual_build`, `concurrency` or `unknown`; `event.failed` is
/// [`Event::is_failure`](crate::Event::is_failure); the others are the fields of a job
/// (`job.*`), a visual build (`build.*`) or a concurrency event (`concurrency.*`), `null` when
/// the event is of another kind or lacks the field.
///
/// ```
/// let names: Vec<&str> = sauce_webhooks::connector::placeholders().collect();
/// assert!(names.contains(&"job.browser_name") && names.contains(&"build.summary"));
/// ```
pub fn placeholders() -> impl Iterator<Item = &'static str> {
    placeholder::Placeholder::names()
}
