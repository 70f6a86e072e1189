//! The whole flow on bundled payloads, in one process, without network.
//!
//! Run: `cargo run --example demo`. It signs a body as Sauce Labs does, verifies it (and
//! refuses a tampered copy), then parses every bundled payload shape and shows what a malformed
//! body gets back. Routing and alerts join as they land.

use sauce_webhooks::Event;
use sauce_webhooks::signature::{SIGNATURE_HEADER, Scheme, Secret, Verifier, sign};

const PAYLOADS: &[(&str, &[u8])] = &[
    ("VDC job (webhook docs)", include_bytes!("../tests/data/vdc_job_failed.json")),
    ("RDC job (webhook docs)", include_bytes!("../tests/data/rdc_job_passed.json")),
    ("REST-API job relayed as-is", include_bytes!("../tests/data/rest_api_job.json")),
    ("raw real-device event", include_bytes!("../tests/data/raw_rdc_event.json")),
    ("concurrency usage", include_bytes!("../tests/data/concurrency.json")),
    ("visual build completed", include_bytes!("../tests/data/visual_build.json")),
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
        Event::Unknown(json) => format!("unknown event kept whole: {json}"),
        _ => "an event kind newer than this demo".to_owned(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
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

    let pagerduty = Verifier::new(Secret::new("pd-secret")?).scheme(Scheme::PagerDutyV3);
    let pd_header =
        format!("v1={}, v1={}", sign(&Secret::new("old-pd")?, body), sign(&Secret::new("pd-secret")?, body));
    println!("  PagerDuty v3, two signatures, second valid: {}", pagerduty.verify(body, Some(&pd_header)).is_ok());

    println!("\n== parse: every bundled payload ==");
    for (label, body) in PAYLOADS {
        let event = Event::from_slice(body)?;
        println!("{label:>32}: {}", describe(&event));
    }

    println!("\n== a batch: an array of two jobs ==");
    for event in Event::from_slice_batch(include_bytes!("../tests/data/batch_two_jobs.json"))? {
        println!("{:>32}  {}", "", describe(&event));
    }

    println!("\n== malformed bodies get a typed error that says where ==");
    let broken: &[&[u8]] = &[
        br#"{"id": "x", "status": "FAILED", "creation_time": "yesterday"}"#,
        include_bytes!("../tests/data/malformed/count_as_word.json"),
        br#"{"id": "x", "status": "FAILED", "name": "cut off"#,
    ];
    for body in broken {
        println!("  {}", Event::from_slice(body).unwrap_err());
    }
    Ok(())
}
