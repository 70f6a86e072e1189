//! Text from input made safe to show in messages and logs.

/// `text` with control and other invisible characters escaped as Rust writes them (`\n`,
/// `\u{1b}`, `\u{202e}`), so that no input can start a new log line or rewrite the terminal,
/// and the rest kept as it is.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_invisible(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that change how the text around them shows: bidirectional controls, zero-width
/// characters, line separators and tags.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn nothing_invisible_survives() {
        let forged = "j\n[INFO] forged\u{1b}[2J\u{202e}x\u{061c}\u{180e}\u{e0041}";
        let shown = printable(forged);
        assert_eq!(shown, r"j\n[INFO] forged\u{1b}[2J\u{202e}x\u{61c}\u{180e}\u{e0041}");
        assert_eq!(printable("checkout ✓ passed"), "checkout ✓ passed");
    }
}
