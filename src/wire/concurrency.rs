//! Concurrency events from their keys.

use serde::{Deserialize, Deserializer};

use super::family::Shape;
use super::fields::{Fields, read_object};
use crate::event::Concurrency;
use crate::support::time::TimeOrSpan;

/// Builds the event from the body's keys; the error names a missing required key.
pub(crate) fn from_fields(f: Fields) -> Result<Concurrency, &'static str> {
    let body = *f.concurrency.ok_or("concurrency")?;
    // A `[first, last]` pair is Error Reporting's, not a measure's time.
    let Some(TimeOrSpan::At(at)) = f.timestamp else { return Err("timestamp") };
    let mut usage = Concurrency::new(body.organization, at);
    usage.team = body.team;
    Ok(usage)
}

impl<'de> Deserialize<'de> for Concurrency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_object(d, |fields| from_fields(std::mem::take(fields)).map_err(|field| Shape::Concurrency.missing(field)))
    }
}
