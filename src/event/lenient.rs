//! Serde helpers for the messy forms real payloads take (see the parsing rules in the README).
//!
//! Each helper accepts every form listed in the rules and refuses the rest with a message of the
//! form `expected <what>, found <what>`, which [`ParseError`](crate::ParseError) prefixes with the
//! JSON path and position.

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::ser::Serializer;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Epoch numbers above this are milliseconds: 10^11 seconds is in the year 5138, while 10^11
/// milliseconds is March 1973, before any Sauce Labs job ran.
const EPOCH_MILLIS_ABOVE: f64 = 1e11;

/// Longest input value echoed in an error, in characters.
const ECHO: usize = 64;

fn expected<E: de::Error>(what: &dyn de::Expected, found: Unexpected<'_>) -> E {
    E::custom(format_args!("expected {what}, found {found}"))
}

/// Compares two words ignoring ASCII case and treating ` `, `_` and `-` alike, so that
/// `"PUBLIC RESTRICTED"`, `"public_restricted"` and `"public-restricted"` are one word.
pub(crate) fn same_word(input: &str, canonical: &str) -> bool {
    fn fold(b: u8) -> u8 {
        match b {
            b'_' | b'-' => b' ',
            _ => b.to_ascii_lowercase(),
        }
    }
    input.len() == canonical.len() && input.bytes().zip(canonical.bytes()).all(|(a, b)| fold(a) == fold(b))
}

/// Optional text: a string, where `""` and `null` both mean `None`.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct TextVisitor;
    impl Visitor<'_> for TextVisitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then_some(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(TextVisitor)
}

/// An open enum read from its wire word; implemented by [`open_enum!`].
pub(crate) trait Word: Sized {
    fn from_wire(s: &str) -> Self;
}

/// An optional open-enum value: a string in any case, where `""` and `null` mean `None`. Known
/// values are matched on the borrowed text, so only unknown ones allocate.
pub(crate) fn word<'de, D: Deserializer<'de>, T: Word>(d: D) -> Result<Option<T>, D::Error> {
    struct WordVisitor<T>(std::marker::PhantomData<T>);
    impl<T: Word> Visitor<'_> for WordVisitor<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| T::from_wire(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(WordVisitor(std::marker::PhantomData))
}

/// A version (`browser_version`, `os_version`): a string kept verbatim, or a number written out.
pub(crate) fn version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct VersionVisitor;
    impl Visitor<'_> for VersionVisitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a version string or number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| v.to_owned()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(VersionVisitor)
}

/// `passed`: `true`/`false`, `1`/`0`, the same four as strings in any case, `""` or `null`.
pub(crate) fn passed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct PassedVisitor;
    impl Visitor<'_> for PassedVisitor {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("true, false, 1, 0 or null")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            match v {
                0 => Ok(Some(false)),
                1 => Ok(Some(true)),
                _ => Err(expected(&self, Unexpected::Unsigned(v))),
            }
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // Exact comparisons: only a sender's `1.0` or `0.0` is meant as a flag.
            #[allow(clippy::float_cmp)]
            if v == 1.0 || v == 0.0 { Ok(Some(v == 1.0)) } else { Err(expected(&self, Unexpected::Float(v))) }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.is_empty() {
                Ok(None)
            } else if v == "1" || v.eq_ignore_ascii_case("true") {
                Ok(Some(true))
            } else if v == "0" || v.eq_ignore_ascii_case("false") {
                Ok(Some(false))
            } else {
                Err(expected(&self, Unexpected::Str(&clip(v, ECHO))))
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(PassedVisitor)
}

/// A non-negative count or duration: an integer, a float (rounded) or a numeric string.
fn count<'de, D: Deserializer<'de>>(d: D, max: u64) -> Result<Option<u64>, D::Error> {
    struct CountVisitor(u64);
    impl Visitor<'_> for CountVisitor {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "an integer from 0 to {}", self.0)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            if v <= self.0 { Ok(Some(v)) } else { Err(expected(&self, Unexpected::Unsigned(v))) }
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            match u64::try_from(v) {
                Ok(v) => self.visit_u64(v),
                Err(_) => Err(expected(&self, Unexpected::Signed(v))),
            }
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            let rounded = v.round();
            // The range check makes the cast exact: `max` is at most u64::MAX, and every value
            // that passes is a non-negative whole number no larger than it.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            if rounded >= 0.0 && rounded <= self.0 as f64 {
                Ok(Some(rounded as u64))
            } else {
                Err(expected(&self, Unexpected::Float(v)))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let trimmed = v.trim();
            if trimmed.is_empty() {
                return Ok(None);
            }
            if let Ok(n) = trimmed.parse::<u64>() {
                return self.visit_u64(n);
            }
            match trimmed.parse::<f64>() {
                Ok(f) if f.is_finite() => self.visit_f64(f),
                _ => Err(expected(&self, Unexpected::Str(&clip(v, ECHO)))),
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(CountVisitor(max))
}

/// An optional count that fits `u64` (`duration_sec`).
pub(crate) fn optional_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    count(d, u64::MAX)
}

