//! Every key a Sauce Labs webhook body may carry, read in one pass, and the shape they reveal.
//!
//! Parsing into one flat set of keys first lets [`Event::from_slice`](super::Event::from_slice)
//! read the bytes once whatever the event kind, instead of trying each kind in turn or going
//! through `serde_json::Value`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use time::OffsetDateTime;

use super::concurrency::ConcurrencyBody;
use super::job::{DataType, Visibility};
use super::lenient;
use super::rdc::{RdcOwnership, RdcPayload};
use super::visual::{BuildSummary, DataCenter};

/// Declares [`Fields`] from one list of `name [as "wire key"]: type = reader`, with a visitor
/// that writes each key's value straight into its field. Compared with serde's
/// derive for this many optional fields, it keeps no per-key temporaries, and a repeated key
/// takes the last value instead of failing.
macro_rules! fields {
    ($( $name:ident $(as $wire:literal)? : $ty:ty = $read:path, )+) => {
        /// The keys of all shapes: job (webhook and REST-API names), visual build, concurrency
        /// and seed 001's raw RDC event. Absent keys are `None`; unknown keys are skipped.
        #[derive(Debug, Default)]
        pub(crate) struct Fields {
            $( pub $name: $ty, )+
        }

        #[allow(non_camel_case_types)]
        enum Key {
            $( $name, )+
        }

        impl Key {
            fn of(key: &str) -> Option<Self> {
                match key {
                    $( fields!(@wire $name $($wire)?) => Some(Self::$name), )+
                    _ => None,
                }
            }
        }

        /// Reads the keys of one object, then hands them to a builder: the builder runs inside
        /// the deserializer, so a missing key's error gets the object's position, and the
        /// large `Fields` is never returned by value.
        pub(crate) struct FieldsVisitor<T>(pub fn(Fields) -> Result<T, Missing>);

        impl<'de, T> Visitor<'de> for FieldsVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
                Err(de::Error::custom("expected one JSON object, found an array (Event::from_slice_batch reads arrays)"))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
                let mut fields = Fields::default();
                while let Some(key) = map.next_key_seed(KeySeed)? {
                    match key {
                        $( Some(Key::$name) => {
                            struct Read;
                            impl<'de> DeserializeSeed<'de> for Read {
                                type Value = $ty;
                                fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$ty, D::Error> {
                                    $read(d)
                                }
                            }
                            fields.$name = map.next_value_seed(Read)?;
                        } )+
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                (self.0)(fields).map_err(de::Error::custom)
            }
        }
    };
    (@wire $name:ident) => { stringify!($name) };
    (@wire $name:ident $wire:literal) => { $wire };
}

/// Reads an object key as the [`Key`] it names, or `None` for a key no shape uses.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<Key>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Key>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Option<Key>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<Key>, E> {
        Ok(Key::of(key))
    }
}

// The kinds that only some bodies carry are boxed, keeping this struct small to move for the
// common case, a job.
fields! {
    id: Option<String> = lenient::text,
    data_type: Option<DataType> = lenient::word,
    status: Option<String> = lenient::text,
    consolidated_status: Option<String> = lenient::text,
    passed: Option<bool> = lenient::passed,
    creation_time: Option<OffsetDateTime> = lenient::time,
    modification_time: Option<OffsetDateTime> = lenient::time,
    owner: Option<String> = lenient::text,
    owner_sauce: Option<String> = lenient::text,
    owner_id: Option<String> = lenient::text,
    org_id: Option<String> = lenient::text,
    team_id: Option<String> = lenient::text,
    team_name: Option<String> = lenient::text,
    group_id: Option<String> = lenient::text,
    name: Option<String> = lenient::text,
    browser_name: Option<String> = lenient::text,
    browser: Option<String> = lenient::text,
    browser_version: Option<String> = lenient::version,
    os_name: Option<String> = lenient::text,
    os: Option<String> = lenient::text,
    os_version: Option<String> = lenient::version,
    duration_sec: Option<u64> = lenient::optional_u64,
    visibility: Option<Visibility> = lenient::word,
    public: Option<Visibility> = super::job::public,
    tags: Vec<String> = lenient::strings,
    device: Option<String> = lenient::text,
    device_name: Option<String> = lenient::text,
    device_type: Option<String> = lenient::text,
    app: Option<String> = lenient::text,
    error: Option<String> = lenient::text,
    exception: Option<String> = lenient::text,
    commit_id: Option<String> = lenient::text,
    branch_name: Option<String> = lenient::text,
    build: Option<String> = lenient::text,
    automation_backend: Option<String> = lenient::text,
    user_id: Option<String> = lenient::text,
    team_ids: Vec<String> = lenient::strings,
    creator_id: Option<String> = lenient::text,
    build_id: Option<String> = lenient::text,
    build_name: Option<String> = lenient::text,
    build_url: Option<String> = lenient::text,
    branch: Option<String> = lenient::text,
    project: Option<String> = lenient::text,
    summary: Option<BuildSummary> = Deserialize::deserialize,
    data_center: Option<DataCenter> = lenient::word,
    concurrency: Option<Box<ConcurrencyBody>> = Deserialize::deserialize,
    timestamp: Option<OffsetDateTime> = lenient::time,
    event_payload as "eventPayload": Option<Box<RdcPayload>> = Deserialize::deserialize,
    ownership: Option<Box<RdcOwnership>> = Deserialize::deserialize,
}

