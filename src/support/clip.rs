//! Shortening text that is echoed or sent where space is bounded.

use std::borrow::Cow;

/// `text` in at most `max_chars` characters: as it is when it fits, otherwise its first
/// `max_chars - 1` characters and `…`, cut on a character boundary. Echoed input (in errors) and
/// bounded fields (in alerts) go through here, so a 1 MB string never becomes a 1 MB message.
pub(crate) fn clip(text: &str, max_chars: usize) -> Cow<'_, str> {
    clip_json(text, max_chars, usize::MAX)
}

/// `text` in at most `max_chars` characters whose JSON-escaped form (without the quotes) takes
/// at most `max_json_bytes` bytes; cut as [`clip`] cuts, the ellipsis counted in both limits.
/// A string of control characters takes six bytes a character once escaped, so a limit in
/// characters alone does not bound a JSON body.
pub(crate) fn clip_json(text: &str, max_chars: usize, max_json_bytes: usize) -> Cow<'_, str> {
    const ELLIPSIS_BYTES: usize = '…'.len_utf8();
    // A character takes at most six escaped bytes and at least one, so most texts fit at once.
    if text.len() <= max_chars && text.len().saturating_mul(6) <= max_json_bytes {
        return Cow::Borrowed(text);
    }
    let (mut chars, mut bytes) = (0, 0);
    // The longest prefix that leaves room for the ellipsis, if even that fits.
    let mut cut = None;
    for (at, c) in text.char_indices() {
        if chars < max_chars && bytes + ELLIPSIS_BYTES <= max_json_bytes {
            cut = Some(at);
        }
        chars += 1;
        bytes += json_len(c);
        if chars > max_chars || bytes > max_json_bytes {
            return cut.map_or(Cow::Borrowed(""), |cut| Cow::Owned(format!("{}…", &text[..cut])));
        }
    }
    Cow::Borrowed(text)
}

/// How many bytes `text` takes in a JSON string once escaped, without its quotes.
#[cfg(feature = "pagerduty")]
pub(crate) fn escaped_len(text: &str) -> usize {
    text.chars().map(json_len).sum()
}

/// How many bytes `c` takes in a JSON string, escaped as serde_json escapes it.
fn json_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        '\0'..='\u{1f}' => 6,
        _ => c.len_utf8(),
    }
}

#[cfg(test)]
mod tests {
    use super::{clip, clip_json};

    #[test]
    fn clip_cuts_on_a_character_boundary() {
        let long = "é".repeat(100);
        let clipped = clip(&long, 65);
        assert_eq!(clipped.chars().count(), 65);
        assert!(clipped.ends_with("é…"));
        assert_eq!(clip("short", 64), "short");
    }

    #[test]
    fn text_of_exactly_the_limit_is_kept_whole() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("ab\u{e9}", 3), "ab\u{e9}");
        assert_eq!(clip("abcd", 3), "ab…");
    }

    #[cfg(feature = "pagerduty")]
    #[test]
    fn escaped_length_is_what_serde_json_writes() {
        for text in ["plain", "\"quoted\" \\ and \n", "ünïcødé \u{1f}\u{7f}", ""] {
            assert_eq!(super::escaped_len(text), serde_json::to_string(text).unwrap().len() - 2, "{text:?}");
        }
    }

    #[test]
    fn escaped_bytes_are_a_second_limit() {
        let controls = "\u{1}".repeat(100);
        let clipped = clip_json(&controls, 100, 60);
        let escaped = serde_json::to_string(&*clipped).unwrap();
        assert!(escaped.len() - 2 <= 60, "{} bytes", escaped.len() - 2);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip_json("plain", 100, 60), "plain");
        for text in ["\"quoted\" \\ and \n", "ünïcødé \u{1f}", &"x".repeat(70)] {
            for limit in 0..40 {
                let cut = clip_json(text, 1000, limit);
                let escaped = serde_json::to_string(&*cut).unwrap();
                assert!(escaped.len() - 2 <= limit, "{text:?} at {limit}: {escaped}");
            }
        }
    }
}
