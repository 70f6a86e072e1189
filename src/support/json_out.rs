//! JSON written straight into a byte buffer, byte for byte as serde_json writes it: for bodies
//! built on the hot path without a tree of values in between.

use time::{OffsetDateTime, UtcOffset};

/// Writes `text` as a JSON string, escaped exactly as serde_json escapes it: `"` and `\`,
/// the control characters with a short form (`\b \f \n \r \t`) by it, the others as `\u00XX`
/// in lowercase hex, everything else (non-ASCII included) as it is.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    strings(out, &[text]);
}

/// Writes `text` as a JSON string without looking for what to escape: only for text known to
/// hold nothing JSON escapes (text serde_json lent from a body, as [`Text::is_lent`] tells).
///
/// [`Text::is_lent`]: crate::Text::is_lent
pub(crate) fn plain_string(out: &mut Vec<u8>, text: &str) {
    debug_assert!(!text.bytes().any(needs_escape), "plain text holds an escape: {text:?}");
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Writes `parts`, one after the other, as one JSON string, escaped as [`string`] escapes.
pub(crate) fn strings(out: &mut Vec<u8>, parts: &[&str]) {
    out.push(b'"');
    for part in parts {
        let bytes = part.as_bytes();
        out.reserve(bytes.len() + 1);
        let mut start = 0;
        while let Some(at) = next_escape(bytes, start) {
            out.extend_from_slice(&bytes[start..at]);
            escape(out, bytes[at]);
            start = at + 1;
        }
        out.extend_from_slice(&bytes[start..]);
    }
    out.push(b'"');
}

/// The index of the first byte from `from` on that must be escaped. Eight bytes are tested at
/// a time: most texts have none, and the few that do have long runs between.
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of each byte of `word` below `n` (n <= 128). A borrow may also flag a byte
    // above a flagged one, never below: the lowest flag, read little-endian, is exact.
    let below = |word: u64, n: u64| word.wrapping_sub(ONES * n) & !word & HIGHS;
    let equal = |word: u64, byte: u8| below(word ^ (ONES * u64::from(byte)), 1);
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let flags = below(word, 0x20) | equal(word, b'"') | equal(word, b'\\');
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&b| needs_escape(b)).map(|offset| at + offset)
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

fn escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// A JSON object being written: keys in the order given, commas between.
pub(crate) struct Object<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> Object<'o> {
    pub(crate) fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, empty: true }
    }

    /// Writes `key` and its colon, and gives the buffer to write its value into. Keys are the
    /// crate's own names, which need no escaping: they are copied as they are.
    pub(crate) fn key(&mut self, key: &'static str) -> &mut Vec<u8> {
        debug_assert!(!key.bytes().any(needs_escape), "a key that needs escaping: {key:?}");
        self.out.reserve(key.len() + 4);
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// Writes `key` with the string `value`.
    pub(crate) fn text(&mut self, key: &'static str, value: &str) {
        string(self.key(key), value);
    }

    pub(crate) fn close(self) {
        self.out.push(b'}');
    }
}

/// Writes `at` as the crate serializes a time, quoted: RFC 3339 in UTC as the `time` crate
/// writes it (`2024-05-01T10:15:30Z`, a fraction only when there is one, without trailing
/// zeros), digit by digit, where the `time` crate's formatter took a tenth of a job's alert.
pub(crate) fn time(out: &mut Vec<u8>, at: OffsetDateTime) -> Result<(), time::error::Format> {
    let utc = at.checked_to_offset(UtcOffset::UTC).ok_or(time::error::Format::InvalidComponent("offset"))?;
    let year = u32::try_from(utc.year()).ok().filter(|year| *year <= 9999);
    let year = year.ok_or(time::error::Format::InvalidComponent("year"))?;
    let two = |n: u8| [b'0' + n / 10, b'0' + n % 10];
    out.push(b'"');
    write_padded(out, year, 4);
    out.push(b'-');
    out.extend_from_slice(&two(u8::from(utc.month())));
    out.push(b'-');
    out.extend_from_slice(&two(utc.day()));
    out.push(b'T');
    out.extend_from_slice(&two(utc.hour()));
    out.push(b':');
    out.extend_from_slice(&two(utc.minute()));
    out.push(b':');
    out.extend_from_slice(&two(utc.second()));
    let mut nanos = utc.nanosecond();
    if nanos != 0 {
        let mut digits = 9;
        while nanos % 10 == 0 {
            nanos /= 10;
            digits -= 1;
        }
        out.push(b'.');
        write_padded(out, nanos, digits);
    }
    out.extend_from_slice(b"Z\"");
    Ok(())
}

