//! The whole flow on bundled payloads, in one process, without network.
//!
//! Run: `cargo run --example demo`. It signs a body as Sauce Labs does, verifies it (and
//! refuses a tampered copy), parses every bundled payload shape, routes events to a few
//! subscriptions, shows the PagerDuty alert bodies and a webhook connector request they
//! call for, how the incident ledger answers a stream with repeats and late arrivals, how the
//! outbox delivers and retries them, and what a malformed body gets back.

use sauce_webhooks::connector::{Template, WebhookConnector};
use sauce_webhooks::delivery::{Message, Outbox, Outcome, Reported};
use sauce_webhooks::outgoing::OutgoingRequest;
use sauce_webhooks::outgoing::endpoint::Endpoint;
use sauce_webhooks::pagerduty::{Decision, Flakiness, IncidentLedger, IncidentRules, RoutingKey};
use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};
use sauce_webhooks::signature::{PagerDutyV3, SIGNATURE_HEADER, Secret, Verifier, sign};
use sauce_webhooks::testing::TestRuns;
use sauce_webhooks::{Event, Router};

const PAYLOADS: &[(&str, &[u8])] = &[
    ("VDC job (webhook docs)", include_bytes!("../src/testing/payloads/vdc_job_failed.json")),
    ("RDC job (webhook docs)", include_bytes!("../src/testing/payloads/rdc_job_passed.json")),
    ("REST-API job relayed as-is", include_bytes!("../src/testing/payloads/rest_api_job.json")),
    ("raw real-device event", include_bytes!("../src/testing/payloads/raw_rdc_event.json")),
    ("concurrency usage", include_bytes!("../src/testing/payloads/concurrency.json")),
    ("visual build completed", include_bytes!("../src/testing/payloads/visual_build.json")),
    (
        "API Testing result (connector's default template)",
        include_bytes!("../src/testing/payloads/api_test_failed.json"),
    ),
    ("a kind of event we do not know", include_bytes!("../tests/data/unknown_event.json")),
];

fn describe(event: &Event) -> String {
    match event {
        Event::Job(job) => {
            let platform = [job.browser_name.as_deref().or(job.device.as_deref()), job.os_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" on ");
            format!(
                "{} job {:?} is {}{}{}",
                job.data_type.as_str().to_uppercase(),
                job.name.as_deref().unwrap_or("(unnamed)"),
                job.status,
                if job.is_failure() { " (a failure)" } else { "" },
                if platform.is_empty() { String::new() } else { format!(", {platform}") },
            )
        }
        Event::Concurrency(usage) => format!(
            "organization {} uses {}/{} VMs at {}",
            usage.organization.id,
            usage.organization.current.vms,
            usage.organization.allowed.vms,
            usage.timestamp.format(&sauce_webhooks::time::format_description::well_known::Rfc3339).unwrap_or_default()
        ),
        Event::VisualBuild(build) => format!(
            "visual build {:?} is {}{} ({} unapproved snapshots)",
            build.build_name,
            build.status,
            if build.is_failure() { " (a failure)" } else { "" },
            build.summary.unapproved
        ),
        Event::ApiTest(result) => format!(
            "API test {:?} in {:?}: {} failures{}",
            result.test_name.as_deref().unwrap_or("(unnamed)"),
            result.project_name.as_deref().unwrap_or("(no project)"),
            result.failures_count.unwrap_or_default(),
            if result.is_failure() { " (a failure)" } else { "" }
        ),
        Event::Unknown(json) => format!("unknown event kept whole: {}", json.as_str().trim()),
        _ => "an event kind newer than this demo".to_owned(),
    }
}

/// The alert with its custom details cut down to a few fields, so the demo stays readable.
fn compact_details(mut body: serde_json::Value) -> serde_json::Value {
    if let Some(details) = body.pointer_mut("/payload/custom_details").and_then(serde_json::Value::as_object_mut) {
        let total = details.len();
        details.retain(|key, _| ["id", "name", "browser_name", "status"].contains(&key.as_str()));
        details.insert("…".into(), format!("{} more fields", total - details.len()).into());
    }
    body
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}")).collect::<Vec<_>>().join("\n")
}

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn main() -> Result {
    sign_and_verify()?;
    let events = parse()?;
    route(&events);
    let rules = alert(&events)?;
    stream(&rules)?;
    flaky_or_broken(&rules)?;
    api_tests(&rules)?;
    let request = connect(&events)?;
    deliver(&rules, &events, request)?;
    malformed();
    Ok(())
}

