//! Each public parser gets 10,000 generated hostile inputs (1,000 in a debug build, where
//! 10,000 take a minute; CI runs the 10,000 in release): deep nesting, huge numbers, long
//! strings, invalid UTF-8 (or control characters, for parsers of `&str`) and duplicate keys.
//! Every input has a known expected outcome, which is checked; no input may panic, and the
//! memory a parse holds at its peak stays within a small multiple of the input's size.

use sauce_webhooks::Event;
use sauce_webhooks::connector::{DEFAULT_MAX_RENDERED_BODY, RenderError, Template, TemplateError};
use sauce_webhooks::outgoing::endpoint::{Endpoint, EndpointError, MAX_URL_LEN};
use sauce_webhooks::pagerduty::webhook::Envelope;
use sauce_webhooks::signature::{PagerDutyV3, Secret, SignatureError, Verifier, sign};

const INPUTS: u64 = if cfg!(debug_assertions) { 1_000 } else { 10_000 };

/// The most levels of nesting serde_json reads into a `Value`.
const MAX_DEPTH: usize = 127;

/// How deep a template allows a placeholder's value to be: as deep as a concurrency event.
const DEEPEST_FILL: usize = 4;

/// SplitMix64: a fixed sequence, so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> usize {
        usize::try_from(self.next() % n).unwrap()
    }

    /// A length spread evenly over the orders of magnitude from 1 to 2^20 (1 MiB).
    fn length(&mut self) -> usize {
        let bits = self.below(20);
        (1 << bits) + self.below(1 << bits)
    }
}

/// Runs `parse` inside a counting allocator and checks its peak memory: at most eight times
/// the input plus 64 KiB, whatever the input.
fn bounded<T>(input_len: usize, parse: impl FnOnce() -> T) -> T {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(parse()));
    let limit = 8 * input_len + 64 * 1024;
    assert!(info.bytes_max <= limit as u64, "peak {} bytes for a {input_len}-byte input", info.bytes_max);
    out.expect("parse ran")
}

/// Lowercase letters, of a [`Rng::length`], from a random place in the alphabet.
fn long_text(rng: &mut Rng) -> String {
    let (len, start) = (rng.length(), rng.below(26));
    "abcdefghijklmnopqrstuvwxyz".repeat(len / 26 + 2)[start..start + len].to_owned()
}

/// A number far outside every field's range, in one of JSON's forms.
fn huge_number(rng: &mut Rng) -> String {
    let digits = 20 + rng.below(400);
    match rng.below(4) {
        0 => format!("1e{}", 20 + rng.below(100_000)),
        1 => format!("-1e{}", 20 + rng.below(100_000)),
        2 => format!("9{}", "9".repeat(digits)),
        _ => format!("1{}.5", "0".repeat(digits)),
    }
}

const JOB_HEAD: &str = r#"{"id":"4b0c9d3e","data_type":"vdc","status":"FAILED","creation_time":1714558530"#;

