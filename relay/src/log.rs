//! Structured logs: one JSON object per line on standard output. Every value is written by
//! serde_json, escaped, so no text from a request can start a line of its own.

use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::time::format_description::well_known::Rfc3339;
use serde_json::{Map, Value, json};

/// Writes `{"ts": …, "level": …, "msg": …, …fields}`.
pub fn log(level: &str, msg: &str, fields: Value) {
    let mut line = Map::new();
    line.insert("ts".into(), json!(OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()));
    line.insert("level".into(), json!(level));
    line.insert("msg".into(), json!(msg));
    if let Value::Object(fields) = fields {
        line.extend(fields);
    }
    println!("{}", Value::Object(line));
}
