//! The events of a verified Sauce Labs webhook, handed to the handler one at a time.

use axum::body::Bytes;

use crate::event::Event;
use crate::signature::{SauceLabs, Verified};
use crate::wire::batch::Cursor;
use crate::wire::error::ParseError;
use crate::wire::parse::without_bom;

/// Every event of a verified Sauce Labs webhook: one event, or each element of an array,
/// handed over one at a time.
///
/// ```
/// use axum::http::StatusCode;
/// use sauce_webhooks::axum::SauceEvents;
/// use sauce_webhooks::Event;
///
/// async fn sauce(events: SauceEvents) -> StatusCode {
///     println!("{} events", events.len());
///     for event in events {
///         if let Event::Job(job) = event {
///             println!("{} {}", job.id, job.status);
///         }
///     }
///     StatusCode::NO_CONTENT
/// }
/// # let _ = sauce;
/// ```
///
/// All or nothing: one element that does not parse refuses the request (400, with where and
/// what), so that a request is never taken in half. To keep the elements that parse, take
/// [`Signed`](super::Signed) and read [`Verified::events`].
///
/// It holds the body and one event, never the whole array parsed: each element is parsed when
/// the iteration reaches it (the elements after the first twice, then: once before the handler
/// runs, to refuse the request if one does not parse, and once when reached). So a request
/// holds at most what parsing one element does, within the crate's bound of eight times the
/// body and 64 KiB, however many elements a signed body of 2 MiB packs (`[{},{},...]` is
/// 700,000 of them).
///
/// Always signed: a request without a signature is refused (401) even by a verifier built
/// with [`Verifier::with_insecure_accept_unsigned`](crate::signature::Verifier::with_insecure_accept_unsigned);
/// take [`Signed`](super::Signed), which says [`is_signed`](Verified::is_signed), to let such
/// requests in.
#[derive(Debug, Clone)]
pub struct SauceEvents {
    body: Bytes,
    checked: Checked,
}

impl SauceEvents {
    /// How many events the request holds.
    pub fn len(&self) -> usize {
        self.checked.len
    }

    /// Whether it holds none (an empty array).
    pub fn is_empty(&self) -> bool {
        self.checked.len == 0
    }

    /// The first event, parsed already (`None` for an empty array).
    pub fn first(&self) -> Option<&Event<'static>> {
        self.checked.first.as_ref()
    }

    /// The events, each parsed when reached (the first copied, the others parsed again at
    /// each iteration): owned `Event`s, not references, as [`SauceEvents`] holds none but the
    /// first. `for event in &events` is the same.
    pub fn iter(&self) -> Events {
        Events { first: self.checked.first.clone(), body: self.body.clone(), rest: self.checked.rest }
    }

    /// The verified body, as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

/// The events, each parsed when reached, the first already parsed.
impl IntoIterator for SauceEvents {
    type Item = Event<'static>;
    type IntoIter = Events;

    fn into_iter(self) -> Events {
        let Checked { first, rest, .. } = self.checked;
        Events { first, body: self.body, rest }
    }
}

/// The events, by value, each parsed when reached: as [`SauceEvents::iter`].
impl IntoIterator for &SauceEvents {
    type Item = Event<'static>;
    type IntoIter = Events;

    fn into_iter(self) -> Events {
        self.iter()
    }
}

/// The events of a [`SauceEvents`], by value: each parsed when reached.
#[derive(Debug, Clone)]
pub struct Events {
    first: Option<Event<'static>>,
    body: Bytes,
    rest: Cursor,
}

impl Iterator for Events {
    type Item = Event<'static>;

    fn next(&mut self) -> Option<Event<'static>> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        // The body as `Event::from_slice_batch` read it, past a byte order mark; every
        // element was parsed once already, so none gives an error.
        let body = without_bom(&self.body);
        while let Some(next) = self.rest.next(body) {
            if let Ok(event) = next {
                return Some(event);
            }
        }
        None
    }
}

impl std::iter::FusedIterator for Events {}

/// What checking a verified body leaves: its first event (parsed once, for the common body of
/// one), where the rest begins, and how many there are in all.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    first: Option<Event<'static>>,
    rest: Cursor,
    len: usize,
}

impl Checked {
    /// Parses every event of `verified`, keeping only the first.
    ///
    /// # Errors
    /// The first element's error that does not parse.
    pub(super) fn of(verified: Verified<'_, SauceLabs>) -> Result<Self, ParseError> {
        let mut events = verified.events();
        let first = events.next().transpose()?;
        let rest = events.cursor();
        let mut len = usize::from(first.is_some());
        for event in events {
            event?;
            len += 1;
        }
        Ok(Self { first, rest, len })
    }

    /// The events of `body`, the body these were checked in.
    pub(super) fn of_body(self, body: Bytes) -> SauceEvents {
        SauceEvents { body, checked: self }
    }
}
