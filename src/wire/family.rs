//! Which kind of event a body is, told by the keys it has.

use std::fmt;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::event::AppDistributionEvent;

/// The kind of event a body's keys reveal, in this order of precedence: `concurrency`;
/// `eventPayload`; `eventId` (an API Testing result); `fingerprint` (an Error Reporting
/// group); `totals` (a visual end-to-end run); `appName` (an App Distribution event);
/// none at all when the body lists or counts other records (`jobs`, `builds`,
/// `entities` or `items`: a Sauce Labs REST build record or a list envelope, never an event);
/// `data_type`, `creation_time`, `modification_time` or `consolidated_status` (a job);
/// `build_id`, `build_url` or `data_center` (a visual build); last, an `event` that is one of
/// App Distribution's documented words (`upload`, `new-udid`, ...: an App Distribution event
/// of no app). Jobs come before visual builds because relays add keys to jobs, and no visual
/// build has a job's defining keys; the `event` word comes last, as the weakest sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Concurrency,
    RawRdc,
    ApiTest,
    ErrorGroup,
    VisualRun,
    AppDistribution,
    Job,
    VisualBuild,
    Unknown,
}

impl Shape {
    /// The error for a required key absent (or empty, or null) in a body of this shape.
    pub(crate) fn missing(self, field: &'static str) -> Missing {
        Missing { field, shape: self }
    }
}

/// A required key that is absent, empty or null, in a body read as a given shape. Saying the
/// shape matters: a body read as the wrong kind shows it here.
#[derive(Debug)]
pub(crate) struct Missing {
    field: &'static str,
    shape: Shape,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.shape {
            Shape::Concurrency => "concurrency event",
            Shape::RawRdc => "raw real-device event",
            Shape::ApiTest => "API Testing result",
            Shape::ErrorGroup => "Error Reporting notification",
            Shape::VisualRun => "visual run",
            Shape::AppDistribution => "App Distribution event",
            Shape::Job => "job",
            Shape::VisualBuild => "visual build",
            Shape::Unknown => "event",
        };
        write!(f, "`{}` is missing, empty or null in this {kind}", self.field)
    }
}

/// The presence of each key that tells a shape, whatever its value (`Fields::shape` fills it
/// from the keys it read).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ShapeKeys {
    pub(crate) concurrency: Option<IgnoredAny>,
    #[serde(rename = "eventPayload")]
    pub(crate) event_payload: Option<IgnoredAny>,
    #[serde(rename = "eventId")]
    pub(crate) event_id: Option<IgnoredAny>,
    pub(crate) fingerprint: Option<IgnoredAny>,
    pub(crate) totals: Option<IgnoredAny>,
    #[serde(rename = "appName")]
    pub(crate) app_name: Option<IgnoredAny>,
    #[serde(rename = "event", deserialize_with = "app_distribution_word")]
    pub(crate) app_event: bool,
    pub(crate) build_id: Option<IgnoredAny>,
    pub(crate) build_url: Option<IgnoredAny>,
    pub(crate) data_center: Option<IgnoredAny>,
    pub(crate) data_type: Option<IgnoredAny>,
    pub(crate) creation_time: Option<IgnoredAny>,
    pub(crate) modification_time: Option<IgnoredAny>,
    pub(crate) consolidated_status: Option<IgnoredAny>,
    pub(crate) jobs: Option<IgnoredAny>,
    pub(crate) builds: Option<IgnoredAny>,
    pub(crate) entities: Option<IgnoredAny>,
    pub(crate) items: Option<IgnoredAny>,
}

impl ShapeKeys {
    pub(crate) fn shape(&self) -> Shape {
        let listing = self.jobs.is_some() || self.builds.is_some() || self.entities.is_some() || self.items.is_some();
        if self.concurrency.is_some() {
            Shape::Concurrency
        } else if self.event_payload.is_some() {
            Shape::RawRdc
        } else if self.event_id.is_some() {
            Shape::ApiTest
        } else if self.fingerprint.is_some() {
            Shape::ErrorGroup
        } else if self.totals.is_some() {
            Shape::VisualRun
        } else if self.app_name.is_some() {
            Shape::AppDistribution
        } else if listing {
            Shape::Unknown
        } else if self.data_type.is_some()
            || self.creation_time.is_some()
            || self.modification_time.is_some()
            || self.consolidated_status.is_some()
        {
            Shape::Job
        } else if self.build_id.is_some() || self.build_url.is_some() || self.data_center.is_some() {
            Shape::VisualBuild
        } else if self.app_event {
            Shape::AppDistribution
        } else {
            Shape::Unknown
        }
    }
}

/// Whether an `event` key holds one of App Distribution's documented words; any other value
/// (another word, a PagerDuty webhook's `event` object) says nothing, and is no error.
fn app_distribution_word<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct WordVisitor;
    impl<'de> serde::de::Visitor<'de> for WordVisitor {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_str<E: serde::de::Error>(self, word: &str) -> Result<bool, E> {
            Ok(AppDistributionEvent::is_documented_event(word))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(false)
        }
    }
    d.deserialize_any(WordVisitor)
}
