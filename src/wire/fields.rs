//! Every key a Sauce Labs webhook body may carry, read in one pass.
//!
//! Parsing into one flat set of keys first lets [`Event::from_slice`](crate::Event::from_slice)
//! read the bytes once whatever the event kind, instead of trying each kind in turn or going
//! through `serde_json::Value`. Adding a key means one line in the `fields!` list below.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use time::OffsetDateTime;

use super::family::{Shape, ShapeKeys};
use super::key_table::KeyTable;
use super::nested_objects::{ConcurrencyBody, NamedRef, RdcOwnership, RdcPayload, named_ref};
use crate::event::{AppDistributionEvent, BuildSummary, DataCenter, DataType, RunTotals, Visibility};
use crate::support::lenient::{
    CountOrNames, count_or_names, frames, id, lent_strings, lent_text, lent_version, optional_u64, passed, strings,
    text, version,
};
use crate::support::open_enum::{Word, word};
use crate::support::time::{TimeOrSpan, time, time_or_span};
use crate::values::raw_json::RawJson;
use crate::values::text::Text;

/// Declares [`Fields`] from one list of `name [as "wire key" | ...] in [shapes that read it]:
/// type = reader`, with a visitor that writes each key's value straight into its field.
/// Compared with serde's derive for this many optional fields, it keeps no per-key temporaries,
/// and a repeated key takes the last value instead of failing. The shapes are those whose
/// builder (`wire/<kind>.rs`) takes the key: a body read again as one shape skips the others'
/// keys, whatever their values (see `wire/parse.rs`).
macro_rules! fields {
    ($( $name:ident $(as $($wire:literal)|+)? in [$($shape:ident),*] : $ty:ty = $read:path, )+) => {
        /// The keys of all shapes: job (webhook and REST-API names), visual build, concurrency
        /// and the raw real-device event. Absent keys are `None`; unknown keys are skipped.
        #[derive(Debug, Default)]
        pub(crate) struct Fields<'de> {
            $( pub $name: $ty, )+
            /// The shape the keys are read as, when it is known before they are read: the
            /// keys no builder of that shape takes are then skipped, whatever their values.
            pub read_as: Option<Shape>,
        }

        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Key {
            $( $name, )+
        }

        impl Key {
            /// Whether the builder of `shape` takes this key.
            fn is_read_by(self, shape: Shape) -> bool {
                match self {
                    $( Key::$name => false $( || shape == Shape::$shape )*, )+
                }
            }

            /// Every wire key with the field it fills.
            const WIRE: &[&[(&str, Key)]] = &[ $( &fields!(@entries $name $($($wire)|+)?), )+ ];

            fn of(key: &str) -> Option<Self> {
                static TABLE: KeyTable<Key> = KeyTable::new(Key::WIRE);
                TABLE.get(key)
            }
        }

        /// Reads the keys of one object, then hands them to a builder: the builder runs inside
        /// the deserializer, so a missing key's error gets the object's position, and the
        /// large `Fields` is never moved (a job's builder takes what it needs out of it).
        struct FieldsVisitor<'de, T, E>(fn(&mut Fields<'de>) -> Result<T, E>, Option<Shape>);

        impl<'de, T, E: fmt::Display> Visitor<'de> for FieldsVisitor<'de, T, E> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
                Err(de::Error::custom("expected one JSON object, found an array (Event::from_slice_batch reads arrays)"))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
                let mut fields = Fields { read_as: self.1, ..Fields::default() };
                while let Some(key) = map.next_key_seed(KeySeed)? {
                    let key = match fields.read_as {
                        Some(shape) => key.filter(|key| key.is_read_by(shape)),
                        None => key,
                    };
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
                (self.0)(&mut fields).map_err(de::Error::custom)
            }
        }
    };
    (@entries $name:ident) => { [(stringify!($name), Key::$name)] };
    (@entries $name:ident $($wire:literal)|+) => { [$( ($wire, Key::$name) ),+] };
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
// common case, a job. Each key names the shapes whose builder takes it: a key added to a
// builder and not named here is skipped when a body is read again as that shape, which
// `tests/families.rs` catches on the fixtures.
fields! {
    id in [Job]: Option<Text<'de>> = lent_text,
    data_type in [Job]: Option<DataType> = word,
    status in [Job, VisualBuild, VisualRun]: Option<Text<'de>> = lent_text,
    consolidated_status in [Job]: Option<Text<'de>> = lent_text,
    passed in [Job]: Option<bool> = passed,
    creation_time in [Job]: Option<OffsetDateTime> = time,
    modification_time in [Job]: Option<OffsetDateTime> = time,
    owner in [Job]: Option<Text<'de>> = lent_text,
    owner_sauce in [Job]: Option<Text<'de>> = lent_text,
    owner_id in [Job]: Option<String> = text,
    org_id in [Job, VisualBuild]: Option<String> = text,
    team_id in [Job]: Option<String> = text,
    team_name in [Job, RawRdc]: Option<Text<'de>> = lent_text,
    group_id in [Job]: Option<Text<'de>> = lent_text,
    name in [Job, VisualRun]: Option<Text<'de>> = lent_text,
    browser_name in [Job]: Option<Text<'de>> = lent_text,
    browser in [Job]: Option<Text<'de>> = lent_text,
    browser_version in [Job]: Option<Text<'de>> = lent_version,
    os_name in [Job]: Option<Text<'de>> = lent_text,
    os in [Job]: Option<Text<'de>> = lent_text,
    os_version in [Job]: Option<Text<'de>> = lent_version,
    duration_sec in [Job]: Option<u64> = optional_u64,
    visibility in [Job]: Option<Visibility> = word,
    public in [Job]: Option<Visibility> = public,
    tags in [Job, ApiTest]: Vec<Text<'de>> = lent_strings,
    device in [Job, AppDistribution]: Option<Text<'de>> = lent_text,
    device_name in [Job]: Option<Text<'de>> = lent_text,
    device_type in [Job]: Option<Text<'de>> = lent_text,
    app in [Job]: Option<Text<'de>> = lent_text,
    error in [Job]: Option<Text<'de>> = lent_text,
    exception in [Job, ApiTest]: Option<Text<'de>> = lent_text,
    commit_id in [Job]: Option<Text<'de>> = lent_text,
    branch_name in [Job]: Option<Text<'de>> = lent_text,
    build in [Job, AppDistribution]: Option<Text<'de>> = lent_version,
    automation_backend in [Job]: Option<Text<'de>> = lent_text,
    user_id in [VisualBuild]: Option<String> = text,
    team_ids in [VisualBuild]: Vec<String> = strings,
    creator_id in [VisualBuild]: Option<String> = text,
    build_id in [VisualBuild]: Option<String> = text,
    build_name in [VisualBuild]: Option<String> = text,
    build_url in [VisualBuild]: Option<String> = text,
    branch in [VisualBuild]: Option<String> = text,
    project in [VisualBuild, ApiTest, ErrorGroup, VisualRun]: Option<NamedRef> = named_ref,
    summary in [VisualBuild]: Option<BuildSummary> = Deserialize::deserialize,
    data_center in [VisualBuild]: Option<DataCenter> = word,
    concurrency in [Concurrency]: Option<Box<ConcurrencyBody>> = Deserialize::deserialize,
    timestamp in [Concurrency, ErrorGroup, AppDistribution]: Option<TimeOrSpan> = time_or_span,
    event_payload as "eventPayload" in [RawRdc]: Option<Box<RdcPayload>> = Deserialize::deserialize,
    ownership in [RawRdc]: Option<Box<RdcOwnership>> = Deserialize::deserialize,
    event_id as "eventId" in [ApiTest]: Option<String> = id,
    failures_count as "failuresCount" in [ApiTest]: Option<u64> = optional_u64,
    test_name as "testName" in [ApiTest]: Option<String> = text,
    test_id as "testId" in [ApiTest]: Option<String> = id,
    project_name as "projectName" in [ApiTest]: Option<String> = text,
    project_id as "projectId" in [ApiTest, VisualRun]: Option<String> = id,
    test in [ApiTest]: Option<NamedRef> = named_ref,
    date in [ApiTest]: Option<OffsetDateTime> = time,
    critical_failures as "criticalFailures" in [ApiTest]: Option<u64> = optional_u64,
    http_failures as "httpFailures" in [ApiTest]: Option<u64> = optional_u64,
    warnings_count as "warningsCount" in [ApiTest]: Option<u64> = optional_u64,
    execution_time_seconds as "executionTimeSeconds" in [ApiTest]: Option<String> = version,
    api_build_id as "buildId" in [ApiTest, AppDistribution]: Option<String> = id,
    fingerprint in [ErrorGroup]: Option<String> = id,
    universe in [ErrorGroup]: Option<String> = text,
    application in [ErrorGroup]: Option<String> = text,
    href in [ErrorGroup]: Option<String> = text,
    group_url in [ErrorGroup]: Option<String> = text,
    callstack in [ErrorGroup]: Vec<String> = frames,
    occurrences in [ErrorGroup]: Option<u64> = optional_u64,
    object_id in [ErrorGroup]: Option<String> = id,
    classifiers in [ErrorGroup]: Vec<String> = strings,
    hosts in [ErrorGroup]: Option<CountOrNames> = count_or_names,
    guids in [ErrorGroup]: Option<CountOrNames> = count_or_names,
    attributes in [ErrorGroup]: Option<RawJson> = Deserialize::deserialize,
    group in [VisualRun]: Option<String> = text,
    visual_group_id as "groupId" in [VisualRun]: Option<String> = id,
    resolution in [VisualRun]: Option<String> = text,
    environment in [VisualRun]: Option<String> = text,
    start in [VisualRun]: Option<OffsetDateTime> = time,
    end in [VisualRun]: Option<OffsetDateTime> = time,
    url in [VisualRun]: Option<String> = text,
    totals in [VisualRun]: Option<RunTotals> = Deserialize::deserialize,
    event in [AppDistribution]: Option<String> = text,
    app_name as "appName" in [AppDistribution]: Option<String> = text,
    version in [AppDistribution]: Option<String> = version,
    platform in [AppDistribution]: Option<String> = text,
    filesize in [AppDistribution]: Option<u64> = optional_u64,
    app_build_url as "buildUrl" in [AppDistribution]: Option<String> = text,
    landing_page_url as "landingPageUrl" in [AppDistribution]: Option<String> = text,
    landing_page_build_url as "landingPageBuildUrl" in [AppDistribution]: Option<String> = text,
    app_url as "appUrl" in [AppDistribution]: Option<String> = text,
    session_url as "sessionUrl" in [AppDistribution]: Option<String> = text,
    screenshot_url as "screenshotUrl" in [AppDistribution]: Option<String> = text,
    icon_url as "iconUrl" in [AppDistribution]: Option<String> = text,
    community_url as "communityUrl" in [AppDistribution]: Option<String> = text,
    referer in [AppDistribution]: Option<String> = text,
    change_log as "changeLog" in [AppDistribution]: Option<String> = text,
    tester_email as "testerEmail" in [AppDistribution]: Option<String> = text,
    email in [AppDistribution]: Option<String> = text,
    ip_address as "ipAddress" in [AppDistribution]: Option<String> = text,
    udid in [AppDistribution]: Option<String> = text,
    app_device_name as "deviceName" in [AppDistribution]: Option<String> = text,
    raw_device_name as "rawDeviceName" in [AppDistribution]: Option<String> = text,
    crash_message as "crashMessage" in [AppDistribution]: Option<String> = text,
    text in [AppDistribution]: Option<String> = text,
    correlation_id as "correlationId" in [AppDistribution]: Option<String> = id,
    listing as "jobs" | "builds" | "entities" | "items" in []: bool = present,
}

