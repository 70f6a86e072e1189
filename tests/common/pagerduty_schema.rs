//! PagerDuty's own OpenAPI schema of the Events API v2, checked against bodies.

use sauce_webhooks::time;
use serde_json::Value;

/// Checks `value` against the subset of JSON Schema PagerDuty's file uses (`$ref`, `type`,
/// `required`, `enum`, `items`, `properties`, `format`), plus what Events v2 also wants: no
/// `null` anywhere and no key the schema does not declare.
fn check(value: &Value, schema: &Value, root: &Value, path: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let target = reference.trim_start_matches("#/").split('/').fold(root, |node, part| &node[part]);
        return check(value, target, root, path);
    }
    if value.is_null() {
        return Err(format!("{path}: null"));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{path}: {value} not in {allowed:?}"));
    }
    match schema["type"].as_str() {
        Some("object") => {
            let object = value.as_object().ok_or(format!("{path}: not an object"))?;
            for required in schema["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap();
                if !object.contains_key(name) {
                    return Err(format!("{path}: missing required {name}"));
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, field) in object {
                    let declared = properties.get(name).ok_or(format!("{path}.{name}: not in the schema"))?;
                    check(field, declared, root, &format!("{path}.{name}"))?;
                }
            }
        }
        Some("array") => {
            for (i, item) in value.as_array().ok_or(format!("{path}: not an array"))?.iter().enumerate() {
                check(item, &schema["items"], root, &format!("{path}[{i}]"))?;
            }
        }
        Some("string") => {
            let text = value.as_str().ok_or(format!("{path}: not a string"))?;
            match schema["format"].as_str() {
                Some("date-time") => {
                    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                        .map_err(|e| format!("{path}: {text:?} is not RFC 3339: {e}"))?;
                    if !text.ends_with('Z') {
                        return Err(format!("{path}: {text:?} should end in Z"));
                    }
                }
                Some("url") => drop(url::Url::parse(text).map_err(|e| format!("{path}: {text:?}: {e}"))?),
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks `body` against the schema of PagerDuty's `endpoint` (`/enqueue`,
/// `/change/enqueue`); the body as JSON, or what is wrong with it.
pub fn validate(body: &[u8], endpoint: &str) -> Result<Value, String> {
    // Beside this file, so that every crate of the workspace that includes it finds it.
    let root: Value = serde_json::from_str(include_str!("../data/pagerduty-events-v2.openapi.json")).unwrap();
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let request = &root["paths"][endpoint]["post"]["requestBody"]["content"]["application/json"]["schema"];
    if !request.is_object() {
        return Err(format!("no schema for {endpoint}"));
    }
    check(&value, request, &root, "$").map_err(|problem| format!("{problem}\n{value}"))?;
    Ok(value)
}
