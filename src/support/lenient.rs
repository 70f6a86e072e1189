//! Serde readers for the messy forms real payloads take (see the parsing rules, `src/guide/parsing.md`).
//!
//! Each reader accepts every form listed in the rules and refuses the rest with a message of the
//! form `expected <what>, found <what>`, which [`ParseError`](crate::ParseError) prefixes with
//! the JSON path and position.

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};

use super::clip::clip;
use crate::values::text::Text;

/// Longest input value echoed in an error, in characters (the last one an ellipsis when cut).
pub(crate) const ECHO: usize = 65;

pub(crate) fn expected<E: de::Error>(what: &dyn de::Expected, found: Unexpected<'_>) -> E {
    E::custom(format_args!("expected {what}, found {found}"))
}

/// Optional text: a string, where `""` and `null` both mean `None`.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    lent_text(d).map(|text| text.map(Text::into_owned))
}

/// [`text`], lent from the body where it holds no escape.
pub(crate) fn lent_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text<'de>>, D::Error> {
    d.deserialize_any(TextOrNumber { numbers: Numbers::None, expecting: "a string or null" })
}

/// A version (`browser_version`, `os_version`): a string kept verbatim, or a number written out.
pub(crate) fn version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    lent_version(d).map(|text| text.map(Text::into_owned))
}

/// [`version`], lent from the body where it is a string without an escape.
pub(crate) fn lent_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text<'de>>, D::Error> {
    d.deserialize_any(TextOrNumber { numbers: Numbers::WithFractions, expecting: "a version string or number" })
}

/// An id: text, or a whole number (kept as its digits). A number with a fraction or beyond
/// 64 bits is refused: serde_json reads it as an `f64`, whose digits past 2^53 are not the
/// sender's, and two ids would read alike.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let expecting = "an id as text or a whole number within 64 bits";
    let id = d.deserialize_any(TextOrNumber { numbers: Numbers::Whole, expecting })?;
    Ok(id.map(Text::into_owned))
}

/// Which numbers a text may be written as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Numbers {
    None,
    Whole,
    WithFractions,
}

/// Text kept verbatim (`""` as none), lent where the body holds it without escapes; or a
/// number written out, as `numbers` allows.
struct TextOrNumber {
    numbers: Numbers,
    expecting: &'static str,
}

impl TextOrNumber {
    fn number<E: de::Error>(&self, number: &impl ToString, found: Unexpected<'_>) -> Result<Option<Text<'static>>, E> {
        if self.numbers == Numbers::None {
            return Err(E::invalid_type(found, self));
        }
        Ok(Some(Text::from(number.to_string())))
    }
}

impl<'de> Visitor<'de> for TextOrNumber {
    type Value = Option<Text<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| Text::lent(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| Text::from(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| Text::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.number(&v, Unexpected::Unsigned(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.number(&v, Unexpected::Signed(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if self.numbers == Numbers::WithFractions {
            self.number(&v, Unexpected::Float(v))
        } else {
            Err(E::invalid_type(Unexpected::Float(v), &self))
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
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
    d.deserialize_any(CountVisitor(max))
}

/// Reads a count of at most its `u64`.
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
        // 2^64 is exact as an f64, and every whole number below it converts exactly (the
        // cast never saturates), so only values that fit get through, whatever `max` is.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let whole = (0.0..18_446_744_073_709_551_616.0).contains(&rounded).then_some(rounded as u64);
        match whole {
            Some(n) if n <= self.0 => Ok(Some(n)),
            _ => Err(expected(&self, Unexpected::Float(v))),
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

/// Most strings a list (`tags`, `team_ids`) may hold: far more than any sender puts there, few
/// enough that a list of empty strings stays within the parser's memory bound.
pub(crate) const MAX_LIST: usize = 1000;

/// `tags` and `team_ids`: an array of at most [`MAX_LIST`] strings; `null` means empty, and
/// `null` elements are dropped.
pub(crate) fn strings<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    d.deserialize_any(StringsVisitor(|text: Text<'de>| T::from(text.into_owned())))
}

/// [`strings`], each lent from the body where it holds no escape.
pub(crate) fn lent_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Text<'de>>, D::Error> {
    d.deserialize_any(StringsVisitor(|text: Text<'de>| text))
}

/// A call stack (Error Reporting's `callstack`): its frames, innermost first, as an array of
/// names (as Sauce Labs documents it) or as one text of a frame a line (as relays forward it),
/// blank lines left out; `null` means none. Past [`MAX_LIST`] frames the rest are skipped,
/// not refused: a deep recursion is a call stack too, and its innermost frames tell it.
pub(crate) fn frames<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct FramesVisitor;
    impl<'de> Visitor<'de> for FramesVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of frames, a text of a frame a line, or null")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            collect_strings(seq, |text: Text<'de>| text.into_owned(), PastLimit::Skip)
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            let lines = text.lines().filter(|line| !line.trim().is_empty());
            Ok(lines.take(MAX_LIST).map(str::to_owned).collect())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(FramesVisitor)
}

/// What a key that Error Reporting documents as a count and senders also list holds
/// (`hosts`, `guids`).
#[derive(Debug)]
pub(crate) enum CountOrNames {
    Count(u64),
    Names(Vec<String>),
}

/// `hosts` and `guids`: a count (as Sauce Labs documents them: an integer, a float rounded
/// or a numeric string), or a list of names (as [`strings`] reads it); `null` means neither.
pub(crate) fn count_or_names<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CountOrNames>, D::Error> {
    struct CountOrNamesVisitor;
    impl<'de> Visitor<'de> for CountOrNamesVisitor {
        type Value = Option<CountOrNames>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a count, a list of strings or null")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(CountVisitor(u64::MAX).visit_u64(v)?.map(CountOrNames::Count))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(CountVisitor(u64::MAX).visit_i64(v)?.map(CountOrNames::Count))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(CountVisitor(u64::MAX).visit_f64(v)?.map(CountOrNames::Count))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(CountVisitor(u64::MAX).visit_str(v)?.map(CountOrNames::Count))
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let names = collect_strings(seq, |text: Text<'de>| text.into_owned(), PastLimit::Refuse)?;
            Ok(Some(CountOrNames::Names(names)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(CountOrNamesVisitor)
}

/// A list of strings, each made a `T` by the function it holds.
struct StringsVisitor<F>(F);

impl<'de, T, F: Fn(Text<'de>) -> T> Visitor<'de> for StringsVisitor<F> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of strings or null")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        collect_strings(seq, self.0, PastLimit::Refuse)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

/// What a list does with strings past [`MAX_LIST`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum PastLimit {
    Refuse,
    Skip,
}

/// The strings of `seq`, each made a `T` by `make`, nulls left out: straight into the result,
/// so that a list costs one vector.
fn collect_strings<'de, A, T>(mut seq: A, make: impl Fn(Text<'de>) -> T, past: PastLimit) -> Result<Vec<T>, A::Error>
where
    A: de::SeqAccess<'de>,
{
    let mut list = Vec::new();
    while let Some(item) = seq.next_element_seed(Element)? {
        if list.len() == MAX_LIST {
            if past == PastLimit::Skip {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                break;
            }
            return Err(de::Error::custom(format_args!("expected at most {MAX_LIST} strings, found more")));
        }
        list.extend(item.map(&make));
    }
    Ok(list)
}

/// One string of a list, `""` kept; `None` for a `null`.
struct Element;

impl<'de> de::DeserializeSeed<'de> for Element {
    type Value = Option<Text<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element {
    type Value = Option<Text<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Text::lent(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Text::from(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Text::from(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}
