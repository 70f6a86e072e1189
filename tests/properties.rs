//! Properties over generated input: events round-trip through `Serialize` and `from_slice`,
//! and no bytes make the parser panic.

mod common;

use common::strategies::{job, optional_text, text, time_with_micros, time_with_nanos, word};
use proptest::prelude::*;
use sauce_webhooks::{BuildStatus, Concurrency, ConcurrencyUsage, DataCenter, Event, RawJson, Slots, VisualBuild};

fn slots() -> impl Strategy<Value = Slots> {
    (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(vms, mac_vms, rds)| Slots::new(vms, mac_vms, rds))
}

fn usage() -> impl Strategy<Value = ConcurrencyUsage> {
    (".{0,16}", slots(), slots()).prop_map(|(id, allowed, current)| ConcurrencyUsage::new(id, allowed, current))
}

fn concurrency() -> impl Strategy<Value = Concurrency> {
    // Any time: one a float epoch cannot hold exactly is written as RFC 3339.
    let time = prop_oneof![time_with_micros(), time_with_nanos()];
    (usage(), proptest::option::of(usage()), time).prop_map(|(organization, team, timestamp)| {
        let mut usage = Concurrency::new(organization, timestamp);
        usage.team = team;
        usage
    })
}

prop_compose! {
    fn visual_build()(
        ids in (text(), text(), proptest::collection::vec(text(), 0..3), optional_text()),
        build in (text(), text(), text()),
        status in word().prop_map(|w| w.parse::<BuildStatus>().unwrap()),
        branch in optional_text(),
        project in optional_text(),
        counts in any::<[u32; 6]>(),
        data_center in word().prop_map(|w| w.parse::<DataCenter>().unwrap()),
    ) -> VisualBuild {
        let (org_id, user_id, team_ids, creator_id) = ids;
        let (build_id, build_name, build_url) = build;
        let [errored, approved, equal, rejected, unapproved, queued] = counts;
        let mut visual = VisualBuild::new(org_id, user_id, build_id, build_name, build_url, status, data_center);
        visual.team_ids = team_ids.into_iter().map(Into::into).collect();
        (visual.creator_id, visual.branch, visual.project) = (creator_id, branch, project);
        let summary = &mut visual.summary;
        (summary.errored, summary.approved, summary.equal, summary.rejected, summary.unapproved, summary.queued) =
            (errored, approved, equal, rejected, unapproved, queued);
        visual
    }
}

/// An object whose keys tell no known kind.
fn unknown() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(Into::into),
        any::<i64>().prop_map(Into::into),
        any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(Into::into),
        ".{0,12}".prop_map(Into::into),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Into::into),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    proptest::collection::btree_map("x_[a-z]{1,8}", value, 0..6)
        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect()))
}

fn event() -> impl Strategy<Value = Event<'static>> {
    prop_oneof![
        job().prop_map(Event::Job),
        concurrency().prop_map(Event::Concurrency),
        visual_build().prop_map(Event::VisualBuild),
        unknown().prop_map(|json| Event::Unknown(RawJson::from_value(&json))),
    ]
}

/// JSON-looking fragments, more likely than random bytes to reach deep into the parser.
const PIECES: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"id\"",
    b"\"status\"",
    b"\"creation_time\"",
    b"\"concurrency\"",
    b"\"organization\"",
    b"\"eventPayload\"",
    b"\"build_id\"",
    b"\"passed\"",
    b"\"tags\"",
    b"\"FAILED\"",
    b"1e400",
    b"-0",
    b"2.5",
    b"18446744073709551616",
    b"1714557600000",
    b"null",
    b"true",
    b"\"\\ud800\"",
    b"\xff",
    b"\n",
];

fn json_soup() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn serialized_events_parse_back_equal(event in event()) {
        let bytes = serde_json::to_vec(&event).unwrap();
        let parsed = Event::from_slice(&bytes);
        prop_assert_eq!(parsed.as_ref(), Ok(&event), "{}", String::from_utf8_lossy(&bytes));
        let batch = serde_json::to_vec(&[&event, &event]).unwrap();
        prop_assert_eq!(Event::from_slice_batch(&batch).collect::<Result<Vec<_>, _>>(), Ok(vec![event.clone(), event]));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in any::<Vec<u8>>()) {
        let _ = Event::from_slice(&bytes);
        Event::from_slice_batch(&bytes).for_each(drop);
    }

    #[test]
    fn json_soup_never_panics_and_errors_point_inside_the_body(bytes in json_soup()) {
        let batch = Event::from_slice_batch(&bytes).map(|result| result.map(|_| ()));
        for result in std::iter::once(Event::from_slice(&bytes).map(|_| ())).chain(batch) {
            if let Err(err) = result {
                prop_assert!(err.path().starts_with('$'));
                prop_assert!(err.line() <= bytes.split(|&b| b == b'\n').count());
                prop_assert!(err.column() <= bytes.len());
            }
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(index in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/testing/payloads/vdc_job_failed.json");
        let mut bytes = std::fs::read(path).unwrap();
        let at = index.index(bytes.len());
        bytes[at] = byte;
        let _ = Event::from_slice(&bytes);
        bytes.truncate(cut.index(bytes.len()));
        Event::from_slice_batch(&bytes).for_each(drop);
    }
}
