//! The whole flow on bundled payloads, in one process, without network.
//!
//! Run: `cargo run --example demo`. For now it parses every bundled payload shape and shows
//! what a malformed body gets back; verification, routing and alerts join as they land.

use sauce_webhooks::Event;

const PAYLOADS: &[(&str, &[u8])] = &[
    ("VDC job (webhook docs)", include_bytes!("../tests/data/vdc_job_failed.json")),
    ("RDC job (webhook docs)", include_bytes!("../tests/data/rdc_job_passed.json")),
    ("REST-API job relayed as-is", include_bytes!("../tests/data/rest_api_job.json")),
    ("raw RDC event (seed 001)", include_bytes!("../tests/data/raw_rdc_event.json")),
    ("concurrency usage", include_bytes!("../tests/data/concurrency.json")),
    ("visual build completed", include_bytes!("../tests/data/visual_build.json")),
    ("a kind of event we do not know", include_bytes!("../tests/data/unknown_event.json")),
];

fn describe(event: &Event) -> String {
    match event {
        Event::Job(job) => format!(
            "{} job {:?} is {}{}, on {} / {}",
            job.data_type.as_str().to_uppercase(),
            job.name.as_deref().unwrap_or("(unnamed)"),
            job.status,
            if job.is_failure() { " (a failure)" } else { "" },
            job.browser_name.as_deref().or(job.device.as_deref()).unwrap_or("?"),
            job.os_name.as_deref().unwrap_or("?"),
        ),
        Event::Concurrency(usage) => format!(
            "organization {} uses {}/{} VMs at {}",
            usage.organization.id, usage.organization.current.vms, usage.organization.allowed.vms, usage.timestamp
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
    println!("== parse: every bundled payload ==");
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
