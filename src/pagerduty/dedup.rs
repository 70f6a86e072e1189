//! What names an incident across runs: the dedup keys of PagerDuty alerts.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use super::check::CheckRun;
use super::limits::MAX_DEDUP_KEY_CHARS;
use crate::event::{
    ApiTestResult, AppDistributionEvent, Concurrency, ErrorGroup, EventOf, EventText, Job, VisualBuild, VisualRun,
};

/// The key of the test an event is a run of: its kind first (so that no job's parts can spell
/// another kind's key), then organization, data type and test name for a job (`None` without
/// a name to tell it by), organization, project (or build name) and branch for a visual build,
/// organization and team for concurrency; `None` for an unknown event.
pub(crate) fn of_test<T: EventText>(event: &EventOf<T>) -> Option<String> {
    written(|key| write_test(key, event))
}

/// A job's identity across runs, `None` without a name to tell it by.
pub(crate) fn of_job<T: EventText>(job: &Job<T>) -> Option<String> {
    written(|key| write_job(key, job))
}

/// A visual build's identity across builds: its project (or name) and branch.
pub(crate) fn of_visual_build(build: &VisualBuild) -> String {
    of_parts(&visual_build_parts(build))
}

fn visual_build_parts(build: &VisualBuild) -> [&str; 4] {
    let project = build.project.as_deref().unwrap_or(&build.build_name);
    ["visual", build.org_id.as_str(), project, build.branch.as_deref().unwrap_or_default()]
}

/// Concurrency's identity: the organization and, when there is one, the team.
pub(crate) fn of_concurrency(usage: &Concurrency) -> String {
    of_parts(&concurrency_parts(usage))
}

fn concurrency_parts(usage: &Concurrency) -> [&str; 3] {
    let team = usage.team.as_ref().map_or("", |team| team.id.as_str());
    ["concurrency", usage.organization.id.as_str(), team]
}

/// A check's identity across runs: its name.
pub(crate) fn of_check(check: &CheckRun) -> String {
    of_parts(&["check", trimmed(&check.name)])
}

/// A dedup key from its parts: [`write_parts`] into a new string.
pub(crate) fn of_parts(parts: &[&str]) -> String {
    let mut key = String::new();
    write_parts(&mut key, parts);
    key
}

/// [`of_test`], appended to `key`: the ledger writes its store key's prefix first, so that a
/// key costs one allocation. Whether the event has one.
pub(crate) fn write_test<T: EventText>(key: &mut String, event: &EventOf<T>) -> bool {
    match event {
        EventOf::Job(job) => return write_job(key, job),
        EventOf::ApiTest(result) => return write_api_test(key, result),
        EventOf::Unknown(_) => return false,
        EventOf::VisualBuild(build) => write_parts(key, &visual_build_parts(build)),
        EventOf::Concurrency(usage) => write_parts(key, &concurrency_parts(usage)),
        EventOf::ErrorGroup(group) => write_parts(key, &error_group_parts(group)),
        EventOf::VisualRun(run) => write_parts(key, &visual_run_parts(run)),
        EventOf::AppDistribution(app) => write_parts(key, &app_parts(app)),
    }
    true
}

/// An error group's identity: its universe, project and fingerprint.
pub(crate) fn of_error_group(group: &ErrorGroup) -> String {
    of_parts(&error_group_parts(group))
}

fn error_group_parts(group: &ErrorGroup) -> [&str; 4] {
    ["error_group", text(group.universe.as_deref()), text(group.project.as_deref()), trimmed(&group.fingerprint)]
}

/// A visual run's identity across runs: its project, group, resolution and environment.
pub(crate) fn of_visual_run(run: &VisualRun) -> String {
    of_parts(&visual_run_parts(run))
}

fn visual_run_parts(run: &VisualRun) -> [&str; 5] {
    let project = run.project_id.as_deref().or(run.project.as_deref());
    let group = run.group_id.as_deref().or(run.group.as_deref());
    ["visual_run", text(project), text(group), text(run.resolution.as_deref()), text(run.environment.as_deref())]
}

/// An app's identity for its crashes: its name, platform and version.
pub(crate) fn of_app(app: &AppDistributionEvent) -> String {
    of_parts(&app_parts(app))
}

