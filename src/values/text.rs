//! The texts of a borrowed event: lent straight from the body it was parsed from, or owned.

use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::{Serialize, Serializer};

/// A text of an [`Event`](crate::Event)'s job: it derefs to `str`, and remembers whether the
/// parser lent it straight from the body.
///
/// A JSON string without a backslash is lent: no copy, and since such a string holds nothing
/// JSON escapes, writing it back into a JSON body (an alert's, say) needs no escape scan. A
/// string with escapes is unescaped into an owned copy. A `Text` you build yourself, from a
/// `&str` or a `String`, is never taken for lent: nothing vouches for what it holds.
///
/// ```
/// use sauce_webhooks::{Event, Text};
///
/// let body = br#"{"id":"a1","status":"FAILED","creation_time":0,"name":"checkout works","error":"said \"no\"","tags":["smoke"]}"#;
/// let Event::Job(job) = Event::from_slice_borrowed(body)? else { unreachable!() };
/// let name = job.name.as_ref().unwrap();
/// assert_eq!(name, "checkout works");
/// assert!(name.is_lent());
/// assert!(!job.error.as_ref().unwrap().is_lent(), "unescaped, so owned");
/// assert!(!Text::from("checkout works").is_lent());
/// assert!(job.tags.iter().any(|tag| tag == "smoke") && "checkout works" == *name);
/// let owned: String = job.name.unwrap_or_default().into();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Text<'a>(Repr<'a>);

#[derive(Clone)]
enum Repr<'a> {
    /// Lent by the parser from the body, JSON string content without a backslash.
    Lent(&'a str),
    /// Borrowed from the caller, who vouches for nothing.
    Borrowed(&'a str),
    Owned(String),
}

impl<'a> Text<'a> {
    /// Text the parser found in a body without a backslash, which JSON therefore wrote
    /// without escapes: it holds no quote, backslash or control character. Only serde_json
    /// reading bytes or a `str` lends such text; another deserializer (a `Value`'s) lends
    /// strings that may hold anything, so an event read through one is made owned
    /// ([`Event::into_owned`](crate::Event::into_owned)) before anyone sees it.
    pub(crate) fn lent(text: &'a str) -> Self {
        Self(Repr::Lent(text))
    }

    /// Whether the parser lent this text straight from the body.
    pub fn is_lent(&self) -> bool {
        matches!(self.0, Repr::Lent(_))
    }

    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Lent(text) | Repr::Borrowed(text) => text,
            Repr::Owned(text) => text,
        }
    }

    /// The text as one that borrows nothing, copied if it did: for an event to keep.
    pub fn into_static(self) -> Text<'static> {
        match self.0 {
            Repr::Lent(text) | Repr::Borrowed(text) => Text(Repr::Owned(text.to_owned())),
            Repr::Owned(text) => Text(Repr::Owned(text)),
        }
    }

    /// The text as an owned `String`, copied if it was borrowed.
    pub fn into_owned(self) -> String {
        match self.0 {
            Repr::Lent(text) | Repr::Borrowed(text) => text.to_owned(),
            Repr::Owned(text) => text,
        }
    }
}

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(text: &'a str) -> Self {
        Self(Repr::Borrowed(text))
    }
}

impl From<String> for Text<'_> {
    fn from(text: String) -> Self {
        Self(Repr::Owned(text))
    }
}

impl<'a> From<Cow<'a, str>> for Text<'a> {
    fn from(text: Cow<'a, str>) -> Self {
        match text {
            Cow::Borrowed(text) => text.into(),
            Cow::Owned(text) => text.into(),
        }
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// Equal when the texts are, wherever they live.
impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text<'_> {}

impl Hash for Text<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

// Ordered as the texts are, so that a `Text` sorts and keys a `BTreeMap` as a `str` would.
impl PartialOrd for Text<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

// Sound because `Hash`, `Eq` and `Ord` are the `str`'s: a `HashMap<Text, _>` is looked up by `&str`.
impl Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

/// The empty text, borrowing nothing.
impl Default for Text<'_> {
    fn default() -> Self {
        Self(Repr::Borrowed(""))
    }
}

impl From<Text<'_>> for String {
    fn from(text: Text<'_>) -> Self {
        text.into_owned()
    }
}

/// `Text == str`, `str == Text` and the like for `&str` and `String`.
macro_rules! equal_to_str {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for Text<'_> {
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }

        impl PartialEq<Text<'_>> for $other {
            fn eq(&self, other: &Text<'_>) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}

equal_to_str!(str, &str, String);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
