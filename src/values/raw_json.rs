//! JSON kept as the sender wrote it: what the crate does not type, it keeps, at the cost of
//! its own bytes and no more.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// A JSON value kept as its text: the body of an [`Event::Unknown`](crate::Event::Unknown), and
/// the parts of a PagerDuty webhook the crate does not type.
///
/// It holds exactly the bytes the sender wrote (one copy), where a `serde_json::Value` of the
/// same text can take sixteen times as much; read it with [`to_value`](RawJson::to_value) or
/// [`deserialize`](RawJson::deserialize) when you need it. Like a `Value`, it nests at most
/// 127 levels, so that serde_json can always read it again. Serializing writes the text back
/// as it is; two are equal when their texts are.
///
/// ```
/// use sauce_webhooks::Event;
///
/// let Event::Unknown(json) = Event::from_slice(br#"{"kind": "something-new", "id": 42}"#)? else { unreachable!() };
/// assert_eq!(json.as_str(), r#"{"kind": "something-new", "id": 42}"#);
/// assert_eq!(json.to_value()?["kind"], "something-new");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// The JSON text, as received.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The JSON as a `serde_json::Value`.
    ///
    /// # Errors
    /// What serde_json says when it cannot hold a value the text has, such as a number beyond
    /// `f64` (`1e999`), which JSON allows but most readers refuse.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }

    /// The JSON read as a `T`.
    ///
    /// # Errors
    /// What serde_json says when the text is not a `T`.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }

    /// The JSON text of `value`, for building one by hand.
    pub fn from_value(value: &Value) -> Self {
        // Writing a `Value` cannot fail, and what it writes is valid JSON.
        Self(RawValue::from_string(value.to_string()).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RawJson {}

impl Hash for RawJson {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for RawJson {
    /// The text, escaped, so that newlines or terminal controls between its tokens cannot
    /// forge a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({:?})", self.as_str())
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    /// Keeps the text, with serde_json (from bytes, text or a `serde_json::Value`); a value
    /// nested deeper than 127 levels is refused, as serde_json refuses it.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let mut text = serde_json::Deserializer::from_str(raw.get());
        // The text is JSON already, but serde_json does not count its levels nor read its
        // numbers while keeping it (`1e999` passes).
        Nested(MAX_NESTING).deserialize(&mut text).map_err(|err| de::Error::custom(without_position(&err)))?;
        Ok(Self(raw))
    }
}

/// serde_json's message without its " at line L column C", for an error whose position is
/// not the reader's.
pub(crate) fn without_position(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    full.strip_suffix(&suffix).map_or_else(|| full.clone(), str::to_owned)
}

/// How deep serde_json reads: 127 levels of arrays and objects.
const MAX_NESTING: usize = 127;

/// Any JSON value, skipped, refused when it nests deeper than the levels left: serde_json skips
/// without counting levels, so what the crate keeps as text is counted here, to stay readable.
#[derive(Clone, Copy)]
pub(crate) struct Nested(pub(crate) usize);

impl<'de> DeserializeSeed<'de> for Nested {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Nested {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

impl Nested {
    /// The levels left inside one more array or object.
    fn inner<E: de::Error>(self) -> Result<Self, E> {
        self.0.checked_sub(1).map(Self).ok_or_else(|| E::custom("recursion limit exceeded"))
    }
}

/// Reads any JSON value nested at most 127 levels, keeping nothing: for finding where a body
/// kept as text is too deep.
pub(crate) struct WithinNesting;

impl<'de> Deserialize<'de> for WithinNesting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Nested(MAX_NESTING).deserialize(d).map(|()| Self)
    }
}