fn sign_and_verify() -> Result {
    println!("== sign and verify, as a receiver does before anything else ==");
    let token = "3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d"; // the webhook's security token
    let body = PAYLOADS[0].1;
    let header = sign(&Secret::new(token)?, body).to_string();
    println!("  Sauce Labs sends   {SIGNATURE_HEADER}: {header}");

    let verifier = Verifier::new(Secret::new(token)?);
    let verified = verifier.verify(body, Some(&header))?;
    println!("  verified {} bytes; parsed: {}", verified.body().len(), describe(&verified.event()?));

    let mut tampered = body.to_vec();
    tampered[20] ^= 1;
    println!("  a body with one bit flipped: {}", verifier.verify(&tampered, Some(&header)).unwrap_err());
    println!("  no header at all:            {}", verifier.verify(body, None).unwrap_err());

    let rotating = Verifier::new(Secret::new("old-token")?).with_secret(Secret::new(token)?);
    println!("  during a rotation, old or new token: {}", rotating.verify(body, Some(&header)).is_ok());

    let pagerduty = Verifier::new(Secret::new("pd-secret")?).with_scheme(PagerDutyV3);
    let pd_header =
        format!("v1={}, v1={}", sign(&Secret::new("old-pd")?, body), sign(&Secret::new("pd-secret")?, body));
    println!("  PagerDuty v3, two signatures, second valid: {}", pagerduty.verify(body, Some(&pd_header)).is_ok());

    Ok(())
}

fn parse() -> Result<Vec<Event<'static>>> {
    println!("\n== parse: every bundled payload ==");
    for (label, body) in PAYLOADS {
        let event = Event::from_slice(body)?;
        println!("{label:>32}: {}", describe(&event));
    }

    println!("\n== a batch: an array of two jobs ==");
    for event in Event::from_slice_batch(include_bytes!("../src/testing/payloads/batch_two_jobs.json")) {
        println!("{:>32}  {}", "", describe(&event?));
    }

    Ok(PAYLOADS.iter().map(|(_, body)| Event::from_slice(body)).collect::<Result<_, _>>()?)
}