/// A text of the body as an owned `String`, for the kinds whose texts are owned.
pub(crate) fn owned(text: Option<Text<'_>>) -> Option<String> {
    text.map(Text::into_owned)
}

/// A list of the body's texts as owned `String`s.
pub(crate) fn owned_all(texts: Vec<Text<'_>>) -> Vec<String> {
    texts.into_iter().map(Text::into_owned).collect()
}

/// Whether a key is there, whatever its value (which is skipped).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Reads every known key of a JSON object and builds a `T` from them; the builder's error is
/// the message of a data error at the object. Only objects are accepted: serde's derive would
/// also take an array of values in field order, which no sender means.
pub(crate) fn read_object<'de, D, T, E>(d: D, build: fn(&mut Fields<'de>) -> Result<T, E>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    // `deserialize_any`, not `deserialize_map`, so that an array reaches `visit_seq` and its
    // error can point to `Event::from_slice_batch`.
    d.deserialize_any(FieldsVisitor(build, None))
}

/// As [`read_object`], reading the keys as `shape`: the keys no builder of that shape takes
/// are skipped, whatever their values, and [`Fields::shape`] is `shape`.
pub(crate) fn read_object_as<'de, D, T, E>(
    d: D,
    shape: Shape,
    build: fn(&mut Fields<'de>) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    d.deserialize_any(FieldsVisitor(build, Some(shape)))
}

