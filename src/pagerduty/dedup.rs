//! What names an incident across runs: the dedup keys of PagerDuty alerts.

use super::check_run::CheckRun;
use crate::event::incident_key::{job_key, trimmed};
use crate::event::owners::Owners;
use crate::event::{Event, Job};
use crate::values::id::OrgId;

/// Why an event's incident cannot be keyed: nothing says whose it is, or two things disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unowned {
    /// It names no organization (a project's event), and the organization it was received
    /// for is not known.
    NoOrganization,
    /// It names an organization other than the one it was received for.
    OtherOrganization,
}

/// The organization an event's incident keys name: its own, or, for an event that names
/// none, the one it was received for, so that two organizations' projects or apps of one name
/// never share an incident. `None` for a job without an `org_id` received for no known
/// organization: its keys name none, as they always have.
///
/// # Errors
/// [`Unowned::NoOrganization`] for a project's event received for no known organization,
/// [`Unowned::OtherOrganization`] for an event naming another organization than the one it
/// was received for (as `Router::route_for` would take it to no one).
pub(crate) fn organization<'e>(
    event: &'e Event<'_>,
    received_for: Option<&'e OrgId>,
) -> Result<Option<&'e str>, Unowned> {
    let owners = Owners::of(event);
    let received = received_for.map(OrgId::as_str);
    match (owners.organization, received) {
        (Some(own), Some(received)) if own != received => Err(Unowned::OtherOrganization),
        (Some(org), _) | (None, Some(org)) => Ok(Some(org)),
        (None, None) if owners.is_a_projects() => Err(Unowned::NoOrganization),
        (None, None) => Ok(None),
    }
}

/// The key of the test an event is a run of, in the organization `org` (see
/// [`organization`]): its kind first (so that no job's parts can spell another kind's key),
/// then the organization, then data type and test name for a job (`None` without a name to
/// tell it by), project (or build name) and branch for a visual build, team for concurrency,
/// the project and what tells the test apart within it for a project's event; `None` for an
/// unknown event.
pub(crate) fn of_test(event: &Event<'_>, org: Option<&str>) -> Option<String> {
    written(|key| write_test(key, event, org))
}

/// A check's identity across runs: its organization, if the host gave one, and its name.
pub(crate) fn of_check(check: &CheckRun) -> String {
    let org = check.organization.as_ref().map_or("", OrgId::as_str);
    of_parts(&["check", org, trimmed(&check.name)])
}

/// A dedup key from its parts: [`write_parts`] into a new string.
pub(crate) fn of_parts(parts: &[&str]) -> String {
    let mut key = String::new();
    write_parts(&mut key, parts);
    key
}

/// [`of_test`], appended to `key`: the ledger writes its store key's prefix first, so that a
/// key costs one allocation. Whether the event has one.
pub(crate) fn write_test(key: &mut String, event: &Event<'_>, org: Option<&str>) -> bool {
    let Some(parts) = event.test_key(org.unwrap_or_default()) else { return false };
    write_parts(key, parts.as_slice());
    true
}

/// A job's key ([`write_test`] of its event), appended to `key`; whether it has one.
pub(crate) fn write_job(key: &mut String, job: &Job<'_>, org: &str) -> bool {
    let Some(parts) = job_key(job, org) else { return false };
    write_parts(key, parts.as_slice());
    true
}

/// What a writer appends to an empty string, if anything.
fn written(write: impl FnOnce(&mut String) -> bool) -> Option<String> {
    let mut key = String::new();
    write(&mut key).then_some(key)
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
