//! JSON bodies with `{{placeholders}}`, filled so that no field content can change the body's
//! structure.

use serde_json::Value;

use super::placeholder::Placeholder;
use crate::event::Event;
use crate::support::clip::clip;
use crate::support::printable::printable;
use crate::values::raw_json::WithinNesting;

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A placeholder this crate cannot fill.
    #[error("unknown placeholder {{{{{name}}}}}; valid ones: {}", Placeholder::names().collect::<Vec<_>>().join(", "))]
    UnknownPlaceholder {
        /// The name inside the braces, cut to 64 characters, invisible characters escaped
        /// (`\n`, `\u{1b}`) so that the message cannot forge a log line.
        name: String,
    },
    /// `{{` without a closing `}}`.
    #[error("placeholder at byte {at} is not closed with }}}}")]
    Unclosed {
        /// Byte offset of its `{{`.
        at: usize,
    },
    /// The template is not JSON once its placeholders are filled.
    #[error("the template is not valid JSON: {reason}")]
    InvalidJson {
        /// serde_json's message, with the position.
        reason: String,
    },
    /// A placeholder inside an object's key, where a field's text could name (or repeat) a key
    /// of the template's own.
    #[error("placeholder at byte {at} is inside an object key; placeholders may stand only in values")]
    PlaceholderInKey {
        /// Byte offset of its `{{`.
        at: usize,
    },
}

/// Why a template could not be rendered for an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The body would be larger than the template's limit ([`Template::with_max_body`]).
    #[error("the rendered body would exceed {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The event cannot be written as JSON: a time built by hand outside the years 0 to 9999.
    #[error("the event cannot be written as JSON: {reason}")]
    Unwritable {
        /// What serde_json said.
        reason: String,
    },
    /// A value kept as sent (an unknown event, an Error Reporting group's `attributes`) nests
    /// so deep that, within the template's own nesting, the body would pass the 127 levels
    /// JSON readers take.
    #[error("the rendered body would nest deeper than 127 levels")]
    TooDeep,
}

/// The default largest body a template renders: 512 KiB, more than any chat or ticketing
/// webhook takes.
pub const DEFAULT_MAX_RENDERED_BODY: usize = 512 * 1024;

/// A JSON body with `{{placeholders}}` ([`placeholders`](super::placeholders) lists them).
///
/// A placeholder inside a JSON string value (`"{{job.name}} failed"`) is filled with the
/// value's text, JSON-escaped; one standing as a value (`"tags": {{job.tags}}`) is filled with
/// the value as JSON; none may stand in an object's key. So the body has exactly the keys and
/// nesting the template writes, whatever the fields hold, and since the template is checked to
/// be JSON when parsed, every rendered body is valid JSON. A rendered body is at most
/// [`DEFAULT_MAX_RENDERED_BODY`] bytes unless [`with_max_body`](Template::with_max_body) says
/// otherwise; each placeholder's value is written out once, however often it appears.
#[derive(Clone, PartialEq)]
pub struct Template {
    /// The template's own text, without its placeholders.
    text: String,
    /// Where in `text` each placeholder's value goes, in order.
    fields: Vec<Field>,
    max_body: usize,
}

/// A placeholder's place: a byte offset in the text (templates are far below 4 GiB), what it
/// stands for, and whether it sits inside a string. Twelve bytes, so a template of nothing but
/// placeholders takes little more than its own text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    at: u32,
    placeholder: Placeholder,
    in_string: bool,
}

