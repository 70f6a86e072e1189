//! Times in every form senders use, read into UTC, and written back in one canonical form.

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::ser::Serializer;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::lenient::{ECHO, expected};
use crate::support::clip::clip;

/// Epoch numbers whose magnitude is above this are milliseconds: 10^11 seconds is in the year
/// 5138, while 10^11 milliseconds is March 1973, before any Sauce Labs job ran.
const EPOCH_MILLIS_ABOVE: i64 = 100_000_000_000;

/// What an epoch number out of range was expected to be.
const YEARS: &str = "a time in the years 0 to 9999";

/// A time in any accepted form: RFC 3339 (fraction optional, `Z`, `+00:00` or `+0000`), epoch
/// seconds as an integer, a float or a numeric string, or epoch milliseconds (magnitude above
/// 10^11). The result is in UTC. Float epochs keep microseconds, the precision an `f64` holds
/// within 2^32 seconds of 1970 (up to the year 2106).
pub(crate) fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
    d.deserialize_any(TimeVisitor)
}

/// A `timestamp` key: one time (a concurrency event's), or the `[first, last]` pair of epoch
/// seconds an Error Reporting notification sends (`[t]` being `[t, t]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeOrSpan {
    At(OffsetDateTime),
    Span(Option<OffsetDateTime>, Option<OffsetDateTime>),
}

/// Reads a [`TimeOrSpan`]: a time in any form [`time`] accepts, or an array of at most two.
pub(crate) fn time_or_span<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TimeOrSpan>, D::Error> {
    struct SpanVisitor;
    impl<'de> Visitor<'de> for SpanVisitor {
        type Value = Option<TimeOrSpan>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a time, or an array of a first and a last time")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            TimeVisitor.visit_str(v).map(|at| at.map(TimeOrSpan::At))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            TimeVisitor.visit_u64(v).map(|at| at.map(TimeOrSpan::At))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            TimeVisitor.visit_i64(v).map(|at| at.map(TimeOrSpan::At))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            TimeVisitor.visit_f64(v).map(|at| at.map(TimeOrSpan::At))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            struct Time;
            impl<'de> de::DeserializeSeed<'de> for Time {
                type Value = Option<OffsetDateTime>;
                fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                    time(d)
                }
            }
            let first = seq.next_element_seed(Time)?.flatten();
            // A pair of one: that time is the first and the last.
            let last = seq.next_element_seed(Time)?.unwrap_or(first);
            if seq.next_element::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::invalid_length(3, &"a first and a last time"));
            }
            Ok(Some(TimeOrSpan::Span(first, last)))
        }
    }
    d.deserialize_any(SpanVisitor)
}

struct TimeVisitor;