/// Reads every known key of a JSON object and builds a `T` from them. Only objects are
/// accepted: serde's derive would also take an array of values in field order, which no sender
/// means.
pub(crate) fn read_object<'de, D, T>(d: D, build: fn(Fields) -> Result<T, Missing>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    // `deserialize_any`, not `deserialize_map`, so that an array reaches `visit_seq` and its
    // error can point to `Event::from_slice_batch`.
    d.deserialize_any(FieldsVisitor(build))
}

/// Which kind of event a body is, told by the keys it has, in this order of precedence:
/// `concurrency`; `eventPayload`; `data_type`, `creation_time`, `modification_time` or
/// `consolidated_status` (a job); `build_id`, `build_url` or `data_center` (a visual build).
/// Jobs come before visual builds because relays add keys to jobs, and no visual build has
/// a job's defining keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Concurrency,
    RawRdc,
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
            Shape::Job => "job",
            Shape::VisualBuild => "visual build",
            Shape::Unknown => "event",
        };
        write!(f, "`{}` is missing, empty or null in this {kind}", self.field)
    }
}

/// The presence of each key that tells a shape, whatever its value.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ShapeKeys {
    concurrency: Option<IgnoredAny>,
    #[serde(rename = "eventPayload")]
    event_payload: Option<IgnoredAny>,
    build_id: Option<IgnoredAny>,
    build_url: Option<IgnoredAny>,
    data_center: Option<IgnoredAny>,
    data_type: Option<IgnoredAny>,
    creation_time: Option<IgnoredAny>,
    modification_time: Option<IgnoredAny>,
    consolidated_status: Option<IgnoredAny>,
}

impl ShapeKeys {
    pub(crate) fn shape(&self) -> Shape {
        if self.concurrency.is_some() {
            Shape::Concurrency
        } else if self.event_payload.is_some() {
            Shape::RawRdc
        } else if self.data_type.is_some()
            || self.creation_time.is_some()
            || self.modification_time.is_some()
            || self.consolidated_status.is_some()
        {
            Shape::Job
        } else if self.build_id.is_some() || self.build_url.is_some() || self.data_center.is_some() {
            Shape::VisualBuild
        } else {
            Shape::Unknown
        }
    }
}

impl Fields {
    /// The shape these keys reveal (see [`Shape`]). A key whose value was `null` or `""` counts
    /// as absent here, which only matters for bodies that are nothing but empty values.
    pub(crate) fn shape(&self) -> Shape {
        let present = |b: bool| b.then_some(IgnoredAny);
        ShapeKeys {
            concurrency: present(self.concurrency.is_some()),
            event_payload: present(self.event_payload.is_some()),
            build_id: present(self.build_id.is_some()),
            build_url: present(self.build_url.is_some()),
            data_center: present(self.data_center.is_some()),
            data_type: present(self.data_type.is_some()),
            creation_time: present(self.creation_time.is_some()),
            modification_time: present(self.modification_time.is_some()),
            consolidated_status: present(self.consolidated_status.is_some()),
        }
        .shape()
    }
}