// The text is summed up: a template may carry a token (a routing key in the body, say).
#[allow(clippy::missing_fields_in_debug)]
impl std::fmt::Debug for Template {
    /// The placeholders and how much text surrounds them, not the text, which may carry a
    /// token (`{"routing_key": "…"}`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let placeholders: Vec<&str> = self.fields.iter().map(|field| field.placeholder.name()).collect();
        f.debug_struct("Template")
            .field("placeholders", &placeholders)
            .field("text_bytes", &self.text.len())
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl Default for Template {
    /// `{{event}}`: the event in its documented webhook shape.
    fn default() -> Self {
        Self {
            text: String::new(),
            fields: vec![Field { at: 0, placeholder: Placeholder::Event, in_string: false }],
            max_body: DEFAULT_MAX_RENDERED_BODY,
        }
    }
}

impl Template {
    /// Parses a template.
    ///
    /// # Errors
    /// [`TemplateError`] for an unknown or unclosed placeholder, one inside an object's key, or
    /// a template that is not JSON with its placeholders filled.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let too_long = || TemplateError::InvalidJson { reason: "the template is 4 GiB or more".to_owned() };
        let mut template = Self {
            text: String::with_capacity(text.len()),
            fields: Vec::with_capacity(text.matches("{{").count()),
            max_body: DEFAULT_MAX_RENDERED_BODY,
        };
        let mut json = Structure::default();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("{{") {
                let at = text.len() - rest.len();
                if json.escaped {
                    // `"\{{x}}"` would make the filled value's first character an escape.
                    return Err(TemplateError::InvalidJson {
                        reason: format!("a placeholder follows a backslash at byte {at}"),
                    });
                }
                if json.in_key {
                    return Err(TemplateError::PlaceholderInKey { at });
                }
                let end = rest.find("}}").ok_or(TemplateError::Unclosed { at })?;
                let name = rest[2..end].trim();
                let placeholder = Placeholder::named(name)
                    .ok_or_else(|| TemplateError::UnknownPlaceholder { name: printable(&clip(name, 65)) })?;
                let at = u32::try_from(template.text.len()).map_err(|_| too_long())?;
                template.fields.push(Field { at, placeholder, in_string: json.in_string });
                // A placeholder standing as a value is a whole value.
                json.after_value();
                rest = &rest[end + 2..];
                continue;
            }
            json.read(c);
            template.text.push(c);
            rest = &rest[c.len_utf8()..];
        }
        template.check()?;
        Ok(template)
    }

    /// Refuses to render bodies over `max_body` bytes (the default is
    /// [`DEFAULT_MAX_RENDERED_BODY`]).
    #[must_use]
    pub fn with_max_body(mut self, max_body: usize) -> Self {
        self.max_body = max_body;
        self
    }

    /// The template's text and placeholders in order: each piece of text, and the placeholder
    /// after it (none after the last piece).
    fn pieces(&self) -> impl Iterator<Item = (&str, Option<Field>)> {
        let mut from = 0;
        let fields = self.fields.iter().map(Some).chain([None]);
        fields.map(move |field| {
            let to = field.map_or(self.text.len(), |field| field.at as usize);
            let piece = &self.text[from..to];
            from = to;
            (piece, field.copied())
        })
    }

    /// Renders the body for `event`.
    ///
    /// # Errors
    /// [`RenderError::TooLarge`] when the body would pass the limit (checked before each piece
    /// is written, so no more than the limit is ever built), [`RenderError::Unwritable`] for an
    /// event built by hand with a time outside the years 0 to 9999.
    pub fn render(&self, event: &Event) -> Result<Vec<u8>, RenderError> {
        // The event's JSON is built only when a field of its kind is asked for, and each
        // placeholder is written out once, however often it appears.
        let json = std::cell::OnceCell::new();
        let json = || json.get_or_init(|| serde_json::to_value(event).unwrap_or(Value::Null));
        let mut filled: Vec<(Placeholder, bool, String)> = Vec::new();
        let mut out = String::new();
        let mut push = |piece: &str| {
            if out.len() + piece.len() > self.max_body {
                return Err(RenderError::TooLarge { limit: self.max_body });
            }
            out.push_str(piece);
            Ok(())
        };
        for (text, field) in self.pieces() {
            push(text)?;
            let Some(Field { placeholder, in_string, .. }) = field else { continue };
            let known = filled.iter().position(|(p, s, _)| *p == placeholder && *s == in_string);
            let index = if let Some(index) = known {
                index
            } else {
                filled.push((placeholder, in_string, fill(placeholder, in_string, event, json)?));
                filled.len() - 1
            };
            push(&filled[index].2)?;
        }
        // `check` tried values as deep as a known event's own; a value kept as sent may nest
        // deeper, and then the whole body is read once to be sure a reader can take it.
        if filled.iter().any(|(_, in_string, value)| !in_string && nesting(value) > CHECKED_NESTING) {
            serde_json::from_str::<WithinNesting>(&out).map_err(|_| RenderError::TooDeep)?;
        }
        Ok(out.into_bytes())
    }

    /// A template is valid when filling every placeholder gives JSON; the kind of value does
    /// not matter, as each fills as a whole JSON value or as escaped text in a string. It is
    /// filled twice: with nothing (`null`, or no text), and with a list as deep as the deepest
    /// value a placeholder of a known event gives (a concurrency event: 4 levels), or that as
    /// text. So a placeholder which would split an escape (`"\u00{{x}}41"`), part a surrogate
    /// pair or push the nesting past what serde_json reads is caught here, not in a body.
    fn check(&self) -> Result<(), TemplateError> {
        // As deep as `CHECKED_NESTING`.
        for filler in [Value::Null, serde_json::json!([[[["x"]]]])] {
            let (as_value, as_text) = (written(&filler, false), written(&filler, true));
            let mut sample =
                String::with_capacity(self.text.len() + self.fields.len() * as_value.len().max(as_text.len()));
            for (text, field) in self.pieces() {
                sample.push_str(text);
                if let Some(field) = field {
                    sample.push_str(if field.in_string { &as_text } else { &as_value });
                }
            }
            // Read as a `Value` would be, keeping nothing: that refuses what most JSON readers
            // cannot take, such as numbers beyond `f64`, lone surrogates and nesting past 127.
            serde_json::from_str::<WithinNesting>(&sample)
                .map_err(|err| TemplateError::InvalidJson { reason: err.to_string() })?;
        }
        Ok(())
    }
}

