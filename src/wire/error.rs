//! The error for a body that cannot be read.

use std::fmt::{self, Write};
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::DeserializeSeed;

use super::position::Lines;
use crate::support::clip::clip;
use crate::support::printable::printable;
use crate::values::raw_json::{WithinNesting, without_position};

/// A body that could not be parsed, with where and what.
///
/// [`path`](ParseError::path) is a JSON path from the body's root (`$`,
/// `$.concurrency.team.allowed.vms`, `$[1].id`), and [`line`](ParseError::line) and
/// [`column`](ParseError::column) are 1-based positions in the bytes; column 0 means before the
/// line's first byte (an empty body, or one that is not an object at all). The message says what
/// was expected and what was found; echoed values are shortened, so a 1 MB string never becomes
/// a 1 MB message. [`kind`](ParseError::kind) tells broken JSON from a value of the wrong form.
///
/// ```
/// use sauce_webhooks::{Event, ParseErrorKind};
///
/// let body = br#"{"concurrency":{"organization":{"id":"o","allowed":{"vms":1,"mac_vms":1,"rds":1},
/// "current":{"vms":0,"mac_vms":0,"rds":0}},"team":{"id":"t","allowed":{"vms":"ten"}}},"timestamp":1}"#;
/// let err = Event::from_slice(body).unwrap_err();
/// assert_eq!(err.kind(), ParseErrorKind::Invalid);
/// assert_eq!(err.path(), "$.concurrency.team.allowed.vms");
/// assert_eq!(err.line(), 2);
/// assert!(err.to_string().starts_with(r#"$.concurrency.team.allowed.vms: expected an integer"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    kind: ParseErrorKind,
    path: String,
    message: String,
    line: usize,
    column: usize,
}

/// What kind of problem a [`ParseError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The bytes are not one well-formed JSON value: empty, truncated, invalid UTF-8, nested
    /// deeper than 128 levels, or followed by trailing characters.
    Syntax,
    /// Well-formed JSON, but a value is missing or not in a form this crate accepts.
    Invalid,
}

/// Longest message kept, in characters.
const MAX_MESSAGE: usize = 201;
/// Longest object key kept in a path, in characters.
const MAX_KEY: usize = 65;
/// Longest path kept, in characters: a path 127 levels deep is cut, ending in `…`.
const MAX_PATH: usize = 201;

impl ParseError {
    /// Broken JSON, or a value of the wrong form.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// The JSON path of the offending value (`$` for the whole body).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong, without the path and position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based line of the error.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column of the error, in bytes.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Turns serde_json's error for `body` into a `ParseError`, finding the JSON path by
    /// reading the body again with path tracking: as `T` for a value of the wrong form, and
    /// into every value for broken JSON, wherever it is (a key no event reads included).
    /// Tracking costs an allocation per key, so it runs only here, after a plain parse has
    /// already failed, and it keeps nothing but the path.
    pub(crate) fn locate<'a, T: Deserialize<'a>>(body: &'a [u8], err: &serde_json::Error) -> Self {
        Self::locate_as(body, err, PhantomData::<T>)
    }

    /// As [`locate`](Self::locate), reading the body again with `seed` (a kind known before
    /// the body is read).
    pub(crate) fn locate_as<'a, S: DeserializeSeed<'a> + Copy>(
        body: &'a [u8],
        err: &serde_json::Error,
        seed: S,
    ) -> Self {
        // Raised after a value was read (by a check on text kept whole), the error has no
        // position; reading into every value finds the same fault with one.
        if err.line() == 0
            && let Err(positioned) = serde_json::from_slice::<WithinNesting>(body)
            && positioned.line() > 0
        {
            return Self::locate_as(body, &positioned, seed);
        }
        let path = match err.classify() {
            serde_json::error::Category::Data => tracked_path(body, seed),
            _ => tracked_path(body, PhantomData::<WithinNesting>),
        };
        let (line, column) = (err.line(), err.column());
        let message = printable(&clip(&without_position(err), MAX_MESSAGE));
        let kind = match err.classify() {
            serde_json::error::Category::Data => ParseErrorKind::Invalid,
            _ => ParseErrorKind::Syntax,
        };
        Self { kind, path, message, line, column }
    }

    /// Broken JSON found by the crate itself at byte `offset` of `body` (at its end for an
    /// unexpected end), placed as serde_json places its own errors.
    pub(crate) fn syntax_at(body: &[u8], offset: usize, message: &str) -> Self {
        let (line, before) = Lines::new().at(body, offset);
        let column = before + usize::from(offset < body.len());
        Self { kind: ParseErrorKind::Syntax, path: "$".to_owned(), message: message.to_owned(), line, column }
    }

    /// Places an error found inside element `index` of a batch, whose text starts at `start`
    /// (its line, and the bytes of that line before it), in the whole body's terms.
    pub(crate) fn in_batch(mut self, index: usize, (start_line, start_column): (usize, usize)) -> Self {
        self.path = format!("$[{index}]{}", &self.path[1..]);
        if self.line == 1 {
            self.column += start_column;
        }
        self.line += start_line - 1;
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { kind, path, message, line, column } = self;
        match kind {
            ParseErrorKind::Syntax => write!(f, "{path}: invalid JSON: {message} at line {line} column {column}"),
            ParseErrorKind::Invalid => write!(f, "{path}: {message} at line {line} column {column}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Appends an object key to a path: `.key` for a plain name, `["…"]` with escapes otherwise.
fn push_key(out: &mut String, key: &str) {
    let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        out.push('.');
        out.push_str(key);
    } else {
        let _ = write!(out, "[{}]", printable(&format!("{key:?}")));
    }
}

/// The path where reading `body` as `T` fails, `$` if it does not.
fn tracked_path<'a, S: DeserializeSeed<'a>>(body: &'a [u8], seed: S) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut track = serde_path_to_error::Track::new();
    match seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track)) {
        Err(_) => clip(&json_path(&track.path()), MAX_PATH).into_owned(),
        Ok(_) => "$".to_owned(),
    }
}

fn json_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("$");
    for segment in path {
        match segment {
            Segment::Seq { index } => {
                let _ = write!(out, "[{index}]");
            }
            Segment::Map { key } => push_key(&mut out, &clip(key, MAX_KEY)),
            Segment::Enum { variant } => {
                out.push('.');
                out.push_str(variant);
            }
            // A key that could not be read (the body ended inside it): the path stops here.
            Segment::Unknown => {}
        }
    }
    out
}
