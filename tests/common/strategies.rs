//! Generators of events for property tests, shared by the tests that need one.

use proptest::prelude::*;
use sauce_webhooks::{DataType, Job, JobStatus, Text, Visibility};
use time::OffsetDateTime;

pub fn text() -> impl Strategy<Value = String> {
    // Any characters, controls and quotes included; never empty, since "" reads as absent.
    prop_oneof![".{1,24}", "[a-zA-Z0-9 ._:/-]{1,24}"]
}

pub fn optional_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

/// A word that may or may not be a known enum value; `FromStr` picks the variant.
pub fn word() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z _-]{1,12}", Just("PASSED".into()), Just("failed".into()), Just("eu-central-1".into())]
}

/// Every second from year 0 to year 9999, the range RFC 3339 can write.
pub const SECONDS: std::ops::Range<i64> = -62_167_219_200..253_402_300_800;

pub fn time_with_nanos() -> impl Strategy<Value = OffsetDateTime> {
    (SECONDS, 0i128..1_000_000_000)
        .prop_map(|(s, n)| OffsetDateTime::from_unix_timestamp_nanos(i128::from(s) * 1_000_000_000 + n).unwrap())
}

/// Float epoch seconds keep microseconds exactly while an `f64` can: within 2^32 seconds of
/// 1970 (years 1834 to 2106).
pub fn time_with_micros() -> impl Strategy<Value = OffsetDateTime> {
    (-4_294_967_296i64..4_294_967_296, 0i128..1_000_000).prop_map(|(s, us)| {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(s) * 1_000_000_000 + us * 1_000).unwrap()
    })
}

prop_compose! {
    pub fn job()(
        id in text(),
        data_type in prop_oneof![Just(DataType::Vdc), Just(DataType::Rdc), word().prop_map(|w| w.parse().unwrap())],
        status in word().prop_map(|w| w.parse::<JobStatus>().unwrap()),
        passed in proptest::option::of(any::<bool>()),
        (creation_time, modification_time) in (time_with_nanos(), time_with_nanos()),
        people in (optional_text(), optional_text().prop_map(|o| o.map(Into::into)),
            optional_text().prop_map(|o| o.map(Into::into)), optional_text().prop_map(|o| o.map(Into::into)),
            optional_text(), optional_text()),
        platform in (optional_text(), optional_text(), optional_text(), optional_text(), optional_text()),
        duration_sec in proptest::option::of(any::<u64>()),
        visibility in proptest::option::of(word().prop_map(|w| w.parse::<Visibility>().unwrap())),
        tags in proptest::collection::vec(".{0,12}", 0..4),
        details in (optional_text(), optional_text(), optional_text(), optional_text(), optional_text(),
            optional_text(), optional_text(), optional_text()),
    ) -> Job<'static> {
        let text = |text: Option<String>| text.map(Text::from);
        let (owner, owner_id, org_id, team_id, team_name, group_id) = people;
        let (owner, team_name, group_id) = (text(owner), text(team_name), text(group_id));
        let (name, browser_name, browser_version, os_name, os_version) = platform;
        let (name, browser_name, browser_version, os_name, os_version) =
            (text(name), text(browser_name), text(browser_version), text(os_name), text(os_version));
        let (device, app, error, exception, commit_id, branch_name, build, automation_backend) = details;
        let (device, app, error, exception) = (text(device), text(app), text(error), text(exception));
        let (commit_id, branch_name, build, automation_backend) =
            (text(commit_id), text(branch_name), text(build), text(automation_backend));
        let mut job = Job::new(id, status, creation_time);
        job.data_type = data_type;
        job.passed = passed;
        job.modification_time = modification_time;
        (job.owner, job.owner_id, job.org_id, job.team_id, job.team_name, job.group_id) =
            (owner, owner_id, org_id, team_id, team_name, group_id);
        (job.name, job.browser_name, job.browser_version, job.os_name, job.os_version) =
            (name, browser_name, browser_version, os_name, os_version);
        job.duration_sec = duration_sec;
        job.visibility = visibility;
        job.tags = tags.into_iter().map(Into::into).collect();
        (job.device, job.app, job.error, job.exception, job.commit_id, job.branch_name, job.build, job.automation_backend) =
            (device, app, error, exception, commit_id, branch_name, build, automation_backend);
        job
    }
}
