//! An Error Reporting notification: a new group of errors.

use serde::ser::{Serialize, SerializeMap, Serializer};
use time::OffsetDateTime;

use crate::raw_json::RawJson;

/// A group notification of Sauce Labs Error Reporting (Backtrace): a new group of errors,
/// always a failure, told apart from other groups by its `fingerprint`. Its `timestamp` is the
/// group's `[first, last]` occurrence in epoch seconds, read into
/// [`first_seen`](Self::first_seen) and [`last_seen`](Self::last_seen); `attributes` (each
/// attribute's name to `[value, count]` pairs) is kept as sent.
///
/// It carries no user, team or organization: it reaches the subscriptions that name its
/// universe and project (`routing::Project::ErrorReporting`).
///
/// ```
/// use sauce_webhooks::Event;
///
/// let body = br#"{"universe":"acme","project":"checkout-service","fingerprint":"8a3c9e1f",
///     "callstack":"NullPointerException at CartService.total","occurrences":12,"timestamp":[1714557600,1714561200]}"#;
/// let Event::ErrorGroup(group) = Event::from_slice(body)? else { unreachable!() };
/// assert!(group.is_failure());
/// assert_eq!(group.occurrences, Some(12));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorGroup {
    /// The group's fingerprint: its identity.
    pub fingerprint: String,
    /// The Error Reporting instance (`universe`).
    pub universe: Option<String>,
    /// The project.
    pub project: Option<String>,
    /// The application.
    pub application: Option<String>,
    /// A link to the error.
    pub href: Option<String>,
    /// A link to the group.
    pub group_url: Option<String>,
    /// The call stack, as text.
    pub callstack: Option<String>,
    /// How many times it occurred.
    pub occurrences: Option<u64>,
    /// The id of the error object.
    pub object_id: Option<String>,
    /// When it first occurred.
    pub first_seen: Option<OffsetDateTime>,
    /// When it last occurred.
    pub last_seen: Option<OffsetDateTime>,
    /// Its classifiers.
    pub classifiers: Vec<String>,
    /// The hosts it occurred on.
    pub hosts: Vec<String>,
    /// The ids of the devices or processes it occurred in.
    pub guids: Vec<String>,
    /// Each attribute's values with their counts, as sent.
    pub attributes: Option<RawJson>,
}

impl ErrorGroup {
    /// The group with the fingerprint `fingerprint` and nothing else; set the other fields on
    /// the result.
    pub fn new(fingerprint: impl Into<String>) -> Self {
        Self {
            fingerprint: fingerprint.into(),
            universe: None,
            project: None,
            application: None,
            href: None,
            group_url: None,
            callstack: None,
            occurrences: None,
            object_id: None,
            first_seen: None,
            last_seen: None,
            classifiers: Vec::new(),
            hosts: Vec::new(),
            guids: Vec::new(),
            attributes: None,
        }
    }

    /// Always: a notification is sent for a new group of errors.
    pub fn is_failure(&self) -> bool {
        true
    }
}

/// Writes the notification's own shape: `timestamp` as `[first, last]` epoch seconds.
impl Serialize for ErrorGroup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("fingerprint", &self.fingerprint)?;
        let texts = [
            ("universe", &self.universe),
            ("project", &self.project),
            ("application", &self.application),
            ("href", &self.href),
            ("group_url", &self.group_url),
            ("callstack", &self.callstack),
            ("object_id", &self.object_id),
        ];
        for (key, value) in texts {
            if let Some(value) = value {
                map.serialize_entry(key, value)?;
            }
        }
        if let Some(occurrences) = self.occurrences {
            map.serialize_entry("occurrences", &occurrences)?;
        }
        if self.first_seen.is_some() || self.last_seen.is_some() {
            let seconds = [self.first_seen, self.last_seen].map(|at| at.map(OffsetDateTime::unix_timestamp));
            map.serialize_entry("timestamp", &seconds)?;
        }
        for (key, list) in [("classifiers", &self.classifiers), ("hosts", &self.hosts), ("guids", &self.guids)] {
            map.serialize_entry(key, list)?;
        }
        if let Some(attributes) = &self.attributes {
            map.serialize_entry("attributes", attributes)?;
        }
        map.end()
    }
}
