//! A body of one event or an array of them, read one element at a time.

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::error::ParseError;
use super::position::Lines;
use crate::event::Event;

/// The events of a body holding one JSON object or an array of them, from
/// [`Event::from_slice_batch`]: each element is parsed when the iterator reaches it.
///
/// An element that is JSON but not an event gives its [`ParseError`] (with a path such as
/// `$[1].creation_time`) and the iterator goes on to the next; broken JSON ends it with its
/// error. Holding no more than the element at hand, it reads an array of any length within the
/// memory bound of a single event.
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    body: &'a [u8],
    cursor: Cursor,
}

/// Where a batch's reading stands, apart from the body it reads: so that an owner of the body
/// (a framework's bytes) can go on reading it where a [`Batch`] left off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor {
    state: State,
    lines: Lines,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// The body is one object.
    Single,
    /// Inside the array: the next byte to read, what may come there, and the next index.
    Array {
        at: usize,
        expecting: Expecting,
        index: usize,
    },
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expecting {
    /// Just after `[`: an element or `]`.
    FirstElement,
    /// Just after an element: `,` or `]`.
    Separator,
}

impl<'a> Batch<'a> {
    pub(crate) fn new(body: &'a [u8]) -> Self {
        let start = skip_whitespace(body, 0);
        let state = if body.get(start) == Some(&b'[') {
            State::Array { at: start + 1, expecting: Expecting::FirstElement, index: 0 }
        } else {
            State::Single
        };
        Self { body, cursor: Cursor { state, lines: Lines::new() } }
    }

    /// Where the reading stands: [`Cursor::next`] over the same body goes on from there.
    #[cfg(feature = "axum")]
    pub(crate) fn cursor(&self) -> Cursor {
        self.cursor
    }
}

impl Cursor {
    /// Reads the element starting at `at` (past any whitespace), moving past it.
    fn element(&mut self, body: &[u8], at: usize, index: usize) -> Result<Event<'static>, ParseError> {
        let mut elements = serde_json::Deserializer::from_slice(&body[at..]).into_iter::<&RawValue>();
        match elements.next() {
            Some(Ok(raw)) => {
                let end = at + elements.byte_offset();
                self.state = State::Array { at: end, expecting: Expecting::Separator, index: index + 1 };
                let text = raw.get();
                let offset = text.as_ptr() as usize - body.as_ptr() as usize;
                Event::from_slice(text.as_bytes()).map_err(|err| err.in_batch(index, self.lines.at(body, offset)))
            }
            Some(Err(err)) => {
                self.state = State::Done;
                Err(ParseError::locate::<IgnoredAny>(&body[at..], &err).in_batch(index, self.lines.at(body, at)))
            }
            None => {
                self.state = State::Done;
                Err(ParseError::syntax_at(body, body.len(), "EOF while parsing a list"))
            }
        }
    }

    /// After the closing `]` at `at`: nothing but whitespace may follow.
    fn end(&mut self, body: &[u8], at: usize) -> Option<Result<Event<'static>, ParseError>> {
        self.state = State::Done;
        let rest = skip_whitespace(body, at + 1);
        (rest < body.len()).then(|| Err(ParseError::syntax_at(body, rest, "trailing characters")))
    }

    /// The next event of `body`, which must be the body this cursor started on.
    pub(crate) fn next(&mut self, body: &[u8]) -> Option<Result<Event<'static>, ParseError>> {
        let (at, expecting, index) = match self.state {
            State::Done => return None,
            State::Single => {
                self.state = State::Done;
                return Some(Event::from_slice(body));
            }
            State::Array { at, expecting, index } => (at, expecting, index),
        };
        let at = skip_whitespace(body, at);
        match (body.get(at), expecting) {
            (Some(b']'), Expecting::FirstElement | Expecting::Separator) => self.end(body, at),
            (Some(b','), Expecting::Separator) => {
                let next = skip_whitespace(body, at + 1);
                Some(self.element(body, next, index))
            }
            (Some(_), Expecting::FirstElement) => Some(self.element(body, at, index)),
            (None, _) => {
                self.state = State::Done;
                Some(Err(ParseError::syntax_at(body, at, "EOF while parsing a list")))
            }
            (Some(_), Expecting::Separator) => {
                self.state = State::Done;
                Some(Err(ParseError::syntax_at(body, at, "expected `,` or `]`")))
            }
        }
    }
}

impl Iterator for Batch<'_> {
    type Item = Result<Event<'static>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.cursor.next(self.body)
    }
}

impl std::iter::FusedIterator for Batch<'_> {}

/// The first position from `from` that is not JSON whitespace.
fn skip_whitespace(body: &[u8], from: usize) -> usize {
    let blank = |b: &&u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    from + body.get(from..).map_or(0, |rest| rest.iter().take_while(blank).count())
}
