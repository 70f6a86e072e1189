//! JSON written again within bounds, straight from its text: what an alert shows of an event
//! whose JSON may be as large as a body, without the tree of values (sixteen to thirty times
//! the text) that reading it whole builds.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::support::clip::{clip_json, escaped_len};
use crate::support::json_out::string;

/// How much of a JSON value is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// Longest text (a string or an object's key), in characters...
    pub text_chars: usize,
    /// ... and in bytes once escaped.
    pub text_json_bytes: usize,
    /// Most items kept of a list.
    pub items: usize,
    /// Most entries kept of an object.
    pub entries: usize,
    /// Past this many bytes written, no further item or entry is kept, so that what is
    /// written stays near it however the value nests.
    pub total_bytes: usize,
    /// Most lists and objects inside one another (the top object counting one): a list or
    /// object deeper is written as `"…"`, so that what is written nests within what JSON
    /// readers take (serde_json's default, 128 levels, counting those around the details), and
    /// reading it never reaches serde_json's limit however deep the value.
    pub depth: usize,
}

/// The JSON object `json` written again within `bounds`, as serde_json would write the same
/// values: texts clipped, lists and objects shortened, each object's keys sorted (and, of a
/// key repeated, the last value kept), the top object's `null` values left out. `None` when
/// `json` is not one JSON object.
///
/// It holds what it writes and, for each object open at a time, the offsets of its entries:
/// never more than its input, however tiny its values.
pub(crate) fn rewrite_object(json: &[u8], bounds: &Bounds) -> Option<Vec<u8>> {
    let mut writer = Writer { bounds, written: 0 };
    let mut out = Vec::new();
    let mut reader = serde_json::Deserializer::from_slice(json);
    Rewrite { writer: &mut writer, out: &mut out, top: true, depth: 0 }.deserialize(&mut reader).ok()?;
    reader.end().ok()?;
    out.starts_with(b"{").then_some(out)
}

/// What has been written so far, against the bounds.
struct Writer<'b> {
    bounds: &'b Bounds,
    written: usize,
}

impl Writer<'_> {
    /// Whether another item or entry may be kept.
    fn has_room(&self, kept: usize, most: usize) -> bool {
        kept < most && self.written < self.bounds.total_bytes
    }

    /// Appends by `write`, counting what it appended.
    fn append(&mut self, out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
        let before = out.len();
        write(out);
        self.written += out.len() - before;
    }

    fn text(&mut self, out: &mut Vec<u8>, text: &str) {
        let kept = clip_json(text, self.bounds.text_chars, self.bounds.text_json_bytes);
        self.append(out, |out| string(out, &kept));
    }
}

/// Writes one value, read from the deserializer, into `out`.
struct Rewrite<'w, 'b> {
    writer: &'w mut Writer<'b>,
    out: &'w mut Vec<u8>,
    /// Whether it is the top object, whose `null` values are left out.
    top: bool,
    /// How many lists and objects the value is inside.
    depth: usize,
}

impl Rewrite<'_, '_> {
    /// Whether a list or object here is past the bounds' depth, and is written as `"…"`.
    fn too_deep(&self) -> bool {
        self.depth >= self.writer.bounds.depth
    }

    /// Writes `"…"` in place of a list or object too deep to keep.
    fn cut(self) {
        self.writer.text(self.out, "…");
    }
}

