//! What an event's job may hold its texts as: `String` or the parser's lent [`Text`].

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::Serialize;

use super::{Event, EventOf};
use crate::values::text::Text;

/// The text type of an event's job: `String` in an owned [`Event`], [`Text`] in an
/// [`EventRef`](crate::EventRef). Sealed: only these two. Routing, the incident ledger and the
/// alert writer take an event of either.
pub trait EventText: Deref<Target = str> + Clone + fmt::Debug + PartialEq + Eq + Serialize + sealed::Sealed {
    /// The text as an owned `String`, copied if it was borrowed.
    fn into_string(self) -> String;
}

impl EventText for String {
    fn into_string(self) -> String {
        self
    }
}

impl EventText for Text<'_> {
    fn into_string(self) -> String {
        self.into_owned()
    }
}

/// Out of users' reach: what the crate alone may ask of an event's texts.
pub(crate) mod sealed {
    use super::{Cow, Event, EventOf, Text};

    pub trait Sealed: Sized {
        /// Whether the parser lent it from a body, so that it holds nothing JSON escapes.
        fn is_plain_json(&self) -> bool;

        /// The event as an owned one: itself when it is, a copy when it borrows (for a
        /// host's own function, which takes an [`Event`]).
        fn owned_event(event: &EventOf<Self>) -> Cow<'_, Event>;
    }

    impl Sealed for String {
        fn is_plain_json(&self) -> bool {
            false
        }

        fn owned_event(event: &Event) -> Cow<'_, Event> {
            Cow::Borrowed(event)
        }
    }

    impl Sealed for Text<'_> {
        fn is_plain_json(&self) -> bool {
            self.is_lent()
        }

        fn owned_event(event: &EventOf<Self>) -> Cow<'_, Event> {
            Cow::Owned(event.clone().into_owned())
        }
    }
}
