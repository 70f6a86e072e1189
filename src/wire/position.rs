//! Where a byte of a body is, as serde_json says it: a 1-based line and a column.

/// Finds the line of byte offsets met in increasing order, counting lines only from the last
/// offset asked: placing every error of a long batch then costs one pass over the body, not
/// one pass per error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lines {
    offset: usize,
    line: usize,
    line_start: usize,
}

impl Lines {
    pub(crate) fn new() -> Self {
        Self { offset: 0, line: 1, line_start: 0 }
    }

    /// The 1-based line of byte `offset` of `body`, and how many bytes of that line come before
    /// it. An offset before the last one asked counts as the last one.
    pub(crate) fn at(&mut self, body: &[u8], offset: usize) -> (usize, usize) {
        let offset = offset.clamp(self.offset, body.len().max(self.offset));
        for (i, &byte) in body.get(self.offset..offset).unwrap_or_default().iter().enumerate() {
            if byte == b'\n' {
                self.line += 1;
                self.line_start = self.offset + i + 1;
            }
        }
        self.offset = offset;
        (self.line, offset - self.line_start)
    }
}

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn lines_and_columns_in_one_pass() {
        let body = b"[\n  {},\n\n  {}]";
        let mut lines = Lines::new();
        assert_eq!(lines.at(body, 0), (1, 0));
        assert_eq!(lines.at(body, 4), (2, 2));
        assert_eq!(lines.at(body, 11), (4, 2));
        assert_eq!(lines.at(body, 3), (4, 2), "an earlier offset stays at the last one");
        assert_eq!(lines.at(body, 99), (4, 5), "past the end is the end");
        assert_eq!(Lines::new().at(body, 11), (4, 2), "a fresh count agrees");
    }
}