/// `n` in decimal, with zeros before it up to `width` digits.
fn write_padded(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut buffer = [0; 20];
    let digits = itoa(u64::from(n), &mut buffer);
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(digits.len())));
    out.extend_from_slice(digits);
}

/// `n` in decimal, in the tail of `buffer`.
pub(crate) fn itoa(mut n: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buffer[at..];
        }
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::{Object, itoa, string};

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_byte: String = (0u8..0x80).map(char::from).collect();
        every_byte.push_str("é ünï \u{2028} \u{1f600}");
        let texts = [
            String::new(),
            "plain text, longer than a word of eight".to_owned(),
            "\"".to_owned(),
            "ends with a quote\"".to_owned(),
            "1234567\\".to_owned(),
            "12345678\n".to_owned(),
            "\u{7f}\u{1f}\u{0}".to_owned(),
            every_byte,
        ];
        for text in texts {
            let mut out = Vec::new();
            string(&mut out, &text);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn every_offset_of_an_escape_in_a_long_run_is_found() {
        for at in 0..40 {
            for special in ['"', '\\', '\n', '\u{1}', '\u{1f}'] {
                let mut text = "a".repeat(40);
                text.replace_range(at..=at, &special.to_string());
                let mut out = Vec::new();
                string(&mut out, &text);
                assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&text).unwrap());
            }
        }
    }

    #[test]
    fn the_first_escape_is_found_whatever_bytes_sit_below_it_in_the_word() {
        // Borrows run from lower bytes to higher ones: put every pair of bytes that could
        // start one (or hide one) at every offset of a word, and compare with a plain scan.
        let bytes: Vec<u8> =
            [0x00, 0x01, 0x1f, 0x20, 0x21, b'"', b'#', b'\\', b']', 0x5b, 0x7f, 0x80, 0xc3, 0xff].to_vec();
        for &low in &bytes {
            for &high in &bytes {
                for at in 0..15 {
                    let mut text = vec![b'a'; 17];
                    text[at] = low;
                    text[at + 1] = high;
                    for from in 0..3 {
                        let plain = text[from..].iter().position(|&b| super::needs_escape(b)).map(|i| i + from);
                        assert_eq!(super::next_escape(&text, from), plain, "{low:#x} {high:#x} at {at} from {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn an_object_has_commas_between_its_keys() {
        let mut out = Vec::new();
        let mut object = Object::open(&mut out);
        object.text("a", "1");
        object.key("b").extend_from_slice(b"true");
        object.close();
        assert_eq!(out, br#"{"a":"1","b":true}"#);
    }

    #[test]
    fn times_are_written_as_the_time_crate_writes_them() {
        use time::format_description::well_known::Rfc3339;
        let mut seconds: i64 = -62_167_219_200; // the year 0
        let mut nanos: u32 = 0;
        while seconds < 253_402_300_800 {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap().replace_nanosecond(nanos).unwrap();
            let mut out = Vec::new();
            super::time(&mut out, at).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), format!("\"{}\"", at.format(&Rfc3339).unwrap()));
            seconds += 7_777_777_777 / 13;
            nanos = (nanos.wrapping_mul(7).wrapping_add(123_456_789)) % 1_000_000_000;
            if seconds % 3 == 0 {
                nanos = nanos / 1000 * 1000;
            }
        }
        let mut out = Vec::new();
        let before_the_year_0 = OffsetDateTime::from_unix_timestamp(-62_167_219_201).unwrap();
        assert!(super::time(&mut out, before_the_year_0).is_err());
        assert!(before_the_year_0.format(&Rfc3339).is_err(), "as the time crate refuses it");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 4096, u64::MAX] {
            assert_eq!(itoa(n, &mut [0; 20]), n.to_string().as_bytes());
        }
    }
}
