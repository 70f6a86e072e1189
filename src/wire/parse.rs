//! The entry points: a body to an [`Event`], or to several.

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer};
use serde_json::Value;

use super::batch::Batch;
use super::error::ParseError;
use super::family::{Missing, Shape, ShapeKeys};
use super::fields::{Fields, read_object, read_object_as};
use super::{api_test, app_distribution, concurrency, error_group, job, visual, visual_run};
use crate::event::Event;
use crate::values::raw_json::{RawJson, WithinNesting};

impl Event<'_> {
    /// Parses a body holding one JSON object.
    ///
    /// The bytes are read once for a known kind; only an unknown kind (or an error) reads them
    /// again, to keep the JSON or to find the error's path. What it holds at its peak is at most
    /// eight times the body and 64 KiB (the robustness guide says why, and the
    /// tests prove it on the worst shapes known).
    ///
    /// # Errors
    /// [`ParseError`] when the body is not one JSON object, or when a key that the event's
    /// kind reads holds a value of no accepted form. A key only other kinds read is skipped,
    /// whatever its value: a relay's `"event":{...}` on a job refuses nothing.
    ///
    /// ```
    /// use sauce_webhooks::{Event, JobStatus};
    ///
    /// let Event::Job(job) = Event::from_slice(br#"{"id":"a1","status":"in progress","creation_time":1714557600000}"#)?
    /// else { unreachable!() };
    /// assert_eq!(job.status, JobStatus::InProgress);
    /// assert_eq!(job.creation_time.unix_timestamp(), 1_714_557_600);
    ///
    /// let err = Event::from_slice(br#"{"id":"a1","status":"FAILED","creation_time":"yesterday"}"#).unwrap_err();
    /// assert_eq!(err.path(), "$.creation_time");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_slice(body: &[u8]) -> Result<Self, ParseError> {
        Event::from_slice_borrowed(body).map(Event::into_owned)
    }

    /// Reads a body holding one JSON object or an array of them, as some senders batch jobs,
    /// one event at a time: the [`Batch`] it returns parses each element when asked, so it
    /// holds one element's event at a time however long the array, and an element that is not
    /// an event gives its error without costing the others.
    ///
    /// ```
    /// use sauce_webhooks::Event;
    ///
    /// let body = br#"[{"id":"a","status":"PASSED","creation_time":0},{"id":"b","status":"FAILED","creation_time":0}]"#;
    /// let events = Event::from_slice_batch(body).collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(events.len(), 2);
    /// assert_eq!(Event::from_slice_batch(br#"{"id":"a","status":"PASSED","creation_time":0}"#).count(), 1);
    ///
    /// let mixed = br#"[{"id":"a","status":"PASSED","creation_time":"yesterday"},{"id":"b","status":"FAILED","creation_time":0}]"#;
    /// let results: Vec<_> = Event::from_slice_batch(mixed).collect();
    /// assert_eq!(results[0].as_ref().unwrap_err().path(), "$[0].creation_time");
    /// assert!(results[1].is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_slice_batch(body: &[u8]) -> Batch<'_> {
        Batch::new(without_bom(body))
    }
}

impl Event<'_> {
    /// Parses a body holding one JSON object, as [`Event::from_slice`] does, into an event
    /// whose job's texts are lent from `body` where it writes them without escapes: no copy of
    /// them, nor an allocation each, and an alert written from them needs no escape scan. Keep
    /// it past the body with [`Event::into_owned`].
    ///
    /// # Errors
    /// As [`Event::from_slice`].
    ///
    /// ```
    /// use sauce_webhooks::Event;
    ///
    /// let body = br#"{"id":"a1","status":"FAILED","creation_time":0,"name":"checkout works","tags":["smoke"]}"#;
    /// let event: Event<'_> = Event::from_slice_borrowed(body)?;
    /// let Event::Job(job) = &event else { unreachable!() };
    /// assert_eq!(job.name.as_deref(), Some("checkout works"));
    /// assert!(job.tags[0].is_lent());
    /// assert!(event.is_failure());
    /// assert_eq!(event.into_owned(), Event::from_slice(body)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_slice_borrowed<'a>(body: &'a [u8]) -> Result<Event<'a>, ParseError> {
        let body = without_bom(body);
        // Checking UTF-8 once over the whole body lets serde_json skip checking each string.
        // A body that fails the check may still parse (invalid bytes inside an ignored value
        // are never looked at), so it takes the byte-wise path, which gives the same result.
        let parsed = match std::str::from_utf8(body) {
            Ok(text) => serde_json::from_str::<KnownEvent<'a>>(text),
            Err(_) => serde_json::from_slice::<KnownEvent<'a>>(body),
        };
        match parsed {
            Ok(KnownEvent(Some(event))) => Ok(event),
            Ok(KnownEvent(None)) => serde_json::from_slice::<RawJson>(body)
                .map(Event::Unknown)
                .map_err(|err| ParseError::locate::<WithinNesting>(body, &err)),
            Err(err) => read_again(body, &err),
        }
    }
}

