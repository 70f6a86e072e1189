//! Error Reporting group notifications from their keys.

use super::fields::Fields;
use crate::event::ErrorGroup;
use crate::support::lenient::CountOrNames;
use crate::support::time::TimeOrSpan;

/// Builds a group notification from the body's keys; the error names a missing required key.
pub(crate) fn from_fields(f: Fields) -> Result<ErrorGroup, &'static str> {
    let mut group = ErrorGroup::new(f.fingerprint.ok_or("fingerprint")?);
    group.universe = f.universe;
    group.project = f.project.and_then(|project| project.name);
    group.application = f.application;
    group.href = f.href;
    group.group_url = f.group_url;
    group.callstack = f.callstack;
    group.occurrences = f.occurrences;
    group.object_id = f.object_id;
    (group.first_seen, group.last_seen) = match f.timestamp {
        Some(TimeOrSpan::Span(first, last)) => (first, last),
        Some(TimeOrSpan::At(at)) => (Some(at), Some(at)),
        None => (None, None),
    };
    group.classifiers = f.classifiers;
    (group.hosts, group.host_count) = counted_or_named(f.hosts);
    (group.guids, group.guid_count) = counted_or_named(f.guids);
    group.attributes = f.attributes;
    Ok(group)
}

/// The names a key lists, or the count it gives.
fn counted_or_named(value: Option<CountOrNames>) -> (Vec<String>, Option<u64>) {
    match value {
        Some(CountOrNames::Names(names)) => (names, None),
        Some(CountOrNames::Count(count)) => (Vec::new(), Some(count)),
        None => (Vec::new(), None),
    }
}
