//! Every key a Sauce Labs webhook body may carry, read in one pass.
//!
//! Parsing into one flat set of keys first lets [`Event::from_slice`](crate::Event::from_slice)
//! read the bytes once whatever the event kind, instead of trying each kind in turn or going
//! through `serde_json::Value`. Adding a key means one line in the `fields!` list below.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use time::OffsetDateTime;

use super::key_table::KeyTable;
use super::nested::{ConcurrencyBody, NamedRef, RdcOwnership, RdcPayload, named_ref};
use super::shape::{Shape, ShapeKeys};
use crate::event::{AppDistributionEvent, BuildSummary, DataCenter, DataType, RunTotals, Visibility};
use crate::raw_json::RawJson;
use crate::support::open_enum::{Word, word};
use crate::support::read::{
    CountOrNames, count_or_names, frames, id, lent_strings, lent_text, lent_version, optional_u64, passed, strings,
    text, version,
};
use crate::support::time::{TimeOrSpan, time, time_or_span};
use crate::text::Text;

/// Declares [`Fields`] from one list of `name [as "wire key" | ...]: type = reader`, with a visitor
/// that writes each key's value straight into its field. Compared with serde's derive for this
/// many optional fields, it keeps no per-key temporaries, and a repeated key takes the last
/// value instead of failing.
macro_rules! fields {
    ($( $name:ident $(as $($wire:literal)|+)? : $ty:ty = $read:path, )+) => {
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
// common case, a job.
fields! {
    id: Option<Text<'de>> = lent_text,
    data_type: Option<DataType> = word,
    status: Option<Text<'de>> = lent_text,
    consolidated_status: Option<Text<'de>> = lent_text,
    passed: Option<bool> = passed,
    creation_time: Option<OffsetDateTime> = time,
    modification_time: Option<OffsetDateTime> = time,
    owner: Option<Text<'de>> = lent_text,
    owner_sauce: Option<Text<'de>> = lent_text,
    owner_id: Option<String> = text,
    org_id: Option<String> = text,
    team_id: Option<String> = text,
    team_name: Option<Text<'de>> = lent_text,
    group_id: Option<Text<'de>> = lent_text,
    name: Option<Text<'de>> = lent_text,
    browser_name: Option<Text<'de>> = lent_text,
    browser: Option<Text<'de>> = lent_text,
    browser_version: Option<Text<'de>> = lent_version,
    os_name: Option<Text<'de>> = lent_text,
    os: Option<Text<'de>> = lent_text,
    os_version: Option<Text<'de>> = lent_version,
    duration_sec: Option<u64> = optional_u64,
    visibility: Option<Visibility> = word,
    public: Option<Visibility> = public,
    tags: Vec<Text<'de>> = lent_strings,
    device: Option<Text<'de>> = lent_text,
    device_name: Option<Text<'de>> = lent_text,
    device_type: Option<Text<'de>> = lent_text,
    app: Option<Text<'de>> = lent_text,
    error: Option<Text<'de>> = lent_text,
    exception: Option<Text<'de>> = lent_text,
    commit_id: Option<Text<'de>> = lent_text,
    branch_name: Option<Text<'de>> = lent_text,
    build: Option<Text<'de>> = lent_version,
    automation_backend: Option<Text<'de>> = lent_text,
    user_id: Option<String> = text,
    team_ids: Vec<String> = strings,
    creator_id: Option<String> = text,
    build_id: Option<String> = text,
    build_name: Option<String> = text,
    build_url: Option<String> = text,
    branch: Option<String> = text,
    project: Option<NamedRef> = named_ref,
    summary: Option<BuildSummary> = Deserialize::deserialize,
    data_center: Option<DataCenter> = word,
    concurrency: Option<Box<ConcurrencyBody>> = Deserialize::deserialize,
    timestamp: Option<TimeOrSpan> = time_or_span,
    event_payload as "eventPayload": Option<Box<RdcPayload>> = Deserialize::deserialize,
    ownership: Option<Box<RdcOwnership>> = Deserialize::deserialize,
    event_id as "eventId": Option<String> = id,
    failures_count as "failuresCount": Option<u64> = optional_u64,
    test_name as "testName": Option<String> = text,
    test_id as "testId": Option<String> = id,
    project_name as "projectName": Option<String> = text,
    project_id as "projectId": Option<String> = id,
    test: Option<NamedRef> = named_ref,
    date: Option<OffsetDateTime> = time,
    critical_failures as "criticalFailures": Option<u64> = optional_u64,
    http_failures as "httpFailures": Option<u64> = optional_u64,
    warnings_count as "warningsCount": Option<u64> = optional_u64,
    execution_time_seconds as "executionTimeSeconds": Option<String> = version,
    api_build_id as "buildId": Option<String> = id,
    fingerprint: Option<String> = id,
    universe: Option<String> = text,
    application: Option<String> = text,
    href: Option<String> = text,
    group_url: Option<String> = text,
    callstack: Vec<String> = frames,
    occurrences: Option<u64> = optional_u64,
    object_id: Option<String> = id,
    classifiers: Vec<String> = strings,
    hosts: Option<CountOrNames> = count_or_names,
    guids: Option<CountOrNames> = count_or_names,
    attributes: Option<RawJson> = Deserialize::deserialize,
    group: Option<String> = text,
    visual_group_id as "groupId": Option<String> = id,
    resolution: Option<String> = text,
    environment: Option<String> = text,
    start: Option<OffsetDateTime> = time,
    end: Option<OffsetDateTime> = time,
    url: Option<String> = text,
    totals: Option<RunTotals> = Deserialize::deserialize,
    event: Option<String> = text,
    app_name as "appName": Option<String> = text,
    version: Option<String> = version,
    platform: Option<String> = text,
    filesize: Option<u64> = optional_u64,
    app_build_url as "buildUrl": Option<String> = text,
    landing_page_url as "landingPageUrl": Option<String> = text,
    landing_page_build_url as "landingPageBuildUrl": Option<String> = text,
    app_url as "appUrl": Option<String> = text,
    session_url as "sessionUrl": Option<String> = text,
    screenshot_url as "screenshotUrl": Option<String> = text,
    icon_url as "iconUrl": Option<String> = text,
    community_url as "communityUrl": Option<String> = text,
    referer: Option<String> = text,
    change_log as "changeLog": Option<String> = text,
    tester_email as "testerEmail": Option<String> = text,
    email: Option<String> = text,
    ip_address as "ipAddress": Option<String> = text,
    udid: Option<String> = text,
    app_device_name as "deviceName": Option<String> = text,
    raw_device_name as "rawDeviceName": Option<String> = text,
    crash_message as "crashMessage": Option<String> = text,
    text: Option<String> = text,
    correlation_id as "correlationId": Option<String> = id,
    listing as "jobs" | "builds" | "entities" | "items": bool = present,
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

impl Key {
    /// Whether the builder of `shape` takes this key (in `wire/<kind>.rs`). A key of another
    /// kind is then skipped when a body is read again as `shape` (see `wire/parse.rs`), so that
    /// a value of another form there, meaning something else to this sender, refuses nothing.
    fn is_read_by(self, shape: Shape) -> bool {
        use Key::*;
        match shape {
            Shape::Job => matches!(
                self,
                id | data_type
                    | status
                    | consolidated_status
                    | passed
                    | creation_time
                    | modification_time
                    | owner
                    | owner_sauce
                    | owner_id
                    | org_id
                    | team_id
                    | team_name
                    | group_id
                    | name
                    | browser_name
                    | browser
                    | browser_version
                    | os_name
                    | os
                    | os_version
                    | duration_sec
                    | visibility
                    | public
                    | tags
                    | device
                    | device_name
                    | device_type
                    | app
                    | error
                    | exception
                    | commit_id
                    | branch_name
                    | build
                    | automation_backend
            ),
            Shape::RawRdc => matches!(self, event_payload | ownership | team_name),
            Shape::VisualBuild => matches!(
                self,
                org_id
                    | user_id
                    | team_ids
                    | creator_id
                    | build_id
                    | build_name
                    | build_url
                    | status
                    | branch
                    | project
                    | summary
                    | data_center
            ),
            Shape::Concurrency => matches!(self, concurrency | timestamp),
            Shape::ApiTest => matches!(
                self,
                event_id
                    | failures_count
                    | test_name
                    | test_id
                    | project_name
                    | project_id
                    | project
                    | test
                    | tags
                    | date
                    | critical_failures
                    | http_failures
                    | warnings_count
                    | execution_time_seconds
                    | api_build_id
                    | exception
            ),
            Shape::ErrorGroup => matches!(
                self,
                fingerprint
                    | universe
                    | project
                    | application
                    | href
                    | group_url
                    | callstack
                    | occurrences
                    | object_id
                    | timestamp
                    | classifiers
                    | hosts
                    | guids
                    | attributes
            ),
            Shape::VisualRun => matches!(
                self,
                totals
                    | project
                    | project_id
                    | group
                    | visual_group_id
                    | name
                    | resolution
                    | environment
                    | start
                    | end
                    | status
                    | url
            ),
            Shape::AppDistribution => matches!(
                self,
                event
                    | app_name
                    | timestamp
                    | version
                    | build
                    | platform
                    | api_build_id
                    | filesize
                    | app_build_url
                    | landing_page_url
                    | landing_page_build_url
                    | app_url
                    | session_url
                    | screenshot_url
                    | icon_url
                    | community_url
                    | referer
                    | change_log
                    | tester_email
                    | email
                    | ip_address
                    | udid
                    | device
                    | app_device_name
                    | raw_device_name
                    | crash_message
                    | text
                    | correlation_id
            ),
            Shape::Unknown => false,
        }
    }
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