impl Visitor<'_> for TimeVisitor {
    type Value = Option<OffsetDateTime>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 time or epoch seconds")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let trimmed = v.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if let Some(time) = parse_rfc3339(trimmed) {
            return Ok(Some(time));
        }
        // Epoch numbers sent as strings.
        let refused = || expected(&TimeVisitor, Unexpected::Str(&clip(v, ECHO)));
        match (trimmed.parse::<i64>(), trimmed.parse::<f64>()) {
            (Ok(seconds), _) => self.visit_i64(seconds).map_err(|_: E| refused()),
            (_, Ok(seconds)) if seconds.is_finite() => self.visit_f64(seconds).map_err(|_: E| refused()),
            _ => Err(refused()),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => Err(expected(&YEARS, Unexpected::Unsigned(v))),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let nanos_per_unit =
            if v.unsigned_abs() > EPOCH_MILLIS_ABOVE.unsigned_abs() { 1_000_000 } else { 1_000_000_000 };
        from_nanos(i128::from(v) * nanos_per_unit).map(Some).ok_or_else(|| expected(&YEARS, Unexpected::Signed(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        from_epoch_float(v).map(Some).ok_or_else(|| expected(&YEARS, Unexpected::Float(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// The time a float epoch gives, to the microsecond: seconds, or milliseconds above 10^11.
fn from_epoch_float(v: f64) -> Option<OffsetDateTime> {
    // Exact: 10^11 is far below 2^53.
    #[allow(clippy::cast_precision_loss)]
    let seconds = if v.abs() > EPOCH_MILLIS_ABOVE as f64 { v / 1e3 } else { v };
    let micros = (seconds * 1e6).round();
    if !micros.is_finite() || micros.abs() >= 9e18 {
        return None;
    }
    // In range, checked above: the cast is exact for whole numbers of this size.
    #[allow(clippy::cast_possible_truncation)]
    let nanos = i128::from(micros as i64) * 1_000;
    from_nanos(nanos)
}

/// The time `nanos` after the epoch, if its year is one RFC 3339 can write (0 to 9999), so
/// that every time we accept can be serialized again.
fn from_nanos(nanos: i128) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok().filter(|t| (0..=9999).contains(&t.year()))
}

/// App Distribution's time form: a date and a time of day, with no zone.
const ZONELESS: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Parses RFC 3339, also accepting an offset written without a colon (`+0000`), as the
/// PagerDuty docs and some Sauce Labs relays do, and App Distribution's `YYYY-MM-DD HH:MM:SS`
/// as UTC.
pub(crate) fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    let parsed = if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        t
    } else if let Ok(t) = time::PrimitiveDateTime::parse(s, ZONELESS) {
        // App Distribution's `2024-05-01 10:15:30`, which names no zone: read as UTC.
        t.assume_utc()
    } else {
        let bytes = s.as_bytes();
        let n = bytes.len();
        let colonless = n > 5 && matches!(bytes[n - 5], b'+' | b'-') && bytes[n - 4..].iter().all(u8::is_ascii_digit);
        if !colonless {
            return None;
        }
        let fixed = format!("{}:{}", &s[..n - 2], &s[n - 2..]);
        OffsetDateTime::parse(&fixed, &Rfc3339).ok()?
    };
    // In UTC, an offset can push a time past year 9999 (or before 0): refused, since it
    // could not be written back, and `to_offset` would panic beyond what `time` can hold.
    parsed.checked_to_offset(UtcOffset::UTC).filter(|t| (0..=9999).contains(&t.year()))
}

/// Writes a time as RFC 3339 in UTC (`2024-05-01T10:00:00Z`, with a fraction only when there is one).
pub(crate) fn serialize_time<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    let utc = t
        .checked_to_offset(UtcOffset::UTC)
        .ok_or_else(|| serde::ser::Error::custom("a time beyond what UTC can hold"))?;
    let text = utc.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
    s.serialize_str(&text)
}

/// Writes an optional time as RFC 3339 in UTC, or `null`.
// serde's `serialize_with` hands over `&Option<T>`, so the reference to an `Option` is fixed.
#[allow(clippy::ref_option)]
pub(crate) fn serialize_optional_time<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize_time(t, s),
        None => s.serialize_none(),
    }
}

/// Writes a time as float epoch seconds, the form of the concurrency event's `timestamp`, when
/// that reads back as the same time; otherwise (a fraction finer than microseconds, a year past
/// 5138 whose seconds would read as milliseconds, one whose microseconds an `f64` cannot hold)
/// as RFC 3339, which `time` reads too.
pub(crate) fn serialize_epoch_float<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    #[allow(clippy::cast_precision_loss)]
    let seconds = (t.unix_timestamp_nanos() / 1_000) as f64 / 1e6;
    if from_epoch_float(seconds) == Some(*t) { s.serialize_f64(seconds) } else { serialize_time(t, s) }
}

/// Writes an optional time in App Distribution's form, `YYYY-MM-DD HH:MM:SS` in UTC (read
/// back as UTC), or as RFC 3339 when it has a fraction that form cannot hold; or `null`.
// serde's `serialize_with` hands over `&Option<T>`, so the reference to an `Option` is fixed.
#[allow(clippy::ref_option)]
pub(crate) fn serialize_optional_zoneless<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    let Some(t) = t else { return s.serialize_none() };
    match t.checked_to_offset(UtcOffset::UTC) {
        Some(utc) if utc.nanosecond() == 0 => {
            let text = utc.format(ZONELESS).map_err(serde::ser::Error::custom)?;
            s.serialize_str(&text)
        }
        _ => serialize_time(t, s),
    }
}

/// Writes a time as epoch seconds, an Error Reporting `timestamp`'s form: an integer when it
/// is a whole second that reads back as seconds (within 10^11 of 1970: past that, an integer
/// reads as milliseconds), else as [`serialize_epoch_float`] writes it, so that a fraction
/// (`1502953926.926`) or a far year (RFC 3339) reads back the same time.
pub(crate) fn serialize_epoch_seconds<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    let seconds = t.unix_timestamp();
    if t.nanosecond() == 0 && seconds.unsigned_abs() <= EPOCH_MILLIS_ABOVE.unsigned_abs() {
        s.serialize_i64(seconds)
    } else {
        serialize_epoch_float(t, s)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn colonless_offsets_parse_to_utc() {
        let t = parse_rfc3339("2024-05-01T12:00:00+0200").unwrap();
        assert_eq!(t, parse_rfc3339("2024-05-01T10:00:00Z").unwrap());
        assert!(parse_rfc3339("2024-05-01T12:00:00+02").is_none());
        assert!(parse_rfc3339("yesterday").is_none());
    }
}
