//! JSON bodies with `{{placeholders}}`, filled so that no field content can change the body's
//! structure.

use std::fmt::Write;

use serde_json::Value;

use super::placeholder::Placeholder;
use crate::event::Event;

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A placeholder this crate cannot fill.
    #[error("unknown placeholder {{{{{name}}}}}; valid ones: {}", Placeholder::names().collect::<Vec<_>>().join(", "))]
    UnknownPlaceholder {
        /// The name inside the braces.
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
}

/// A JSON body with `{{placeholders}}` ([`placeholders`](super::placeholders) lists them).
///
/// A placeholder inside a JSON string (`"{{job.name}} failed"`) is filled with the value's text,
/// JSON-escaped; one standing as a value (`"tags": {{job.tags}}`) is filled with the value as JSON.
/// So no field content can change the body's structure, and since the template is checked to
/// be JSON when parsed, every rendered body is valid JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field { placeholder: Placeholder, in_string: bool },
}

impl Default for Template {
    /// `{{event}}`: the event in its documented webhook shape.
    fn default() -> Self {
        Self(vec![Part::Field { placeholder: Placeholder::Event, in_string: false }])
    }
}

impl Template {
    /// Parses a template.
    ///
    /// # Errors
    /// [`TemplateError`] for an unknown or unclosed placeholder, or a template that is not
    /// JSON with its placeholders filled.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let (mut in_string, mut escaped) = (false, false);
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("{{") {
                let at = text.len() - rest.len();
                if escaped {
                    // `"\{{x}}"` would make the filled value's first character an escape.
                    return Err(TemplateError::InvalidJson {
                        reason: format!("a placeholder follows a backslash at byte {at}"),
                    });
                }
                let end = rest.find("}}").ok_or(TemplateError::Unclosed { at })?;
                let name = rest[2..end].trim();
                let placeholder = Placeholder::named(name)
                    .ok_or_else(|| TemplateError::UnknownPlaceholder { name: name.to_owned() })?;
                parts.push(Part::Text(std::mem::take(&mut literal)));
                parts.push(Part::Field { placeholder, in_string });
                rest = &rest[end + 2..];
                continue;
            }
            match (c, in_string, escaped) {
                (_, true, true) => escaped = false,
                ('\\', true, false) => escaped = true,
                ('"', _, false) => in_string = !in_string,
                _ => {}
            }
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
        parts.push(Part::Text(literal));
        parts.retain(|part| !matches!(part, Part::Text(text) if text.is_empty()));
        let template = Self(parts);
        template.check()?;
        Ok(template)
    }

    /// Renders the body for `event`; `None` when the event cannot be written (a hand-built time
    /// outside the years 0 to 9999).
    pub fn render(&self, event: &Event) -> Option<Vec<u8>> {
        // Built only when a field is asked for: `{{event}}` alone serializes directly,
        // keeping the documented field order.
        let json = std::cell::OnceCell::new();
        let json = || json.get_or_init(|| serde_json::to_value(event).unwrap_or(Value::Null));
        // An event built by hand with a time no JSON can hold renders nothing.
        let whole = || serde_json::to_string(event).ok();
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field { placeholder: Placeholder::Event, in_string: false } => out.push_str(&whole()?),
                Part::Field { placeholder, in_string } => fill(&mut out, &placeholder.value(event, json), *in_string),
            }
        }
        Some(out.into_bytes())
    }

    /// A template is valid when filling every placeholder gives JSON; the kind of value does
    /// not matter, as each fills as a whole JSON value or as escaped text in a string. It is
    /// filled twice: with nothing (`null`, or no text), and with a list as deep as the deepest
    /// value a placeholder of a known event gives (a concurrency event: 4 levels), or that as
    /// text. So a placeholder which would split an escape (`"\u00{{x}}41"`), part a surrogate
    /// pair or push the nesting past what serde_json reads is caught here, not in a body.
    fn check(&self) -> Result<(), TemplateError> {
        for filler in [Value::Null, serde_json::json!([[[["x"]]]])] {
            let mut sample = String::new();
            for part in &self.0 {
                match part {
                    Part::Text(text) => sample.push_str(text),
                    Part::Field { in_string, .. } => fill(&mut sample, &filler, *in_string),
                }
            }
            // Read into a `Value` rather than skipped: that also refuses what most JSON readers
            // cannot take, such as numbers beyond `f64`, lone surrogates and nesting past 128.
            serde_json::from_str::<Value>(&sample)
                .map_err(|err| TemplateError::InvalidJson { reason: err.to_string() })?;
        }
        Ok(())
    }
}

/// Writes `value` as a JSON value, or, inside a string, as its escaped text (`null` as nothing).
fn fill(out: &mut String, value: &Value, in_string: bool) {
    if !in_string {
        let _ = write!(out, "{value}");
        return;
    }
    let text = match value {
        Value::Null => return,
        Value::String(text) => serde_json::to_string(text),
        other => serde_json::to_string(&other.to_string()),
    };
    // `to_string` of a string is its quoted, escaped JSON form; keep what is inside the quotes.
    if let Ok(quoted) = text {
        out.push_str(&quoted[1..quoted.len() - 1]);
    }
}