impl Fields<'_> {
    /// The shape these keys reveal (see [`Shape`]), or the one they were read as. A key whose
    /// value was `null` or `""` counts as absent here, which only matters for bodies that are
    /// nothing but empty values; a listing key counts whatever its value.
    pub(crate) fn shape(&self) -> Shape {
        if let Some(shape) = self.read_as {
            return shape;
        }
        let present = |b: bool| b.then_some(IgnoredAny);
        ShapeKeys {
            concurrency: present(self.concurrency.is_some()),
            event_payload: present(self.event_payload.is_some()),
            event_id: present(self.event_id.is_some()),
            fingerprint: present(self.fingerprint.is_some()),
            totals: present(self.totals.is_some()),
            app_name: present(self.app_name.is_some()),
            app_event: self.event.as_deref().is_some_and(AppDistributionEvent::is_documented_event),
            build_id: present(self.build_id.is_some()),
            build_url: present(self.build_url.is_some()),
            data_center: present(self.data_center.is_some()),
            data_type: present(self.data_type.is_some()),
            creation_time: present(self.creation_time.is_some()),
            modification_time: present(self.modification_time.is_some()),
            consolidated_status: present(self.consolidated_status.is_some()),
            jobs: present(self.listing),
            builds: None,
            entities: None,
            items: None,
        }
        .shape()
    }
}

/// The REST API's `public` key: a visibility word, or a boolean (`true` public, `false` private).
/// A visitor of its own: serde's untagged enums copy the whole value before trying each form,
/// some 30 bytes for every byte of a long array sent in its place.
fn public<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Visibility>, D::Error> {
    struct PublicVisitor;
    impl Visitor<'_> for PublicVisitor {
        type Value = Option<Visibility>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a visibility, a boolean or null")
        }
        fn visit_bool<E: de::Error>(self, public: bool) -> Result<Self::Value, E> {
            Ok(Some(if public { Visibility::Public } else { Visibility::Private }))
        }
        fn visit_str<E: de::Error>(self, word: &str) -> Result<Self::Value, E> {
            Ok((!word.is_empty()).then(|| Visibility::from_wire(word)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(PublicVisitor)
}