impl<'de> DeserializeSeed<'de> for Rewrite<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rewrite<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.writer.append(self.out, |out| out.extend_from_slice(if v { b"true" } else { b"false" }));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.writer.append(self.out, |out| out.extend_from_slice(v.to_string().as_bytes()));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.writer.append(self.out, |out| out.extend_from_slice(v.to_string().as_bytes()));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // As serde_json writes a float (`1.0`, `1e300`): it read this one, so it can write it.
        self.writer.append(self.out, |out| serde_json::to_writer(out, &v).unwrap_or_default());
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.writer.text(self.out, v);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.writer.append(self.out, |out| out.extend_from_slice(b"null"));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.too_deep() {
            // Skipped without a depth limit: serde_json ignores a value without recursing.
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            self.cut();
            return Ok(());
        }
        let Self { writer, out, depth, .. } = self;
        writer.append(out, |out| out.push(b'['));
        let mut kept = 0;
        loop {
            if !writer.has_room(kept, writer.bounds.items) {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    break;
                }
                continue;
            }
            let start = out.len();
            if kept > 0 {
                out.push(b',');
            }
            let item = Rewrite { writer: &mut *writer, out: &mut *out, top: false, depth: depth + 1 };
            if seq.next_element_seed(item)?.is_none() {
                out.truncate(start);
                break;
            }
            writer.written += usize::from(kept > 0);
            kept += 1;
        }
        writer.append(out, |out| out.push(b']'));
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.too_deep() {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            self.cut();
            return Ok(());
        }
        let Self { writer, out, top, depth } = self;
        // The entries as read, their keys in one text and their values in one buffer, so
        // that an entry costs its offsets and no allocation of its own.
        let (mut keys, mut values) = (String::new(), Vec::new());
        let mut entries: Vec<Entry> = Vec::new();
        loop {
            if !writer.has_room(entries.len(), writer.bounds.entries) {
                if map.next_entry::<IgnoredAny, IgnoredAny>()?.is_none() {
                    break;
                }
                continue;
            }
            let key_start = keys.len();
            if map.next_key_seed(Key { keys: &mut keys, bounds: writer.bounds })?.is_none() {
                break;
            }
            // The key as written (escaped: a control character takes six bytes), its quotes
            // and colon, and the comma before the entry; counted before the value is read, so
            // that the values nested under it see the room it takes.
            let key_bytes = escaped_len(&keys[key_start..]) + 4;
            writer.written += key_bytes;
            let value_start = values.len();
            map.next_value_seed(Rewrite { writer: &mut *writer, out: &mut values, top: false, depth: depth + 1 })?;
            if top && values[value_start..] == *b"null" {
                writer.written -= key_bytes + (values.len() - value_start);
                keys.truncate(key_start);
                values.truncate(value_start);
                continue;
            }
            entries.push(Entry { key: key_start..keys.len(), value: value_start..values.len() });
        }
        // Sorted as a `BTreeMap` keeps keys; of a repeated key, the last entry read.
        entries.sort_by(|a, b| keys[a.key.clone()].cmp(&keys[b.key.clone()]));
        let mut sorted = entries.iter().enumerate().peekable();
        out.push(b'{');
        let mut first = true;
        while let Some((_, entry)) = sorted.next() {
            if sorted.peek().is_some_and(|(_, next)| keys[next.key.clone()] == keys[entry.key.clone()]) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            string(out, &keys[entry.key.clone()]);
            out.push(b':');
            out.extend_from_slice(&values[entry.value.clone()]);
        }
        out.push(b'}');
        writer.written += 2;
        Ok(())
    }
}

/// Where an object's entry lies: its key in the object's keys, its value in its values.
struct Entry {
    key: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
}

/// Reads an object's key, clipped as texts are, onto the end of `keys`.
struct Key<'k, 'b> {
    keys: &'k mut String,
    bounds: &'b Bounds,
}

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Key<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<(), E> {
        self.keys.push_str(&clip_json(key, self.bounds.text_chars, self.bounds.text_json_bytes));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Bounds, rewrite_object};

    const BOUNDS: Bounds =
        Bounds { text_chars: 5, text_json_bytes: 12, items: 2, entries: 3, total_bytes: 1000, depth: 3 };

    fn rewritten(json: &str) -> String {
        String::from_utf8(rewrite_object(json.as_bytes(), &BOUNDS).unwrap()).unwrap()
    }

    #[test]
    fn values_are_written_as_serde_json_writes_them_within_the_bounds() {
        assert_eq!(rewritten(r#"{"b":1.0,"a":[true,null,3],"c":null}"#), r#"{"a":[true,null],"b":1.0}"#);
        assert_eq!(
            rewritten(r#"{"a":{"z":-1,"y":"abcdefgh"},"b":{"c":null}}"#),
            r#"{"a":{"y":"abcd…","z":-1},"b":{"c":null}}"#
        );
        assert_eq!(rewritten(r#"{"k":1,"k":2,"x\n":"\u0001"}"#), r#"{"k":2,"x\n":"\u0001"}"#);
        assert_eq!(rewritten(r#"{"a":1,"b":2,"c":3,"d":4}"#), r#"{"a":1,"b":2,"c":3}"#, "the first entries read");
        assert_eq!(
            rewritten(r#"{"n":[1e300,18446744073709551615,-9223372036854775808]}"#),
            r#"{"n":[1e+300,18446744073709551615]}"#
        );
        for not_an_object in ["[]", "1", "", "{", "{} {}"] {
            assert!(rewrite_object(not_an_object.as_bytes(), &BOUNDS).is_none(), "{not_an_object}");
        }
    }

    #[test]
    fn lists_and_objects_past_the_depth_are_cut() {
        assert_eq!(rewritten(r#"{"a":[[1,[2]],{"b":{"c":1}}]}"#), r#"{"a":[[1,"…"],{"b":"…"}]}"#);
        // Deeper than serde_json reads whole, still rewritten.
        let deep = format!(r#"{{"a":1,"z":{}0{}}}"#, "[".repeat(200), "]".repeat(200));
        assert_eq!(rewritten(&deep), r#"{"a":1,"z":[["…"]]}"#);
    }

    #[test]
    fn past_the_total_nothing_more_is_kept() {
        let bounds = Bounds { total_bytes: 20, ..BOUNDS };
        let json = r#"{"a":["12345","12345"],"b":["12345"],"c":1}"#;
        let out = String::from_utf8(rewrite_object(json.as_bytes(), &bounds).unwrap()).unwrap();
        assert_eq!(out, r#"{"a":["12345","12345"]}"#);
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }
}