fn route(events: &[Event]) {
    println!("\n== route: who gets each event ==");
    let mut router = Router::new();
    let org = "7fb25570b4064716b9b6daae1a846790";
    router.insert(
        "jane: her failures",
        Subscription::new(
            Scope::user(org, "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
            [Topic::VirtualDeviceJobs(Outcomes::FailedOnly)],
        ),
    );
    router.insert(
        "checkout team: all real-device runs",
        Subscription::new(Scope::team(org, "98b9f34e596047d99abba56f517846a9"), [Topic::RealDeviceJobs(Outcomes::All)]),
    );
    router.insert(
        "QA org: visual builds and concurrency",
        Subscription::new(Scope::organization(org), [Topic::VisualBuildCompleted, Topic::ConcurrencyUsage]),
    );
    router.insert(
        "another org: everything",
        Subscription::new(Scope::organization("0000"), [Topic::VirtualDeviceJobs(Outcomes::All)]),
    );
    for ((label, _), event) in PAYLOADS.iter().zip(events) {
        let mut targets: Vec<&str> = router.route(event).copied().collect();
        targets.sort_unstable();
        let nobody = "nobody (no subscription watches its user, team or organization)";
        println!("{label:>32} -> {}", if targets.is_empty() { nobody.to_owned() } else { targets.join("; ") });
    }
}

fn alert(events: &[Event]) -> Result<IncidentRules> {
    println!("\n== act: PagerDuty alerts for the first two payloads (trigger on failure, resolve on success) ==");
    let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
    for ((label, _), event) in PAYLOADS.iter().zip(events).take(2) {
        if let Some(alert) = rules.alert_for(event) {
            let request = alert.request()?;
            let body: serde_json::Value = serde_json::from_slice(&request.body)?;
            println!("  {label}: POST {}", request.url);
            println!("{}", indent(&serde_json::to_string_pretty(&compact_details(body))?));
        }
    }

    // The fast path a busy receiver takes: the job's texts lent from the body, and the alert's
    // body written into one buffer kept from event to event.
    let mut buffer = Vec::with_capacity(4096);
    let (label, body) = PAYLOADS[0];
    let borrowed = Event::from_slice_borrowed(body)?;
    let action = rules.write_alert(&borrowed, &mut buffer)?;
    let same = rules.alert_for(&borrowed).map(|alert| alert.body()).transpose()?.as_ref() == Some(&buffer);
    println!("  {label}, borrowed and written straight: {action:?}, {} bytes, the same bytes: {same}", buffer.len());

    Ok(rules)
}

fn stream(rules: &IncidentRules) -> Result {
    let org = "7fb25570b4064716b9b6daae1a846790";
    println!("\n== a stream: the ledger pages once, resolves once, and ignores repeats and late arrivals ==");
    let ledger = IncidentLedger::new(rules.clone());
    let run = |id: &str, status: &str, minute: u8| {
        let body = format!(
            r#"{{"id":"{id}","status":"{status}","name":"checkout works","org_id":"{org}","creation_time":"2024-05-01T10:00:00Z","modification_time":"2024-05-01T10:{minute:02}:00Z"}}"#
        );
        Event::from_slice(body.as_bytes())
    };
    let stream = [
        ("10:01 run-1 failed", run("run-1", "FAILED", 1)?),
        ("10:01 run-1 failed, delivered again", run("run-1", "FAILED", 1)?),
        ("10:05 run-2 failed", run("run-2", "FAILED", 5)?),
        ("10:09 run-3 passed", run("run-3", "PASSED", 9)?),
        ("10:00 run-0 passed, arriving late", run("run-0", "PASSED", 0)?),
        ("10:12 run-4 passed", run("run-4", "PASSED", 12)?),
    ];
    play(&ledger, &stream)?;

    Ok(())
}

/// A test that turns flaky, then breaks: with flakiness rules, the flips are announced once,
/// and only the breakage pages.
fn flaky_or_broken(rules: &IncidentRules) -> Result {
    println!(
        "\n== flaky or broken: flips are announced once, never paged; a breakage pages (3 failures in a row, 8 once flaky) =="
    );
    let ledger = IncidentLedger::new(rules.clone()).with_flakiness(Flakiness::default());
    let now = sauce_webhooks::time::OffsetDateTime::now_utc();
    let runs = TestRuns::new("search finds shoes").passes(4).flaky(15, 3).passes(1).fails(9).events();
    let mut said = Vec::new();
    for (n, event) in runs.iter().enumerate() {
        let verdict = if event.is_failure() { 'F' } else { 'P' };
        said.push(match ledger.apply(event, now)? {
            Decision::Send(alert) if alert.dedup_key().is_some_and(|key| key.ends_with("#flaky")) => {
                format!("run {:>2} {verdict}: announce the test as flaky (an info alert)", n + 1)
            }
            Decision::Send(alert) => format!("run {:>2} {verdict}: send a {:?}", n + 1, alert.action()),
            _ => continue,
        });
    }
    println!(
        "{} runs: {}",
        runs.len(),
        runs.iter().map(|event| if event.is_failure() { 'F' } else { 'P' }).collect::<String>()
    );
    for line in said {
        println!("  {line}");
    }
    Ok(())
}

/// Applies each result of `stream` to `ledger`, printing what it asks to send.
fn play(ledger: &IncidentLedger, stream: &[(&str, Event)]) -> Result {
    let now = sauce_webhooks::time::OffsetDateTime::now_utc();
    for (label, event) in stream {
        let answer = match ledger.apply(event, now)? {
            Decision::Send(alert) => format!("send a {:?} for {}", alert.action(), alert.dedup_key().unwrap_or("-")),
            Decision::Skip(reason) => format!("nothing ({reason:?})"),
            _ => "an answer newer than this demo".to_owned(),
        };
        println!("{label:>38} -> {answer}");
    }
    Ok(())
}

/// API Testing runs, as its webhook connector posts them: a failure pages, the next success
/// resolves, whatever repeats.
fn api_tests(rules: &IncidentRules) -> Result {
    println!("\n== API Testing results: a failure pages, the next success resolves ==");
    let ledger = IncidentLedger::new(rules.clone());
    let run = |id: &str, failures: u8, minute: u8| {
        let body = format!(
            r#"{{"eventId":"{id}","failuresCount":{failures},"testName":"GET /orders","testId":"t-42","projectName":"Shop API","projectId":"p-7","tags":[],"date":"2024-05-01T10:{minute:02}:00Z"}}"#
        );
        Event::from_slice(body.as_bytes())
    };
    let stream = [
        ("10:01 run-1, 2 failures", run("run-1", 2, 1)?),
        ("10:01 run-1, delivered again", run("run-1", 2, 1)?),
        ("10:06 run-2, no failures", run("run-2", 0, 6)?),
        ("10:11 run-3, no failures", run("run-3", 0, 11)?),
    ];
    play(&ledger, &stream)?;
    Ok(())
}

fn connect(events: &[Event]) -> Result<OutgoingRequest> {
    println!("\n== act: a webhook connector request, signed ==");
    let connector = WebhookConnector::new(Endpoint::parse("https://chat.example.com/hooks/T123")?)
        .with_header("Authorization", "Bearer 7e1c9a")?
        .with_template(Template::parse(
            r#"{"text": "{{job.name}} failed on {{job.browser_name}}: {{job.error}}", "job": {{job.id}}}"#,
        )?)
        .with_signing_secret(Secret::new("shared-token")?)
        .with_standard_webhooks_signer("chat");
    let request = connector.request(&events[0])?.ok_or("a failure is sent")?;
    println!("  POST {}", request.url);
    for (name, value) in &request.headers {
        println!("  {name}: {value}");
    }
    println!("{}", indent(&String::from_utf8_lossy(&request.body)));
    Ok(request)
}

fn deliver(rules: &IncidentRules, events: &[Event], request: OutgoingRequest) -> Result {
    println!("\n== deliver: the outbox retries by each target's rules, in order per key ==");
    let outbox =
        Outbox::new().with_signer("chat", Secret::from_standard_webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?);
    let mut now = sauce_webhooks::time::OffsetDateTime::now_utc();
    let alert = rules.alert_for(&events[0]).ok_or("a failure pages")?;
    outbox.enqueue(Message::pagerduty(&alert)?, now)?;
    outbox.enqueue(Message::webhook(request), now)?;
    // What the targets answer, attempt after attempt.
    let mut answers = [Outcome::status(503), Outcome::status(202), Outcome::Timeout, Outcome::status(204)].into_iter();
    while !outbox.is_empty()? {
        for attempt in outbox.due(now, 8)? {
            let outcome = answers.next().unwrap_or(Outcome::status(200));
            let reported = outbox.report(&attempt, &outcome, now, 0x5eed)?;
            let signed = attempt.request().headers.iter().any(|(name, _)| name == "webhook-signature");
            println!(
                "  {} attempt {} to {}{}: {outcome:?} -> {reported:?}",
                attempt.id(),
                attempt.number(),
                attempt.request().url.host_str().unwrap_or("-"),
                if signed { " (Standard Webhooks signed)" } else { "" },
            );
            if let Reported::RetryAt(at) = reported {
                now = now.max(at);
            }
        }
    }
    Ok(())
}

fn malformed() {
    println!("\n== malformed bodies get a typed error that says where ==");
    let broken: &[&[u8]] = &[
        br#"{"id": "x", "status": "FAILED", "creation_time": "yesterday"}"#,
        include_bytes!("../tests/data/malformed/count_as_word.json"),
        br#"{"id": "x", "status": "FAILED", "name": "cut off"#,
    ];
    for body in broken {
        println!("  {}", Event::from_slice(body).unwrap_err());
    }
}
