//! Malformed bodies get a `ParseError` that says where (JSON path, line, column) and what.

use sauce_webhooks::{Event, ParseError, ParseErrorKind};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/malformed/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses `body`, expecting an error at `path`, `line` and `column` whose message contains `what`.
fn assert_refused(body: &[u8], path: &str, (line, column): (usize, usize), what: &str) -> ParseError {
    let err = Event::from_slice(body).expect_err("a malformed body must be refused");
    assert_eq!(err.path(), path, "{err}");
    assert_eq!((err.line(), err.column()), (line, column), "{err}");
    assert!(err.to_string().contains(what), "{err:?} should mention {what:?}");
    assert!(err.to_string().len() < 400, "messages stay short: {} bytes", err.to_string().len());
    err
}

#[test]
fn empty_body() {
    let err = assert_refused(&fixture("empty.json"), "$", (1, 0), "EOF while parsing");
    assert_eq!(err.kind(), ParseErrorKind::Syntax);
    assert_eq!(err.to_string(), "$: invalid JSON: EOF while parsing a value at line 1 column 0");
}

#[test]
fn truncated_body() {
    let err = assert_refused(&fixture("truncated.json"), "$.name", (1, 87), "EOF while parsing a string");
    assert_eq!(err.kind(), ParseErrorKind::Syntax);
}

#[test]
fn not_json() {
    assert_refused(&fixture("not_json.txt"), "$", (1, 1), "expected value");
}

#[test]
fn a_scalar() {
    let err = assert_refused(&fixture("scalar.json"), "$", (1, 2), "expected a JSON object");
    assert_eq!(err.kind(), ParseErrorKind::Invalid);
}

#[test]
fn an_array_where_one_object_belongs() {
    assert_refused(&fixture("array_for_single.json"), "$", (1, 1), "expected one JSON object, found an array");
}

#[test]
fn trailing_characters() {
    assert_refused(&fixture("trailing_garbage.json"), "$", (1, 53), "trailing characters");
}

#[test]
fn invalid_utf8_inside_a_string() {
    assert_refused(&fixture("invalid_utf8.json"), "$.name", (1, 87), "invalid unicode code point");
}

#[test]
fn job_without_id() {
    let err =
        assert_refused(&fixture("job_without_id.json"), "$", (1, 98), "`id` is missing, empty or null in this job");
    assert_eq!(err.kind(), ParseErrorKind::Invalid);
}

#[test]
fn raw_rdc_without_creation_time() {
    let body = br#"{"eventPayload": {"id": "r", "status": "passed"}, "ownership": {}}"#;
    assert_refused(
        body,
        "$",
        (1, 66),
        "`eventPayload.creationTime` is missing, empty or null in this raw real-device event",
    );
}

