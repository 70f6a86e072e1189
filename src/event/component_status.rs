//! The outcome a Visual Testing component build notification names, found wherever its body
//! carries it: Sauce Labs documents the names, not the body.

use serde::Deserializer;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::values::raw_json::RawJson;

/// The outcome of a Visual Testing component (Storybook) build, as its notification names it:
/// `build.status.error`, `build.status.failure` or `build.status.success`. Sauce Labs documents
/// these names but no body, so such an event stays [`Event::Unknown`](crate::Event::Unknown);
/// [`Event::component_build_status`](crate::Event::component_build_status) finds the name
/// wherever the body carries it.
///
/// ```
/// use sauce_webhooks::{ComponentBuildStatus, Event};
///
/// let event = Event::from_slice(br#"{"type":"build.status.failure","build":{"id":"b-17"}}"#)?;
/// assert_eq!(event.component_build_status(), Some(ComponentBuildStatus::Failure));
/// assert!(ComponentBuildStatus::Failure.is_failure());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ComponentBuildStatus {
    /// `build.status.error`: the build could not run.
    Error,
    /// `build.status.failure`: the build found visual differences or failed.
    Failure,
    /// `build.status.success`: the build passed.
    Success,
}

impl ComponentBuildStatus {
    /// Every status, in declaration order.
    pub const ALL: [Self; 3] = [Self::Error, Self::Failure, Self::Success];

    /// The name Sauce Labs gives it (`build.status.failure`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Error => "build.status.error",
            Self::Failure => "build.status.failure",
            Self::Success => "build.status.success",
        }
    }

    /// The status named exactly `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.name() == name)
    }

    /// Whether it reports something wrong: an error or a failure.
    pub fn is_failure(self) -> bool {
        self != Self::Success
    }

    /// The one status that the string values of `json` name, at any depth (keys are not
    /// values, and escapes are read): `None` when none does, or when two different ones do,
    /// as a list of subscribed names would.
    pub(crate) fn named_in(json: &RawJson) -> Option<Self> {
        let mut seen = [false; 3];
        let mut reader = serde_json::Deserializer::from_str(json.as_str());
        // The text was valid JSON when kept, and nests at most 127 levels, within serde_json's
        // limit: reading it again cannot fail, and if it did, nothing would be named.
        Walk(&mut seen).deserialize(&mut reader).ok()?;
        let mut named = Self::ALL.into_iter().zip(seen).filter_map(|(status, seen)| seen.then_some(status));
        match (named.next(), named.next()) {
            (Some(status), None) => Some(status),
            _ => None,
        }
    }
}

/// Reads any JSON value, marking in `seen` (by [`ComponentBuildStatus::ALL`]'s order) each
/// status a string value names.
struct Walk<'s>(&'s mut [bool; 3]);

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, text: &str) -> Result<(), E> {
        if let Some(index) = ComponentBuildStatus::ALL.iter().position(|status| status.name() == text) {
            self.0[index] = true;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Walk(self.0))?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Walk(self.0))?.is_some() {}
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}