/// After a body failed to read as the kind its keys tell: a value of a form the crate does not
/// take, perhaps under a key only another kind reads. Reads it again as that kind alone, the
/// other kinds' keys skipped whatever their values (a relay's `"event":{...}` on a job means
/// something else to it), so that only the kind's own keys refuse it; a body of no known kind
/// is kept as [`Event::Unknown`]. Only bodies that failed pay for this.
fn read_again<'a>(body: &'a [u8], err: &serde_json::Error) -> Result<Event<'a>, ParseError> {
    let Some((raw, shape)) = shape_despite_values(body) else {
        return Err(ParseError::locate::<KnownEvent>(body, err));
    };
    if shape == Shape::Unknown {
        return Ok(Event::Unknown(raw));
    }
    let seed = KnownAs(shape);
    let mut reader = serde_json::Deserializer::from_slice(body);
    match seed.deserialize(&mut reader).and_then(|event| reader.end().map(|()| event)) {
        Ok(KnownEvent(Some(event))) => Ok(event),
        Ok(KnownEvent(None)) => Ok(Event::Unknown(raw)),
        Err(again) => Err(ParseError::locate_as(body, &again, seed)),
    }
}

/// The body's JSON and the kind its keys tell, whatever their values; `None` when it is not
/// one JSON object. Only the keys that tell a kind are read, so this costs no more than the
/// body's own copy.
fn shape_despite_values(body: &[u8]) -> Option<(RawJson, Shape)> {
    let raw: RawJson = serde_json::from_slice(body).ok()?;
    let is_object = raw.as_str().starts_with('{');
    let keys: ShapeKeys = serde_json::from_str(raw.as_str()).ok()?;
    is_object.then(|| {
        let shape = keys.shape();
        (raw, shape)
    })
}

/// A body read as the kind `.0`, the other kinds' keys skipped.
#[derive(Clone, Copy)]
struct KnownAs(Shape);

impl<'de> DeserializeSeed<'de> for KnownAs {
    type Value = KnownEvent<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<KnownEvent<'de>, D::Error> {
        read_object_as(d, self.0, |fields| known_event(fields).map(KnownEvent))
    }
}

/// The event of a kind the keys tell, or `None` when they tell no known kind.
fn known_event<'de>(fields: &mut Fields<'de>) -> Result<Option<Event<'de>>, Missing> {
    let shape = fields.shape();
    // Jobs, the common case, take their keys out in place; the others get the keys moved.
    let mut owned = || std::mem::take(fields);
    let event = match shape {
        Shape::Concurrency => concurrency::from_fields(owned()).map(Event::Concurrency),
        Shape::RawRdc => job::from_raw_rdc(fields).map(Event::Job),
        Shape::ApiTest => api_test::from_fields(owned()).map(Event::ApiTest),
        Shape::ErrorGroup => error_group::from_fields(owned()).map(Event::ErrorGroup),
        Shape::VisualRun => visual_run::from_fields(owned()).map(Event::VisualRun),
        Shape::AppDistribution => app_distribution::from_fields(owned()).map(Event::AppDistribution),
        Shape::Job => job::from_fields(fields).map(Event::Job),
        Shape::VisualBuild => visual::from_fields(owned()).map(Event::VisualBuild),
        Shape::Unknown => return Ok(None),
    };
    event.map(Some).map_err(|field| shape.missing(field))
}

/// The body without a leading UTF-8 byte order mark, which some relays add; positions in
/// errors then count from after it.
pub(crate) fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// A known event, or `None` for an object of unknown kind, read straight from the deserializer.
struct KnownEvent<'de>(Option<Event<'de>>);

impl<'de> Deserialize<'de> for KnownEvent<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_object(d, |fields| known_event(fields).map(KnownEvent))
    }
}

impl<'de> Deserialize<'de> for Event<'static> {
    /// Reads an event from any self-describing serde data format. It buffers the input as a
    /// `serde_json::Value` first, so prefer [`Event::from_slice`] for bytes: it reads them in
    /// one pass, within a tighter memory bound, and keeps an unknown event's JSON as it was
    /// written, where this keeps it in serde_json's compact form.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let json = Value::deserialize(d)?;
        match KnownEvent::deserialize(&json) {
            // Owned at once: a `Value` lends strings that may need escaping (see `Text::lent`).
            Ok(KnownEvent(Some(event))) => Ok(event.into_owned()),
            Ok(KnownEvent(None)) => Ok(Self::Unknown(RawJson::from_value(&json))),
            Err(err) => match ShapeKeys::deserialize(&json) {
                Ok(keys) if keys.shape() == Shape::Unknown => Ok(Self::Unknown(RawJson::from_value(&json))),
                _ => Err(de::Error::custom(err)),
            },
        }
    }
}