fn app_parts(app: &AppDistributionEvent) -> [&str; 4] {
    ["app", text(app.app_name.as_deref()), text(app.platform.as_deref()), text(app.version.as_deref())]
}

/// An optional text as a key part: trimmed, empty when absent.
fn text(value: Option<&str>) -> &str {
    value.map(trimmed).unwrap_or_default()
}

/// [`write_api_test`] into a new string.
pub(crate) fn of_api_test(result: &ApiTestResult) -> Option<String> {
    written(|key| write_api_test(key, result))
}

/// An API test's identity across runs: its project and test, `None` without a test to tell
/// it by.
pub(crate) fn write_api_test(key: &mut String, result: &ApiTestResult) -> bool {
    let Some(test) = result.test() else { return false };
    write_parts(key, &["api_test", result.project_id.as_deref().unwrap_or_default(), trimmed(test)]);
    true
}

/// [`of_job`], appended to `key`. Whether the job has one.
pub(crate) fn write_job<T: EventText>(key: &mut String, job: &Job<T>) -> bool {
    let org = job.org_id.as_ref().map_or("", |org| org.as_str());
    let Some(name) = job.name.as_deref() else { return false };
    write_parts(key, &["job", org, job.data_type.as_str(), trimmed(name)]);
    true
}

/// What a writer appends to an empty string, if anything.
fn written(write: impl FnOnce(&mut String) -> bool) -> Option<String> {
    let mut key = String::new();
    write(&mut key).then_some(key)
}

/// `text` without surrounding whitespace, with a fast path for text that has none at either
/// end, as names almost always are.
pub(crate) fn trimmed(text: &str) -> &str {
    let plain = |byte: Option<&u8>| byte.is_some_and(u8::is_ascii_graphic);
    if plain(text.as_bytes().first()) && plain(text.as_bytes().last()) { text } else { text.trim() }
}

/// Appends a dedup key made of `parts` to `key`, written as a JSON array
/// (`["job","acme","vdc","checkout works"]`) so that no part can run into the next: `a/b` + `c`
/// and `a` + `b/c` stay apart.
pub(crate) fn write_parts(key: &mut String, parts: &[&str]) {
    // Parts with nothing to escape (the usual ids and names) are copied as they are: the same
    // text serde_json writes, without its per-character escaping, on the ledger's hot path.
    let plain = |part: &&str| !part.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
    if !parts.iter().all(plain) {
        key.push_str(&serde_json::to_string(parts).unwrap_or_default());
        return;
    }
    key.reserve(parts.iter().map(|part| part.len() + 3).sum::<usize>() + 2);
    key.push('[');
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push(',');
        }
        key.push('"');
        key.push_str(part);
        key.push('"');
    }
    key.push(']');
}

/// A dedup key PagerDuty accepts: as given up to 255 characters, else a stable shorter form.
pub(crate) fn bounded(key: &str) -> Cow<'_, str> {
    if key.len() <= MAX_DEDUP_KEY_CHARS || key.chars().count() <= MAX_DEDUP_KEY_CHARS {
        return Cow::Borrowed(key);
    }
    let prefix: String = key.chars().take(190).collect();
    Cow::Owned(format!("{prefix}#{}", hex::encode(Sha256::digest(key.as_bytes()))))
}

#[cfg(test)]
mod tests {
    use super::{of_parts, trimmed};

    #[test]
    fn names_are_trimmed_as_str_trim_does() {
        for name in ["checkout", " checkout ", "\tcheckout\n", "ünï", " ünï\u{3000}", "", " ", "a b"] {
            assert_eq!(trimmed(name), name.trim(), "{name:?}");
        }
    }

    #[test]
    fn plain_parts_are_written_as_serde_json_writes_them() {
        for parts in [
            &["acme", "vdc", "checkout works"][..],
            &[],
            &[""],
            &["a\"b", "c\\d", "e\nf", "ünï"],
            &["\u{7f}", "\u{1f}"],
        ] {
            assert_eq!(of_parts(parts), serde_json::to_string(parts).unwrap(), "{parts:?}");
        }
    }
}
