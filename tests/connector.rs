//! The generic webhook connector: templates that stay JSON whatever the fields hold, headers
//! that cannot be smuggled, the on-success toggle and signing.

use proptest::prelude::*;
use sauce_webhooks::Event;
use sauce_webhooks::connector::{
    ConnectorError, DEFAULT_MAX_RENDERED_BODY, MAX_HEADER_NAME_BYTES, MAX_HEADER_VALUE_BYTES, RenderError, Template,
    TemplateError, WebhookConnector, placeholders,
};
use sauce_webhooks::outgoing::OutgoingRequest;
use sauce_webhooks::outgoing::endpoint::Endpoint;
use sauce_webhooks::signature::{SIGNATURE_HEADER, Secret, Verifier};
use serde_json::{Value, json};

fn connector() -> WebhookConnector {
    WebhookConnector::new(Endpoint::parse("https://hooks.example.com/sauce").unwrap())
}

fn job(fields: &Value) -> Event<'static> {
    let mut body = json!({"id": "j1", "data_type": "vdc", "status": "FAILED", "creation_time": 0, "org_id": "acme"});
    body.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    Event::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap()
}

mod common;

fn fixture(name: &str) -> Event<'static> {
    Event::from_slice(&common::read(name)).unwrap()
}

const HOSTILE: &[&str] = &[
    r#"quote " inside"#,
    r"back\slash and \u0000",
    "}} closing braces {{ and {{job.name}}",
    "new\nline\r\nand\ttab",
    "controls \u{0}\u{1}\u{1b}\u{7f}",
    "emoji 💥🧪 and ünïcødé",
    r#"", "injected": true, "x": ""#,
    "</script><script>alert(1)</script>",
];

#[test]
fn hostile_field_values_stay_inside_their_strings() {
    let template = Template::parse(
        r#"{"text": "Test {{job.name}} failed: {{job.error}}", "name": {{job.name}}, "tags": {{job.tags}}, "ok": {{event.failed}}}"#,
    )
    .unwrap();
    for hostile in HOSTILE {
        let event = job(&json!({"name": hostile, "error": hostile, "tags": [hostile, "smoke"]}));
        let body = template.render(&event).unwrap();
        let value: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{hostile:?}: {e}\n{}", String::from_utf8_lossy(&body)));
        let mut keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        keys.sort_unstable();
        assert_eq!(keys, ["name", "ok", "tags", "text"], "{hostile:?}: no key injected");
        assert_eq!(value["name"], *hostile);
        assert_eq!(value["text"], format!("Test {hostile} failed: {hostile}"));
        assert_eq!(value["tags"], json!([hostile, "smoke"]));
        assert_eq!(value["ok"], true);
    }
}

#[test]
fn the_default_template_is_the_documented_webhook_json() {
    let event = fixture("vdc_job_failed.json");
    let request = connector().request(&event).unwrap().unwrap();
    assert_eq!(request.body, serde_json::to_vec(&event).unwrap());
    assert_eq!(Event::from_slice(&request.body).unwrap(), event);
    assert_eq!(request.headers, [("content-type".to_owned(), "application/json".to_owned())]);
    assert_eq!(OutgoingRequest::METHOD, "POST");
}

