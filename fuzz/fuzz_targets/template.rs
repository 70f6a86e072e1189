//! Any text as a connector template, filled from any event: parsing never panics, and every
//! body a template renders is valid JSON, whatever the event's text holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sauce_webhooks::Event;
use sauce_webhooks::connector::Template;
use sauce_webhooks::testing::fixtures;

fuzz_target!(|data: &[u8]| {
    // The template, then after the first NUL an event body (a fixture when there is none).
    let (template, body) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, fixtures::VDC_JOB_FAILED),
    };
    let Ok(template) = std::str::from_utf8(template) else { return };
    let Ok(template) = Template::parse(template) else { return };
    let event = Event::from_slice(body).unwrap_or_else(|_| Event::from_slice(fixtures::VDC_JOB_FAILED).unwrap());
    if let Some(rendered) = template.render(&event) {
        if let Err(err) = serde_json::from_slice::<serde_json::Value>(&rendered) {
            panic!("rendered invalid JSON ({err}): {}", String::from_utf8_lossy(&rendered));
        }
    }
});