/// The five hostile families, each with the outcome it must have, for a job body.
fn check_event(rng: &mut Rng, i: u64) {
    match i % 5 {
        0 => {
            // Nesting of any depth from 1 to a million levels.
            let depth = rng.length();
            let nest = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            match rng.below(4) {
                0 => {
                    let err = bounded(nest.len(), || Event::from_slice(nest.as_bytes())).unwrap_err();
                    assert!(err.path() == "$" && err.message().contains("from_slice_batch"), "{err}");
                }
                1 => {
                    let body = format!("{JOB_HEAD},\"tags\":[{nest}]}}");
                    let err = bounded(body.len(), || Event::from_slice(body.as_bytes())).unwrap_err();
                    assert_eq!((err.path(), err.line()), ("$.tags[0]", 1), "{err}");
                }
                2 => {
                    // An event of unknown kind is kept as a `Value`, one level above `x`.
                    let body = format!("{{\"kind\":\"new\",\"x\":{nest}}}");
                    let parsed = bounded(body.len(), || Event::from_slice(body.as_bytes()));
                    if depth < MAX_DEPTH {
                        assert!(matches!(parsed, Ok(Event::Unknown(_))), "{parsed:?}");
                    } else {
                        let err = parsed.unwrap_err();
                        assert!(err.path().starts_with("$.x") && err.message().contains("recursion limit"), "{err}");
                    }
                }
                _ => {
                    // serde_json skips the values of keys no event uses without recursing.
                    let body = format!("{JOB_HEAD},\"custom\":{nest}}}");
                    assert!(bounded(body.len(), || Event::from_slice(body.as_bytes())).is_ok());
                }
            }
        }
        1 => {
            let field = ["creation_time", "modification_time", "duration_sec", "passed"][rng.below(4)];
            let body = format!("{JOB_HEAD},\"{field}\":{}}}", huge_number(rng));
            let err = bounded(body.len(), || Event::from_slice(body.as_bytes())).expect_err(&body);
            assert_eq!(err.path(), format!("$.{field}"), "{err}");
            assert!(err.to_string().len() < 300, "the echo is clipped: {err}");
        }
        2 => {
            // Long text is kept whole; long text where a time belongs is refused with a short echo.
            let text = long_text(rng);
            let body = format!("{JOB_HEAD},\"name\":\"{text}\",\"error\":\"{text}\"}}");
            let Event::Job(job) = bounded(body.len(), || Event::from_slice(body.as_bytes())).unwrap() else {
                panic!("a job")
            };
            assert!(job.name.as_deref() == Some(&text) && job.error.as_deref() == Some(&text));
            let body = format!(r#"{{"id":"j","status":"FAILED","creation_time":"{text}"}}"#);
            let err = bounded(body.len(), || Event::from_slice(body.as_bytes())).unwrap_err();
            assert_eq!(err.path(), "$.creation_time");
            assert!(err.to_string().len() < 300, "the echo is clipped: {err}");
        }
        3 => {
            // An invalid UTF-8 byte anywhere: refused, and the position is the byte's or before it.
            let mut body = format!("{JOB_HEAD},\"name\":\"checkout works\",\"tags\":[\"smoke\"]}}").into_bytes();
            let at = rng.below(body.len() as u64);
            body.insert(at, [0xFF, 0xC0, 0x80, 0xED][rng.below(4)]);
            let err = bounded(body.len(), || Event::from_slice(&body)).unwrap_err();
            assert!(err.line() == 1 && (1..=at + 2).contains(&err.column()), "{err} for a bad byte at {at}");
        }
        _ => {
            // A key repeated: the last value counts, as a relay that appends would mean.
            let repeats = 2 + rng.below(1000);
            let names: Vec<String> = (0..repeats).map(|n| format!("run {n}")).collect();
            let keys: Vec<String> = names.iter().map(|name| format!("\"name\":\"{name}\"")).collect();
            let body = format!("{JOB_HEAD},{}}}", keys.join(","));
            let Event::Job(job) = bounded(body.len(), || Event::from_slice(body.as_bytes())).unwrap() else {
                panic!("a job")
            };
            assert_eq!(job.name.as_deref(), names.last().map(String::as_str));
        }
    }
}

#[test]
fn event_parsers_refuse_hostile_bodies_with_located_errors() {
    let mut rng = Rng(1);
    for i in 0..INPUTS {
        check_event(&mut rng, i);
    }
}

const ENVELOPE_HEAD: &str = r#"{"event":{"id":"01ABC","event_type":"incident.triggered","resource_type":"incident","#;

fn incident(id: &str) -> String {
    format!(
        r#"{{"id":{id},"type":"incident","number":7,"title":"checkout failed","status":"triggered","urgency":"high","html_url":"https://acme.pagerduty.com/incidents/{}","service":{{"id":"PSVC1","type":"service_reference"}}}}"#,
        "Q1"
    )
}

fn check_envelope(rng: &mut Rng, i: u64) {
    match i % 5 {
        0 => {
            let depth = 129 + rng.length() % 200_000;
            let nest = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            let body = format!(
                r#"{ENVELOPE_HEAD}"occurred_at":"2024-05-01T10:00:00Z","client":{nest},"data":{}}}}}"#,
                incident(r#""Q1""#)
            );
            let err = bounded(body.len(), || Envelope::from_slice(body.as_bytes())).unwrap_err();
            assert!(err.message().contains("recursion limit"), "{err}");
        }
        1 => {
            let body =
                format!(r#"{ENVELOPE_HEAD}"occurred_at":{},"data":{}}}}}"#, huge_number(rng), incident(r#""Q1""#));
            let err = bounded(body.len(), || Envelope::from_slice(body.as_bytes())).unwrap_err();
            assert_eq!(err.path(), "$.event.occurred_at", "{err}");
        }
        2 => {
            let id = long_text(rng);
            let body = format!(
                r#"{ENVELOPE_HEAD}"occurred_at":"2024-05-01T10:00:00Z","data":{}}}}}"#,
                incident(&format!("\"{id}\""))
            );
            let envelope = bounded(body.len(), || Envelope::from_slice(body.as_bytes())).unwrap();
            assert_eq!(envelope.event.incident_id(), Some(id.as_str()));
        }
        3 => {
            let mut body =
                format!(r#"{ENVELOPE_HEAD}"occurred_at":"2024-05-01T10:00:00Z","data":{}}}}}"#, incident(r#""Q1""#))
                    .into_bytes();
            let at = rng.below(body.len() as u64);
            body.insert(at, [0xFF, 0xC0, 0x80, 0xED][rng.below(4)]);
            let err = bounded(body.len(), || Envelope::from_slice(&body)).unwrap_err();
            assert!(err.line() == 1 && (1..=at + 2).contains(&err.column()), "{err} for a bad byte at {at}");
        }
        _ => {
            let body = format!(
                r#"{ENVELOPE_HEAD}"occurred_at":"2024-05-01T10:00:00Z","occurred_at":"2024-05-01T10:00:0{}Z","data":{}}}}}"#,
                rng.below(10),
                incident(r#""Q1""#)
            );
            let err = bounded(body.len(), || Envelope::from_slice(body.as_bytes())).unwrap_err();
            assert!(err.message().contains("duplicate field `occurred_at`"), "{err}");
        }
    }
}

#[test]
fn pagerduty_envelopes_refuse_hostile_bodies_with_located_errors() {
    let mut rng = Rng(2);
    for i in 0..INPUTS {
        check_envelope(&mut rng, i);
    }
}

fn check_template(rng: &mut Rng, i: u64) {
    let fixture = Event::from_slice(include_bytes!("../src/testing/payloads/vdc_job_failed.json")).unwrap();
    match i % 5 {
        0 => {
            // A placeholder nested `depth` levels; the template keeps room for the deepest value.
            let depth = [MAX_DEPTH - DEEPEST_FILL, MAX_DEPTH - DEEPEST_FILL + 1, rng.length() % 1000][rng.below(3)];
            let text = format!("{}{{{{job.tags}}}}{}", "[".repeat(depth), "]".repeat(depth));
            let parsed = bounded(text.len(), || Template::parse(&text));
            if depth + DEEPEST_FILL <= MAX_DEPTH {
                let body = parsed.unwrap().render(&fixture).unwrap();
                assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok());
            } else {
                let err = parsed.unwrap_err();
                assert!(
                    matches!(&err, TemplateError::InvalidJson { reason } if reason.contains("recursion limit")),
                    "{err}"
                );
            }
        }
        1 => {
            // JSON's grammar allows numbers beyond f64, but few readers do: refused.
            let number = format!("{}1e{}", ["", "-"][rng.below(2)], 400 + rng.below(100_000));
            let text = format!(r#"{{"n":{number},"name":{{{{job.name}}}}}}"#);
            let err = bounded(text.len(), || Template::parse(&text)).unwrap_err();
            assert!(matches!(&err, TemplateError::InvalidJson { reason } if reason.contains("out of range")), "{err}");
        }
        2 => {
            let long = long_text(rng);
            let text = format!(r#"{{"note":"{long}","name":"{{{{job.name}}}}"}}"#);
            let template = bounded(text.len(), || Template::parse(&text)).unwrap();
            if text.len() > DEFAULT_MAX_RENDERED_BODY {
                assert_eq!(template.render(&fixture), Err(RenderError::TooLarge { limit: DEFAULT_MAX_RENDERED_BODY }));
            }
            let body = template.with_max_body(4 * 1024 * 1024).render(&fixture).unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["note"], long.as_str());
        }
        3 => {
            // A raw control character inside a string is not JSON.
            let control = char::from(u8::try_from(rng.below(0x20)).unwrap());
            let text = format!("{{\"t\":\"a{control}b\",\"n\":{{{{job.name}}}}}}");
            let err = bounded(text.len(), || Template::parse(&text)).unwrap_err();
            assert!(matches!(err, TemplateError::InvalidJson { .. }), "{err}");
        }
        _ => {
            // A key repeated: valid JSON, and readers keep the last value.
            let name = ["job.id", "job.name", "job.status", "event.kind"][rng.below(4)];
            let text = format!("{{\"a\":{{{{job.id}}}},\"a\":{{{{{name}}}}}}}");
            let body = bounded(text.len(), || Template::parse(&text)).unwrap().render(&fixture).unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let expected = serde_json::from_slice::<serde_json::Value>(
                &Template::parse(&format!("{{{{{name}}}}}")).unwrap().render(&fixture).unwrap(),
            )
            .unwrap();
            assert_eq!(body["a"], expected);
        }
    }
}

#[test]
fn templates_refuse_hostile_text_with_typed_errors() {
    let mut rng = Rng(3);
    for i in 0..INPUTS {
        check_template(&mut rng, i);
    }
}

fn check_endpoint(rng: &mut Rng, i: u64) {
    match i % 5 {
        0 => {
            let depth = 1 + rng.length() % 10_000;
            let url = format!("https://{}example.com{}/", "[".repeat(depth), "]".repeat(depth));
            let err = bounded(url.len(), || Endpoint::parse(&url)).unwrap_err();
            assert!(matches!(err, EndpointError::Invalid { .. } | EndpointError::TooLong { .. }), "{err}");
        }
        1 => {
            let url = format!("https://hooks.example.com:{}/sauce", 65_536 + rng.next() % (u64::MAX - 65_536));
            let err = bounded(url.len(), || Endpoint::parse(&url)).unwrap_err();
            assert!(matches!(err, EndpointError::Invalid { .. }), "{err}");
        }
        2 => {
            let url = format!("https://hooks.example.com/{}", long_text(rng));
            let parsed = bounded(url.len(), || Endpoint::parse(&url));
            if url.len() > MAX_URL_LEN {
                assert!(matches!(parsed, Err(EndpointError::TooLong { len }) if len == url.len()));
            } else {
                assert_eq!(parsed.unwrap().as_str(), url);
            }
        }
        3 => {
            let control = char::from(u8::try_from(rng.below(0x20)).unwrap());
            let url = format!("https://hooks.exa{control}mple.com/");
            let parsed = bounded(url.len(), || Endpoint::parse(&url));
            // The URL standard strips tabs and newlines; every other control character is refused.
            match control {
                '\t' | '\n' | '\r' => assert_eq!(parsed.unwrap().as_str(), "https://hooks.example.com/"),
                _ => assert!(matches!(parsed, Err(EndpointError::Invalid { .. })), "{control:?}: {parsed:?}"),
            }
        }
        _ => {
            let ats = 1 + rng.below(50);
            let url = format!("https://{}hooks.example.com/", "user@".repeat(ats));
            let err = bounded(url.len(), || Endpoint::parse(&url)).unwrap_err();
            assert!(matches!(err, EndpointError::Credentials), "{err}");
        }
    }
}

#[test]
fn endpoints_refuse_hostile_urls_with_typed_errors() {
    let mut rng = Rng(4);
    for i in 0..INPUTS {
        check_endpoint(&mut rng, i);
    }
}

fn malformed<T>(result: &Result<T, SignatureError>) -> bool {
    matches!(result, Err(SignatureError::Malformed { .. }))
}

fn check_header(rng: &mut Rng, i: u64, body: &[u8], real: &str) {
    let sauce = Verifier::new(Secret::new("hostile-token").unwrap());
    let pagerduty = Verifier::new(Secret::new("hostile-token").unwrap()).with_scheme(PagerDutyV3);
    match i % 5 {
        0 => {
            let header = format!("{}{real}", "sha256=".repeat(2 + rng.below(1000)));
            assert!(malformed(&bounded(header.len(), || sauce.verify(body, Some(&header)))), "{header:.80}");
        }
        1 => {
            let digits = "9".repeat(1 + rng.below(10_000));
            let expected_mismatch = digits.len() == 64;
            let result = bounded(digits.len(), || sauce.verify(body, Some(&digits)));
            assert!(if expected_mismatch {
                matches!(result, Err(SignatureError::Mismatch))
            } else {
                malformed(&result)
            });
        }
        2 => {
            let header = format!("{real}{}", " ".repeat(rng.length()));
            let result = bounded(header.len(), || sauce.verify(body, Some(&header)).map(|_| ()));
            // Whitespace around one signature is allowed, up to the 4 KiB a header may have.
            assert!(if header.len() <= 4096 { result.is_ok() } else { malformed(&result) }, "{}", header.len());
        }
        3 => {
            let mut header = real.to_owned().into_bytes();
            let at = rng.below(64);
            header[at] = [b'g', b'G', b'-', b'\0', b'\x7f'][rng.below(5)];
            let header = std::str::from_utf8(&header).unwrap();
            assert!(malformed(&bounded(header.len(), || sauce.verify(body, Some(header)))));
        }
        _ => {
            // PagerDuty's header repeats `v1=`: only the first 16 entries are read.
            let decoys = rng.below(40);
            let header = format!("{}v1={real}", format!("v1={},", "0".repeat(64)).repeat(decoys));
            let result = bounded(header.len(), || pagerduty.verify(body, Some(&header)));
            assert!(if decoys < 16 { result.is_ok() } else { matches!(result, Err(SignatureError::Mismatch)) });
        }
    }
}

#[test]
fn signature_headers_refuse_hostile_text_with_typed_errors() {
    let body = include_bytes!("../src/testing/payloads/vdc_job_failed.json");
    let real = sign(&Secret::new("hostile-token").unwrap(), body).to_string();
    let mut rng = Rng(5);
    for i in 0..INPUTS {
        check_header(&mut rng, i, body, &real);
    }
}