#[test]
fn values_of_every_type_fill_strings_and_values() {
    let template = Template::parse(
        r#"{"line": "{{job.name}} ({{job.duration_sec}} s, passed={{job.passed}}, {{job.missing_nothing}})", "kind": "{{event.kind}}"}"#,
    );
    assert!(matches!(template, Err(TemplateError::UnknownPlaceholder { .. })));
    let template = Template::parse(
        r#"{"line": "{{job.name}} ({{job.duration_sec}} s, passed={{job.passed}}, group={{job.group_id}})", "kind": "{{event.kind}}", "duration": {{job.duration_sec}}, "group": {{job.group_id}}, "build": {{build.build_name}}}"#,
    )
    .unwrap();
    let body = template.render(&job(&json!({"name": "t", "duration_sec": 92, "passed": 0}))).unwrap();
    let value: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["line"], "t (92 s, passed=false, group=)", "null fills a string with nothing");
    assert_eq!(value["kind"], "job");
    assert_eq!(value["duration"], 92);
    assert_eq!(value["group"], Value::Null);
    assert_eq!(value["build"], Value::Null, "a visual-build field of a job is null");

    let build =
        Template::parse(r#"{"b": {{build.build_name}}, "c": {{build.summary}}, "kind": {{event.kind}}}"#).unwrap();
    let value: Value = serde_json::from_slice(&build.render(&fixture("visual_build.json")).unwrap()).unwrap();
    assert_eq!(
        value,
        json!({"b": "storybook nightly 2024-05-01", "c": {"errored": 0, "approved": 2, "equal": 131, "rejected": 0, "unapproved": 4, "queued": 0}, "kind": "visual_build"})
    );

    let usage = Template::parse(r#"{"org": {{concurrency.organization}}, "at": {{concurrency.timestamp}}}"#).unwrap();
    let value: Value = serde_json::from_slice(&usage.render(&fixture("concurrency.json")).unwrap()).unwrap();
    assert_eq!(value["org"]["id"], "7fb25570b4064716b9b6daae1a846790");
    assert_eq!(value["at"], 1_631_125_800.619_84);
}

#[test]
fn template_errors_name_what_is_wrong() {
    let err = Template::parse(r#"{"a": "{{job.nmae}}"}"#).unwrap_err();
    assert_eq!(err, TemplateError::UnknownPlaceholder { name: "job.nmae".into() });
    let message = err.to_string();
    assert!(message.starts_with("unknown placeholder {{job.nmae}}; valid ones: event, event.kind"), "{message}");
    assert!(placeholders().all(|name| message.contains(name)), "lists every valid one");
    assert_eq!(Template::parse(r#"{"a": "{{job.name"}"#).unwrap_err(), TemplateError::Unclosed { at: 7 });
    for broken in
        [r#"{"a": {{job.name}}"#, r#"{"a": "{{job.name}}" "#.trim_end(), "{{job.name}} {{job.id}}", "", r#"{"a": 1,}"#]
    {
        assert!(matches!(Template::parse(broken), Err(TemplateError::InvalidJson { .. })), "{broken:?}");
    }
    assert!(Template::parse(r#"{"spaces": {{ job.name }}}"#).is_ok(), "spaces inside braces are fine");
    assert!(
        matches!(Template::parse(r#"{"t": "\{{job.name}}n"}"#), Err(TemplateError::InvalidJson { .. })),
        "after a backslash"
    );
    assert!(Template::parse(r#"["{{event.kind}}", {{event}}, "\"{{job.id}}\\"]"#).is_ok(), "escapes are followed");
}

#[test]
fn on_success_decides_whether_non_failures_are_sent() {
    let passed = fixture("rdc_job_passed.json");
    let failed = fixture("vdc_job_failed.json");
    assert!(connector().request(&passed).unwrap().is_none());
    assert!(connector().request(&failed).unwrap().is_some());
    assert!(connector().request(&fixture("unknown_event.json")).unwrap().is_none());
    let all = connector().with_on_success(true);
    assert!(all.request(&passed).unwrap().is_some());
    assert!(all.request(&fixture("unknown_event.json")).unwrap().is_some());
    assert!(connector().request(&fixture("visual_build.json")).unwrap().is_some(), "an unapproved build is a failure");
    assert!(connector().request(&fixture("concurrency.json")).unwrap().is_none(), "usage below its limits");
}

#[test]
fn headers_cannot_be_smuggled() {
    let ok = connector()
        .with_header("Authorization", "Bearer 7e1c9a\tx")
        .unwrap()
        .with_header("X-Team", "checkout")
        .unwrap();
    let request = ok.request(&fixture("vdc_job_failed.json")).unwrap().unwrap();
    assert_eq!(
        request.headers[1..],
        [("Authorization".into(), "Bearer 7e1c9a\tx".into()), ("X-Team".into(), "checkout".into())]
    );
    assert!(!format!("{ok:?}").contains("7e1c9a"), "values are not in Debug");

    for name in ["", "X Team", "X-Team:", "X\r\nInjected", "Ünï", "(x)"] {
        assert!(matches!(connector().with_header(name, "v"), Err(ConnectorError::HeaderName { .. })), "{name:?}");
    }
    for value in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "nul\0", "del\u{7f}", "é", " padded", "padded\t"] {
        assert!(matches!(connector().with_header("X-Team", value), Err(ConnectorError::HeaderValue(_))), "{value:?}");
    }
    for name in [
        "Content-Type",
        "content-length",
        "HOST",
        "Transfer-Encoding",
        "saucelabs-sign",
        "Connection",
        "Expect",
        "TE",
        "Upgrade",
        "Proxy-Authorization",
        "Content-Encoding",
    ] {
        assert!(matches!(connector().with_header(name, "v"), Err(ConnectorError::ReservedHeader(_))), "{name}");
    }
}

#[test]
fn signed_requests_verify_with_the_same_secret() {
    let signed = connector().with_signing_secret(Secret::new("shared-token").unwrap());
    let request = signed.request(&fixture("vdc_job_failed.json")).unwrap().unwrap();
    let (name, value) = request.headers.last().unwrap();
    assert_eq!(name, SIGNATURE_HEADER);
    let verifier = Verifier::new(Secret::new("shared-token").unwrap());
    assert!(verifier.verify(&request.body, Some(value)).is_ok());
    assert!(!format!("{signed:?}").contains("shared-token"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_field_text_renders_valid_json_with_the_text_intact(name in ".{0,40}", error in "\\PC{0,40}", tag in any::<String>()) {
        let template = Template::parse(r#"{"t": "«{{job.name}}» {{job.error}}", "n": {{job.name}}, "tags": {{job.tags}}}"#).unwrap();
        let event = job(&json!({"name": name, "error": error, "tags": [tag]}));
        let body = template.render(&event).unwrap();
        let value: Value = serde_json::from_slice(&body).unwrap();
        let Event::Job(parsed) = &event else { unreachable!() };
        let (name, error) = (parsed.name.clone().unwrap_or_default(), parsed.error.clone().unwrap_or_default());
        prop_assert_eq!(&value["t"], &json!(format!("«{name}» {error}")));
        prop_assert_eq!(value["tags"].as_array().unwrap().len(), parsed.tags.len());
    }
}

#[test]
fn templates_keep_room_for_the_deepest_known_event() {
    // serde_json reads 127 levels; a concurrency event is 4 deep, so `{{event}}` may sit at 123.
    let nested = |depth: usize| format!("{}{{{{event}}}}{}", "[".repeat(depth), "]".repeat(depth));
    let template = Template::parse(&nested(123)).unwrap();
    for name in
        ["vdc_job_failed.json", "rdc_job_passed.json", "concurrency.json", "visual_build.json", "raw_rdc_event.json"]
    {
        let body = template.render(&fixture(name)).unwrap();
        assert!(serde_json::from_slice::<Value>(&body).is_ok(), "{name}");
    }
    assert!(matches!(Template::parse(&nested(124)), Err(TemplateError::InvalidJson { .. })));
}

#[test]
fn a_rendered_body_is_bounded_and_refused_with_an_error() {
    // 2,000 copies of a 1 MB error rendered 2 GB; now the render stops at the limit.
    let error = "x".repeat(1 << 20);
    let event = job(&json!({"error": error}));
    let template = Template::parse(&format!("[{}]", vec![r#""{{job.error}}""#; 2000].join(","))).unwrap();
    let mut rendered = None;
    let info = allocation_counter::measure(|| rendered = Some(template.render(&event)));
    assert_eq!(rendered.unwrap(), Err(RenderError::TooLarge { limit: DEFAULT_MAX_RENDERED_BODY }));
    assert!(info.bytes_max < 4 * 1024 * 1024, "peak {} bytes", info.bytes_max);

    // The connector answers with the error: a failure that cannot be sent is never `None`.
    let connector = connector().with_template(template);
    assert!(matches!(connector.request(&event), Err(RenderError::TooLarge { .. })));

    // The limit is the template's to set.
    let small = Template::parse(r#"{"e": "{{job.error}}"}"#).unwrap().with_max_body(100);
    assert_eq!(small.render(&job(&json!({"error": "x".repeat(80)}))).unwrap().len(), 89);
    assert!(small.render(&job(&json!({"error": "x".repeat(100)}))).is_err());
}

#[test]
fn the_event_is_written_once_however_often_it_appears() {
    let event = fixture("vdc_job_failed.json");
    let once = Template::parse("[{{event}}]").unwrap();
    let many = Template::parse(&format!("[{}]", vec!["{{event}}"; 50].join(","))).unwrap();
    let count = |template: &Template| allocation_counter::measure(|| drop(template.render(&event))).count_total;
    // The copies cost only the growth of the body they are written into.
    assert!(count(&many) <= count(&once) + 8, "{} allocations against {}", count(&many), count(&once));
    let body: Value = serde_json::from_slice(&many.render(&event).unwrap()).unwrap();
    assert_eq!(body.as_array().unwrap().len(), 50);
}

#[test]
fn placeholders_cannot_stand_in_keys() {
    for template in [
        r#"{"channel": "alerts", "{{job.name}}": "x"}"#,
        r#"{"a": {"b": 1, "{{job.name}} suffix": 2}}"#,
        r#"[{"k": [1, {"{{event.kind}}": 1}]}]"#,
    ] {
        assert!(matches!(Template::parse(template), Err(TemplateError::PlaceholderInKey { .. })), "{template}");
    }
    // In values, and in strings that look like keys but are values, they are fine.
    for template in [r#"{"{": "{{job.name}}", "a": ["{{job.name}}", {"b": "{{job.id}}"}]}"#, r#"["{{job.name}}:"]"#] {
        assert!(Template::parse(template).is_ok(), "{template}");
    }
    // A test name cannot override the template's own keys.
    let template = Template::parse(r##"{"channel": "#alerts", "text": "{{job.name}}"}"##).unwrap();
    let body = template.render(&job(&json!({"name": "\", \"channel\": \"#leak"}))).unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["channel"], "#alerts");
}

#[test]
fn header_names_and_values_are_capped() {
    let long_name = "x".repeat(MAX_HEADER_NAME_BYTES + 1);
    assert!(matches!(connector().with_header(long_name, "v"), Err(ConnectorError::HeaderName { .. })));
    assert!(matches!(connector().with_header("x".repeat(65_536), "v"), Err(ConnectorError::HeaderName { .. })));
    assert!(connector().with_header("x".repeat(MAX_HEADER_NAME_BYTES), "v").is_ok());
    let long_value = "v".repeat(MAX_HEADER_VALUE_BYTES + 1);
    assert!(matches!(connector().with_header("X-Token", long_value), Err(ConnectorError::HeaderValue(_))));
    assert!(connector().with_header("X-Token", "v".repeat(MAX_HEADER_VALUE_BYTES)).is_ok());
    // What the connector accepts, the `http` crate takes too.
    let name = "x".repeat(MAX_HEADER_NAME_BYTES);
    assert!(http::HeaderName::from_bytes(name.as_bytes()).is_ok());
}

#[test]
fn a_template_shows_its_placeholders_not_its_text() {
    let template =
        Template::parse(r#"{"routing_key": "R0UT1NG", "t": "{{job.name}} on {{ job.browser_name }}", "e": {{event}}}"#)
            .unwrap();
    assert_eq!(
        format!("{template:?}"),
        r#"Template { placeholders: ["job.name", "job.browser_name", "event"], text_bytes: 46, max_body: 524288 }"#
    );
}

#[test]
fn standard_webhooks_headers_are_the_outboxs_to_set() {
    for name in ["webhook-id", "Webhook-Timestamp", "WEBHOOK-SIGNATURE"] {
        assert!(matches!(connector().with_header(name, "x"), Err(ConnectorError::ReservedHeader(_))), "{name}");
    }
}

#[test]
fn a_value_kept_as_sent_too_deep_for_the_template_is_refused_not_rendered() {
    use sauce_webhooks::RawJson;
    let template = Template::parse(r#"{"a":{"b":{{error_group.attributes}}}}"#).unwrap();
    let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let group = |depth: usize| {
        let attributes: RawJson = serde_json::from_str(&format!(r#"{{"os":{}}}"#, nested(depth))).unwrap();
        let mut error_group = sauce_webhooks::ErrorGroup::new("8a3c9e1f");
        error_group.attributes = Some(attributes);
        Event::ErrorGroup(error_group)
    };
    let shallow = template.render(&group(2)).unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&shallow).unwrap()["a"]["b"]["os"][0][0], 1);
    // 126 levels of its own: within what a reader takes alone, past it within the template.
    assert_eq!(template.render(&group(125)), Err(RenderError::TooDeep));
    let deep_but_fitting = template.render(&group(100)).unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&deep_but_fitting).is_ok());
}
