//! Shortening text that is echoed or sent where space is bounded.

use std::borrow::Cow;

/// `text` in at most `max_chars` characters: as it is when it fits, otherwise its first
/// `max_chars - 1` characters and `…`, cut on a character boundary. Echoed input (in errors) and
/// bounded fields (in alerts) go through here, so a 1 MB string never becomes a 1 MB message.
pub(crate) fn clip(text: &str, max_chars: usize) -> Cow<'_, str> {
    // A string has no more characters than bytes, so most texts skip counting.
    if text.len() <= max_chars {
        return Cow::Borrowed(text);
    }
    let mut starts = text.char_indices().map(|(at, _)| at);
    match (starts.nth(max_chars.saturating_sub(1)), starts.next()) {
        (Some(cut), Some(_)) => Cow::Owned(format!("{}…", &text[..cut])),
        _ => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::clip;

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
}