/// A required count that fits `u32` (slots, snapshot counts); `null` is refused.
pub(crate) fn u32_count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match count(d, u64::from(u32::MAX))? {
        Some(n) => Ok(u32::try_from(n).unwrap_or(u32::MAX)),
        None => Err(de::Error::custom("expected an integer, found null")),
    }
}

/// `tags` and `team_ids`: an array of strings; `null` means empty, and `null` elements are
/// dropped.
pub(crate) fn strings<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    struct StringsVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: From<String>> Visitor<'de> for StringsVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings or null")
        }
        // Straight into the result, skipping nulls, so that a list costs one vector.
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut list = Vec::new();
            while let Some(item) = seq.next_element::<Option<String>>()? {
                list.extend(item.map(T::from));
            }
            Ok(list)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(StringsVisitor(std::marker::PhantomData))
}

/// A time in any accepted form: RFC 3339 (fraction optional, `Z`, `+00:00` or `+0000`), epoch
/// seconds as an integer or a float, or epoch milliseconds (integers above 10^11). The result
/// is in UTC. Float epochs keep microseconds, the precision an `f64` holds within 2^32 seconds
/// of 1970 (up to the year 2106).
pub(crate) fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
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
            let nanos = if v.unsigned_abs() > 100_000_000_000 {
                i128::from(v) * 1_000_000
            } else {
                i128::from(v) * 1_000_000_000
            };
            from_nanos(nanos).map(Some).ok_or_else(|| expected(&YEARS, Unexpected::Signed(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            let seconds = if v.abs() > EPOCH_MILLIS_ABOVE { v / 1e3 } else { v };
            let micros = (seconds * 1e6).round();
            if !micros.is_finite() || micros.abs() >= 9e18 {
                return Err(expected(&YEARS, Unexpected::Float(v)));
            }
            // In range, checked above: the cast is exact for whole numbers of this size.
            #[allow(clippy::cast_possible_truncation)]
            let nanos = i128::from(micros as i64) * 1_000;
            from_nanos(nanos).map(Some).ok_or_else(|| expected(&YEARS, Unexpected::Float(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(TimeVisitor)
}

/// What an epoch number out of range was expected to be.
const YEARS: &str = "a time in the years 0 to 9999";

/// The time `nanos` after the epoch, if its year is one RFC 3339 can write (0 to 9999), so
/// that every time we accept can be serialized again.
fn from_nanos(nanos: i128) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok().filter(|t| (0..=9999).contains(&t.year()))
}

/// Parses RFC 3339, also accepting an offset written without a colon (`+0000`), as the
/// PagerDuty docs and some Sauce Labs relays do.
pub(crate) fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    let parsed = if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        t
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

/// Writes a time as float epoch seconds, the form of the concurrency event's `timestamp`.
pub(crate) fn serialize_epoch_float<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    // Within 2^32 seconds of 1970, the f64 nearest this value is within half a microsecond of
    // it, so `time` above rounds back to the same microsecond.
    #[allow(clippy::cast_precision_loss)]
    let micros = (t.unix_timestamp_nanos() / 1_000) as f64;
    s.serialize_f64(micros / 1e6)
}

/// Shortens text echoed in an error message to `max` characters and an ellipsis, so that a
/// 1 MB string does not become a 1 MB error.
pub(crate) fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => s.into(),
        Some((cut, _)) => format!("{}…", &s[..cut]).into(),
    }
}

/// Defines an open enum: the known wire values as variants, anything else kept in
/// `Other(String)`. Input matches any case, with ` `, `_` and `-` alike and surrounding
/// whitespace ignored; output is the canonical
/// spelling, so parsing what we serialize gives the same variant back.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know yet, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The value as written on the wire: the canonical spelling, or the kept original.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(s) => s,
                }
            }

        }

        impl $crate::event::lenient::Word for $name {
            fn from_wire(s: &str) -> Self {
                use $crate::event::lenient::same_word;
                let word = s.trim();
                $( if same_word(word, $wire) $(|| same_word(word, $alias))* { return Self::$variant; } )+
                Self::Other(s.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($crate::event::lenient::Word::from_wire(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::event::lenient::word(d)?
                    .ok_or_else(|| serde::de::Error::custom("expected a string, found an empty value"))
            }
        }
    };
}
pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_word_folds_case_and_separators() {
        assert!(same_word("PUBLIC RESTRICTED", "public restricted"));
        assert!(same_word("public_restricted", "public restricted"));
        assert!(same_word("In-Progress", "in progress"));
        assert!(!same_word("public", "public restricted"));
        assert!(!same_word("publix", "public"));
    }

    #[test]
    fn colonless_offsets_parse_to_utc() {
        let t = parse_rfc3339("2024-05-01T12:00:00+0200").unwrap();
        assert_eq!(t, parse_rfc3339("2024-05-01T10:00:00Z").unwrap());
        assert!(parse_rfc3339("2024-05-01T12:00:00+02").is_none());
        assert!(parse_rfc3339("yesterday").is_none());
    }

    #[test]
    fn clip_cuts_on_a_character_boundary() {
        let long = "é".repeat(100);
        let clipped = clip(&long, 64);
        assert_eq!(clipped.chars().count(), 65);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip("short", 64), "short");
    }
}