/// How deep the values `check` fills a template with nest: a concurrency event's, the deepest
/// of a known event's own values.
const CHECKED_NESTING: usize = 4;

/// How deep the JSON text `json` nests (`[[1]]`: 2), brackets within strings aside.
fn nesting(json: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for byte in json.bytes() {
        match (in_string, escaped, byte) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (_, _, b'"') => in_string = !in_string,
            (false, _, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// What placeholder `placeholder` is filled with for `event`: its JSON, or its escaped text
/// inside a string.
fn fill<'a>(
    placeholder: Placeholder,
    in_string: bool,
    event: &Event,
    json: impl FnOnce() -> &'a Value,
) -> Result<String, RenderError> {
    if placeholder != Placeholder::Event {
        return Ok(written(&placeholder.value(event, json), in_string));
    }
    // The whole event, written once straight from the event (keeping the documented field
    // order), and escaped as text inside a string.
    let whole = serde_json::to_string(event).map_err(|err| RenderError::Unwritable { reason: err.to_string() })?;
    Ok(if in_string { escaped(&whole) } else { whole })
}

/// `value` as JSON, or, inside a string, as its escaped text (`null` as nothing).
fn written(value: &Value, in_string: bool) -> String {
    match (value, in_string) {
        (_, false) => value.to_string(),
        (Value::Null, true) => String::new(),
        (Value::String(text), true) => escaped(text),
        (other, true) => escaped(&other.to_string()),
    }
}

/// `text` escaped for the inside of a JSON string.
fn escaped(text: &str) -> String {
    // The quoted, escaped JSON form of a string, written where it fits when nothing needs
    // escaping, its quotes then taken off in place.
    let mut quoted = Vec::with_capacity(text.len() + 2);
    // Writing a string to a vector cannot fail, and gives UTF-8.
    let _ = serde_json::to_writer(&mut quoted, text);
    quoted.pop();
    if !quoted.is_empty() {
        quoted.remove(0);
    }
    String::from_utf8(quoted).unwrap_or_default()
}

/// Where the template's text stands in its JSON: inside a string, after a backslash, and
/// whether that string is an object's key.
#[derive(Default)]
#[allow(clippy::struct_excessive_bools)] // four independent facts of a small state machine
struct Structure {
    /// Open objects (`true`) and arrays (`false`), innermost last.
    containers: Vec<bool>,
    /// In an object, before its next `:`.
    expecting_key: bool,
    in_string: bool,
    in_key: bool,
    escaped: bool,
}

impl Structure {
    /// Follows one character of the template's own text.
    fn read(&mut self, c: char) {
        if self.in_string {
            match (c, self.escaped) {
                (_, true) => self.escaped = false,
                ('\\', false) => self.escaped = true,
                ('"', false) => {
                    self.in_string = false;
                    self.in_key = false;
                }
                _ => {}
            }
            return;
        }
        match c {
            '"' => {
                self.in_string = true;
                self.in_key = self.expecting_key && self.containers.last() == Some(&true);
            }
            '{' => {
                self.containers.push(true);
                self.expecting_key = true;
            }
            '[' => self.containers.push(false),
            '}' | ']' => {
                self.containers.pop();
                self.expecting_key = false;
            }
            ',' => self.expecting_key = self.containers.last() == Some(&true),
            ':' => self.expecting_key = false,
            _ => {}
        }
    }

    /// After a whole value written by a placeholder standing as one.
    fn after_value(&mut self) {
        if !self.in_string {
            self.expecting_key = false;
        }
    }
}