#[test]
fn unparseable_time() {
    let err = assert_refused(&fixture("bad_time.json"), "$.creation_time", (4, 37), "expected an RFC 3339 time");
    assert!(err.to_string().contains(r#""2024-13-45 25:61""#), "the bad value is quoted: {err}");
}

#[test]
fn a_word_where_a_count_belongs() {
    let err = assert_refused(&fixture("count_as_word.json"), "$.concurrency.team.allowed.vms", (2, 46), "\"ten\"");
    assert!(err.to_string().starts_with("$.concurrency.team.allowed.vms: expected an integer"), "{err}");
}

#[test]
fn tags_not_an_array() {
    assert_refused(&fixture("tags_not_array.json"), "$.tags", (1, 67), "expected a list of strings");
}

#[test]
fn negative_duration() {
    assert_refused(&fixture("negative_duration.json"), "$.duration_sec", (1, 70), "found integer `-5`");
}

#[test]
fn deep_nesting_of_100_000_brackets() {
    // Unknown keys are skipped without recursion, so deep nesting there costs no stack: the
    // body simply ends inside the 100,000th list. The path follows the lists as deep as JSON is
    // read (127 levels), shortened.
    let mut body = b"{\"id\":\"x\",\"status\":\"FAILED\",\"creation_time\":0,\"custom\":".to_vec();
    body.extend(std::iter::repeat_n(b'[', 100_000));
    let err = Event::from_slice(&body).unwrap_err();
    assert!(err.path().starts_with("$.custom[0][0]") && err.path().ends_with('…'), "{err}");
    assert!(err.path().chars().count() <= 201, "{}", err.path());
    assert_eq!((err.line(), err.column()), (1, body.len()));
    assert!(err.message().contains("EOF while parsing a list"), "{err}");
    assert_eq!(err.kind(), ParseErrorKind::Syntax);

    // Closed again, the same nesting is a valid unknown field.
    let mut closed = body.clone();
    closed.extend(std::iter::repeat_n(b']', 100_000));
    closed.push(b'}');
    assert!(matches!(Event::from_slice(&closed), Ok(Event::Job(_))));

    // Where a value is read, serde_json's recursion limit of 128 stops it.
    let mut body = b"{\"tags\":".to_vec();
    body.extend(std::iter::repeat_n(b'[', 100_000));
    assert!(Event::from_slice(&body).is_err());

    let only_brackets = vec![b'['; 100_000];
    assert_refused(&only_brackets, "$", (1, 1), "expected one JSON object");
    let err = Event::from_slice_batch(&only_brackets).find_map(Result::err).unwrap();
    assert_eq!((err.line(), err.column()), (1, 100_000), "{err}");
    let only_objects = b"{\"a\":".repeat(100_000);
    let path = Event::from_slice(&only_objects).unwrap_err().path().to_owned();
    assert!(path.starts_with("$.a.a.a") && path.chars().count() <= 201, "{path}");
}

#[test]
fn a_one_megabyte_string_is_not_echoed_whole() {
    let huge = "9".repeat(1 << 20);
    let body = format!(r#"{{"id":"x","status":"FAILED","creation_time":"{huge}"}}"#);
    let err = assert_refused(body.as_bytes(), "$.creation_time", (1, body.len() - 1), "expected an RFC 3339 time");
    assert!(err.to_string().contains('…'));

    // A 1 MB unterminated string: the position is the end of the body.
    let body = format!(r#"{{"id":"x","name":"{huge}"#);
    assert_refused(body.as_bytes(), "$.name", (1, body.len()), "EOF while parsing a string");

    // A 1 MB key is shortened in the path too.
    let body = format!(r#"{{"{huge}": tru}}"#);
    let err = Event::from_slice(body.as_bytes()).unwrap_err();
    assert!(err.path().chars().count() < 80, "path shortened: {} chars", err.path().len());
}

#[test]
fn batch_errors_name_the_element_and_its_position_in_the_whole_body() {
    let body = fixture("batch_bad_second.json");
    let err = Event::from_slice_batch(&body).find_map(Result::err).unwrap();
    assert_eq!(err.path(), "$[1].creation_time");
    assert_eq!((err.line(), err.column()), (3, 65), "{err}");

    let err = Event::from_slice_batch(br#"[{"id":"a","status":"PASSED","creation_time":0}, oops]"#)
        .find_map(Result::err)
        .unwrap();
    assert_eq!(err.path(), "$[1]");
    assert_eq!(err.kind(), ParseErrorKind::Syntax);

    let err = Event::from_slice_batch(b"[1]").find_map(Result::err).unwrap();
    assert_eq!((err.path(), err.column()), ("$[0]", 2), "{err}");
}

#[test]
fn a_missing_key_says_what_the_body_was_read_as() {
    let body =
        br#"{"org_id":"o","build_id":"b","build_name":"n","build_url":"u","status":"EQUAL","data_center":"us-west-1"}"#;
    let err = assert_refused(body, "$", (1, 105), "`user_id` is missing, empty or null in this visual build");
    assert_eq!(err.message(), "`user_id` is missing, empty or null in this visual build");
    assert_refused(
        br#"{"id":"","status":"FAILED","creation_time":0}"#,
        "$",
        (1, 45),
        "`id` is missing, empty or null in this job",
    );
}

#[test]
fn an_array_given_to_from_slice_points_to_from_slice_batch() {
    let err = Event::from_slice(&fixture("array_for_single.json")).unwrap_err();
    assert!(err.message().contains("Event::from_slice_batch"), "{err}");
}

#[test]
fn a_body_cut_inside_a_key_has_the_path_of_its_object() {
    assert_refused(br#"{"id": "x", "sta"#, "$", (1, 16), "EOF while parsing");
}

#[test]
fn keys_in_error_paths_are_escaped_so_a_log_line_cannot_be_forged() {
    let hostile = [
        ("\u{1b}[31mred", r#"["\u{1b}[31mred"]"#),
        ("line\r\nSet-Cookie: session=stolen", r#"["line\r\nSet-Cookie: session=stolen"]"#),
        ("right-to-left \u{202e}olleh", r#"["right-to-left \u{202e}olleh"]"#),
        ("quote\"and\\backslash", r#"["quote\"and\\backslash"]"#),
        ("plain_key-1", ".plain_key-1"),
    ];
    for (key, in_path) in hostile {
        // An event of no known kind, whose whole body is read (a job's unknown keys are skipped).
        let body = serde_json::json!({"kind": "new", "custom": {key: [1, 2]}});
        let text = serde_json::to_string(&body).unwrap().replace("[1,2]", "[1,tru]");
        let err = Event::from_slice(text.as_bytes()).unwrap_err();
        assert_eq!(err.path(), format!("$.custom{in_path}[1]"), "{key:?}");
        let shown = err.to_string();
        assert!(!shown.chars().any(|c| c.is_control() || c == '\u{202e}'), "{shown:?}");
    }
    // Values echoed in messages are escaped the same way.
    let err =
        Event::from_slice(b"{\"id\":\"j\",\"status\":\"FAILED\",\"creation_time\":\"\\r\\nforged\"}").unwrap_err();
    assert!(!err.to_string().chars().any(char::is_control), "{err}");
}

#[test]
fn a_number_too_large_in_a_value_kept_as_text() {
    // serde_json keeps `1e999` as text without reading it; reading it fails later, where
    // serde_json gives no position, so the body is read again to find one.
    let err = assert_refused(b"{\"kind\":\"new\",\n \"x\": 1e999}", "$.x", (2, 11), "number out of range");
    assert_eq!(err.kind(), ParseErrorKind::Syntax);
    let err = Event::from_slice_batch(b"[{}, {\"x\":1e999}]").nth(1).and_then(Result::err).expect("refused");
    assert_eq!((err.path(), err.line(), err.column()), ("$[1].x", 1, 15), "{err}");
}

#[test]
fn a_public_key_of_the_wrong_form() {
    let err = assert_refused(
        br#"{"id":"j","status":"FAILED","creation_time":0,"public":[0]}"#,
        "$.public",
        (1, 56),
        "expected a visibility, a boolean or null",
    );
    assert_eq!(err.kind(), ParseErrorKind::Invalid);
}
