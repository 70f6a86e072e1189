//! The names a template may use, derived from the events' own documented JSON, so that a field
//! added to an event is a placeholder without being listed here.

use std::borrow::Cow;
use std::sync::LazyLock;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::event::{
    ApiTestResult, AppDistributionEvent, BuildStatus, Concurrency, ConcurrencyUsage, DataCenter, ErrorGroup, Event,
    Job, JobStatus, RunTotals, Slots, VisualBuild, VisualRun,
};
use crate::values::raw_json::RawJson;

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholder {
    /// `{{event}}`: the whole event.
    Event,
    /// `{{event.kind}}`.
    Kind,
    /// `{{event.failed}}`.
    Failed,
    /// A field of one kind of event (`job.name`), by its place among the names.
    Field(u16),
}

/// Each kind's placeholder prefix, and the documented JSON of an event of that kind (keys of
/// nested objects, as `concurrency`'s, count under the prefix).
fn samples() -> [(&'static str, Map<String, Value>); 7] {
    let at = OffsetDateTime::UNIX_EPOCH;
    let job = Job::new("j", JobStatus::Passed, at);
    let build = VisualBuild::new("o", "u", "b", "n", "https://x/b", BuildStatus::Equal, DataCenter::UsWest1);
    let usage = || ConcurrencyUsage::new("o", Slots::default(), Slots::default());
    let mut concurrency = Concurrency::new(usage(), at);
    concurrency.team = Some(usage());
    [
        ("job", fields(&Event::Job(job))),
        ("build", fields(&Event::VisualBuild(build))),
        ("concurrency", fields(&Event::Concurrency(concurrency))),
        ("api_test", fields(&Event::ApiTest(api_test_with_every_field()))),
        ("error_group", fields(&Event::ErrorGroup(error_group_with_every_field()))),
        ("visual_run", fields(&Event::VisualRun(visual_run_with_every_field()))),
        ("app", fields(&Event::AppDistribution(app_with_every_field()))),
    ]
}

/// An API Testing result with every field set, as only set fields are written.
fn api_test_with_every_field() -> ApiTestResult {
    let text = || Some(String::new());
    let mut result = ApiTestResult::new("e");
    (result.test_name, result.test_id, result.project_name, result.project_id) = (text(), text(), text(), text());
    (result.execution_time_seconds, result.build_id, result.exception) = (text(), text(), text());
    (result.failures_count, result.critical_failures, result.http_failures, result.warnings_count) =
        (Some(0), Some(0), Some(0), Some(0));
    result.date = Some(OffsetDateTime::UNIX_EPOCH);
    result
}

/// An Error Reporting group with every field set, as only set fields are written.
fn error_group_with_every_field() -> ErrorGroup {
    let text = || Some(String::new());
    let mut group = ErrorGroup::new("f");
    (group.universe, group.project, group.application, group.href) = (text(), text(), text(), text());
    (group.group_url, group.object_id) = (text(), text());
    group.callstack = vec![String::new()];
    (group.occurrences, group.first_seen) = (Some(0), Some(OffsetDateTime::UNIX_EPOCH));
    group.attributes = Some(RawJson::from_value(&Value::Object(Map::new())));
    group
}

/// A visual run with every field set, as only set fields are written.
fn visual_run_with_every_field() -> VisualRun {
    let text = || Some(String::new());
    let mut run = VisualRun::new(RunTotals::default());
    (run.project, run.project_id, run.group, run.group_id, run.name) = (text(), text(), text(), text(), text());
    (run.resolution, run.environment, run.status, run.url) = (text(), text(), text(), text());
    (run.start, run.end) = (Some(OffsetDateTime::UNIX_EPOCH), Some(OffsetDateTime::UNIX_EPOCH));
    run
}

/// An App Distribution event with every field set, as only set fields are written.
fn app_with_every_field() -> AppDistributionEvent {
    let text = || Some(String::new());
    let mut app = AppDistributionEvent::new("crash");
    app.app_name = text();
    (app.timestamp, app.filesize) = (Some(OffsetDateTime::UNIX_EPOCH), Some(0));
    (app.version, app.build, app.platform, app.build_id, app.change_log) = (text(), text(), text(), text(), text());
    (app.tester_email, app.email, app.ip_address, app.udid, app.device) = (text(), text(), text(), text(), text());
    (app.device_name, app.raw_device_name, app.crash_message, app.text) = (text(), text(), text(), text());
    app.correlation_id = text();
    let links = &mut app.links;
    (links.build_url, links.landing_page_url, links.landing_page_build_url) = (text(), text(), text());
    (links.app_url, links.session_url, links.screenshot_url) = (text(), text(), text());
    (links.icon_url, links.community_url, links.referer) = (text(), text(), text());
    app
}

/// The keys of the event's JSON, with those of `concurrency`'s object lifted to the top.
fn fields(event: &Event) -> Map<String, Value> {
    let Ok(Value::Object(mut map)) = serde_json::to_value(event) else { return Map::new() };
    if let Some(Value::Object(inner)) = map.remove("concurrency") {
        map.extend(inner);
    }
    map
}

static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut names = vec!["event".to_owned(), "event.kind".to_owned(), "event.failed".to_owned()];
    for (prefix, keys) in samples() {
        names.extend(keys.keys().map(|key| format!("{prefix}.{key}")));
    }
    names
});

impl Placeholder {
    /// Every valid name.
    pub(crate) fn names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(String::as_str)
    }

    /// Its name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Kind => "event.kind",
            Self::Failed => "event.failed",
            Self::Field(at) => &NAMES[usize::from(at)],
        }
    }

    /// The placeholder a name stands for, if any.
    pub(crate) fn named(name: &str) -> Option<Self> {
        match name {
            "event" => Some(Self::Event),
            "event.kind" => Some(Self::Kind),
            "event.failed" => Some(Self::Failed),
            _ => NAMES.iter().position(|known| known == name).and_then(|at| u16::try_from(at).ok()).map(Self::Field),
        }
    }

    /// Its value for `event`, whose documented JSON `json` gives: borrowed from it, as a
    /// field may be large.
    pub(crate) fn value<'a>(self, event: &Event, json: impl FnOnce() -> &'a Value) -> Cow<'a, Value> {
        let kind = match event {
            Event::Job(_) => "job",
            Event::VisualBuild(_) => "build",
            Event::Concurrency(_) => "concurrency",
            Event::ApiTest(_) => "api_test",
            Event::ErrorGroup(_) => "error_group",
            Event::VisualRun(_) => "visual_run",
            Event::AppDistribution(_) => "app",
            Event::Unknown(_) => "unknown",
        };
        match self {
            Self::Event => Cow::Borrowed(json()),
            Self::Kind => Cow::Owned(Value::from(if kind == "build" { "visual_build" } else { kind })),
            Self::Failed => Cow::Owned(Value::from(event.is_failure())),
            Self::Field(at) => match NAMES[usize::from(at)].split_once('.') {
                Some(("concurrency", "timestamp")) if kind == "concurrency" => Cow::Borrowed(&json()["timestamp"]),
                Some(("concurrency", field)) if kind == "concurrency" => Cow::Borrowed(&json()["concurrency"][field]),
                Some((prefix, field)) if prefix == kind => Cow::Borrowed(&json()[field]),
                _ => Cow::Owned(Value::Null),
            },
        }
    }
}
