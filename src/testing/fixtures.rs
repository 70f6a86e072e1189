//! The documented payloads, as Sauce Labs (and the relays before it) send them.

/// A failed VDC job with every field, an error with escapes (the webhook docs' shape).
pub const VDC_JOB_FAILED: &[u8] = include_bytes!("payloads/vdc_job_failed.json");
/// A passed RDC job (the webhook docs' shape, with its empty commit fields).
pub const RDC_JOB_PASSED: &[u8] = include_bytes!("payloads/rdc_job_passed.json");
/// A job from the REST API, as some relays forward it (epoch times, `browser`, `os`, ...).
pub const REST_API_JOB: &[u8] = include_bytes!("payloads/rest_api_job.json");
/// The raw real-device event of Sauce Labs' earlier webhooks page: `eventPayload` plus
/// `ownership`, with `groupIdd`.
pub const RAW_RDC_EVENT: &[u8] = include_bytes!("payloads/raw_rdc_event.json");
/// A concurrency usage event, with its float epoch timestamp.
pub const CONCURRENCY: &[u8] = include_bytes!("payloads/concurrency.json");
/// A visual build completed, unapproved.
pub const VISUAL_BUILD: &[u8] = include_bytes!("payloads/visual_build.json");
/// An array of two jobs, as some senders batch them.
pub const BATCH_OF_TWO_JOBS: &[u8] = include_bytes!("payloads/batch_two_jobs.json");
/// A failed API Testing run, as the API Testing webhook connector's default template sends it.
pub const API_TEST_FAILED: &[u8] = include_bytes!("payloads/api_test_failed.json");
/// An Error Reporting group notification, with its `[first, last]` timestamp and attributes,
/// in the form some senders write it: `callstack` as text (a frame a line), `hosts` and
/// `guids` as lists of names. [`ERROR_GROUP_DOCUMENTED`] is the documented form.
pub const ERROR_GROUP: &[u8] = include_bytes!("payloads/error_group.json");
/// The group notification of Sauce Labs' Error Reporting webhook page, made JSON (the page's
/// sample has comments and two misplaced commas): `callstack` as a list of frames, `hosts`
/// and `guids` as counts.
pub const ERROR_GROUP_DOCUMENTED: &[u8] = include_bytes!("payloads/error_group_documented.json");
/// A visual end-to-end test run completed (the Screener form), with rejected and changed
/// screenshots.
pub const VISUAL_RUN: &[u8] = include_bytes!("payloads/visual_run.json");
/// An App Distribution upload (the current product: `build` as text).
pub const APP_DISTRIBUTION_UPLOAD: &[u8] = include_bytes!("payloads/app_distribution_upload.json");
/// App Distribution's registered device (`new-udid`), as its webhooks page documents it: a
/// device and its owner, no app.
pub const APP_DISTRIBUTION_NEW_UDID: &[u8] = include_bytes!("payloads/app_distribution_new_udid.json");
/// A PagerDuty v3 `incident.triggered` delivery.
pub const PAGERDUTY_INCIDENT_TRIGGERED: &[u8] = include_bytes!("payloads/pagerduty_incident_triggered.json");
/// A PagerDuty v3 `pagey.ping` delivery.
pub const PAGERDUTY_PING: &[u8] = include_bytes!("payloads/pagerduty_ping.json");
