//! What names an incident across runs: the dedup keys of PagerDuty alerts.

use sha2::{Digest, Sha256};

use super::check::CheckRun;
use super::limits::MAX_DEDUP_KEY_CHARS;
use crate::event::{Concurrency, Event, Job, VisualBuild};

/// The key of the test an event is a run of: its kind first (so that no job's parts can spell
/// another kind's key), then organization, data type and test name for a job (`None` without
/// a name to tell it by), organization, project (or build name) and branch for a visual build,
/// organization and team for concurrency; `None` for an unknown event.
pub(crate) fn of_test(event: &Event) -> Option<String> {
    match event {
        Event::Job(job) => of_job(job),
        Event::VisualBuild(build) => Some(of_visual_build(build)),
        Event::Concurrency(usage) => Some(of_concurrency(usage)),
        Event::Unknown(_) => None,
    }
}

/// A job's identity across runs, `None` without a name to tell it by.
pub(crate) fn of_job(job: &Job) -> Option<String> {
    let org = job.org_id.as_ref().map_or("", |org| org.as_str());
    job.name.as_deref().map(|name| of_parts(&["job", org, job.data_type.as_str(), name.trim()]))
}

/// A visual build's identity across builds: its project (or name) and branch.
pub(crate) fn of_visual_build(build: &VisualBuild) -> String {
    let project = build.project.as_deref().unwrap_or(&build.build_name);
    of_parts(&["visual", build.org_id.as_str(), project, build.branch.as_deref().unwrap_or_default()])
}

/// Concurrency's identity: the organization and, when there is one, the team.
pub(crate) fn of_concurrency(usage: &Concurrency) -> String {
    let team = usage.team.as_ref().map_or("", |team| team.id.as_str());
    of_parts(&["concurrency", usage.organization.id.as_str(), team])
}

/// A check's identity across runs: its name.
pub(crate) fn of_check(check: &CheckRun) -> String {
    of_parts(&["check", check.name.trim()])
}

/// A dedup key from its parts, written as a JSON array (`["job","acme","vdc","checkout works"]`) so
/// that no part can run into the next: `a/b` + `c` and `a` + `b/c` stay apart.
pub(crate) fn of_parts(parts: &[&str]) -> String {
    // Parts with nothing to escape (the usual ids and names) are copied as they are: the same
    // text serde_json writes, without its per-character escaping, on the ledger's hot path.
    let plain = |part: &&str| !part.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
    if !parts.iter().all(plain) {
        return serde_json::to_string(parts).unwrap_or_default();
    }
    let mut key = String::with_capacity(parts.iter().map(|part| part.len() + 3).sum::<usize>() + 2);
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
    key
}

/// A dedup key PagerDuty accepts: as given up to 255 characters, else a stable shorter form.
pub(crate) fn bounded(key: String) -> String {
    if key.len() <= MAX_DEDUP_KEY_CHARS || key.chars().count() <= MAX_DEDUP_KEY_CHARS {
        return key;
    }
    let prefix: String = key.chars().take(190).collect();
    format!("{prefix}#{}", hex::encode(Sha256::digest(key.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::of_parts;

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
