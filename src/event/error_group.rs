//! An Error Reporting notification: a new group of errors.

use serde::ser::{Serialize, SerializeMap, SerializeTuple, Serializer};
use time::OffsetDateTime;

use crate::support::time::serialize_epoch_seconds;
use crate::values::raw_json::RawJson;

/// A group notification of Sauce Labs Error Reporting (Backtrace): a new group of errors,
/// always a failure, told apart from other groups by its `fingerprint`. Its `timestamp` is the
/// group's `[first, last]` occurrence in epoch seconds, read into
/// [`first_seen`](Self::first_seen) and [`last_seen`](Self::last_seen); its `callstack` is a
/// list of frames (a text is read a frame a line); `hosts` and `guids` are counts, as Sauce
/// Labs' Error Reporting webhook page documents them, or lists of names; `attributes` (each
/// attribute's name to `[value, count]` pairs) is kept as sent.
///
/// It carries no user, team or organization: it reaches the subscriptions that name its
/// universe and project (`routing::Project::ErrorReporting`).
///
/// ```
/// use sauce_webhooks::Event;
///
/// let body = br#"{"universe":"acme","project":"checkout-service","fingerprint":"8a3c9e1f",
///     "callstack":["printf","my_fn","main"],"occurrences":12,"timestamp":[1714557600,1714561200],"hosts":4}"#;
/// let Event::ErrorGroup(group) = Event::from_slice(body)? else { unreachable!() };
/// assert!(group.is_failure());
/// assert_eq!(group.callstack, ["printf", "my_fn", "main"]);
/// assert_eq!((group.occurrences, group.host_count), (Some(12), Some(4)));
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
    /// The call stack's frames, innermost first (at most 1000: the rest are not kept).
    pub callstack: Vec<String>,
    /// How many times it occurred.
    pub occurrences: Option<u64>,
    /// The id of the error object.
    pub object_id: Option<String>,
    /// When it first occurred: the pair's first time (`[t]` is both first and last). A pair
    /// the wrong way round is kept as sent; the ledger orders groups by the later of the two.
    pub first_seen: Option<OffsetDateTime>,
    /// When it last occurred: the pair's second time.
    pub last_seen: Option<OffsetDateTime>,
    /// Its classifiers.
    pub classifiers: Vec<String>,
    /// The hosts it occurred on, when the body lists them.
    pub hosts: Vec<String>,
    /// How many hosts it occurred on, when the body counts them (as documented); written
    /// in place of [`hosts`](Self::hosts) when set.
    pub host_count: Option<u64>,
    /// The ids of the devices or processes it occurred in, when the body lists them.
    pub guids: Vec<String>,
    /// How many devices or processes it occurred in, when the body counts them (as
    /// documented); written in place of [`guids`](Self::guids) when set.
    pub guid_count: Option<u64>,
    /// Each attribute's values with their counts, as sent. JSON that cannot be read back (a
    /// lone surrogate such as `"\ud800"`, a number past `f64` such as `1e400`) refuses the
    /// whole notification, as anywhere in a body.
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
            callstack: Vec::new(),
            occurrences: None,
            object_id: None,
            first_seen: None,
            last_seen: None,
            classifiers: Vec::new(),
            hosts: Vec::new(),
            host_count: None,
            guids: Vec::new(),
            guid_count: None,
            attributes: None,
        }
    }

    /// Always: a notification is sent for a new group of errors.
    pub fn is_failure(&self) -> bool {
        true
    }
}

/// `[first, last]` in epoch seconds, with their fractions (see [`serialize_epoch_seconds`]).
struct Span(Option<OffsetDateTime>, Option<OffsetDateTime>);

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// One time of the pair, or `null`.
        struct Seconds(Option<OffsetDateTime>);
        impl Serialize for Seconds {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match &self.0 {
                    Some(at) => serialize_epoch_seconds(at, s),
                    None => s.serialize_none(),
                }
            }
        }
        let mut pair = s.serialize_tuple(2)?;
        pair.serialize_element(&Seconds(self.0))?;
        pair.serialize_element(&Seconds(self.1))?;
        pair.end()
    }
}

/// Writes the notification's own shape: `timestamp` as `[first, last]` epoch seconds (with a
/// fraction where there is one),
/// `callstack` as a list of frames, `hosts` and `guids` as counts where counted.
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
            map.serialize_entry("timestamp", &Span(self.first_seen, self.last_seen))?;
        }
        if !self.callstack.is_empty() {
            map.serialize_entry("callstack", &self.callstack)?;
        }
        map.serialize_entry("classifiers", &self.classifiers)?;
        for (key, count, list) in [("hosts", self.host_count, &self.hosts), ("guids", self.guid_count, &self.guids)] {
            match count {
                Some(count) => map.serialize_entry(key, &count)?,
                None => map.serialize_entry(key, list)?,
            }
        }
        if let Some(attributes) = &self.attributes {
            map.serialize_entry("attributes", attributes)?;
        }
        map.end()
    }
}
