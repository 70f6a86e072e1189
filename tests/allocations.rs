//! Counts heap allocations (per thread, with `allocation-counter`'s global allocator, which is
//! linked only into this test binary).

use sauce_webhooks::signature::{Scheme, Secret, Verifier, sign};

#[test]
fn verify_allocates_nothing() {
    let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vdc_job_failed.json")).unwrap();
    let old = Secret::new("old-token").unwrap();
    let new = Secret::new("new-token").unwrap();
    let sauce_header = format!("sha256={}", sign(&new, &body));
    let pagerduty_header = format!("v1={}, v0=ignored, v1={}", "0".repeat(64), sign(&new, &body));
    let sauce = Verifier::new(old.clone()).with_secret(new.clone());
    let pagerduty = Verifier::new(old).with_secret(new).scheme(Scheme::PagerDutyV3);
    let bad_body = [&body[..], b" "].concat();

    let info = allocation_counter::measure(|| {
        assert!(sauce.verify(&body, Some(&sauce_header)).is_ok());
        assert!(pagerduty.verify(&body, Some(&pagerduty_header)).is_ok());
        assert!(sauce.verify(&bad_body, Some(&sauce_header)).is_err());
        assert!(sauce.verify(&body, Some("not hex")).is_err());
        assert!(sauce.verify(&body, None).is_err());
    });
    assert_eq!(info.count_total, 0, "verify must not allocate: {info:?}");

    // The counter does see this thread's allocations.
    let info = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(info.count_total, 1);
}
