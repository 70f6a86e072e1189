//! `Router::route` among 1,000 and 1,000,000 subscriptions (70% user, 25% team, 5% organization
//! scopes over 10,000 organizations), for an event that matches exactly 3 of them, plus the
//! memory a subscription costs at 1,000,000. Run: `cargo bench --bench route`.

#[path = "support/subscriptions.rs"]
mod subscriptions;
mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use sauce_webhooks::{Event, Router};
use subscriptions::{id, owner, router};

/// A failed VDC job of a user, team and organization that each have exactly one subscription.
fn probe(user: &str, team: &str, org: &str) -> Event<'static> {
    let body = format!(
        r#"{{"id":"j","data_type":"vdc","status":"FAILED","creation_time":0,"owner_id":"{user}","team_id":"{team}","org_id":"{org}"}}"#
    );
    Event::from_slice(body.as_bytes()).unwrap()
}

/// Failed jobs of existing users, teams and organizations, different each time, so that a
/// router too big for the cache pays its misses.
fn spread_events(n: u64) -> Vec<Event<'static>> {
    (0..1024u64)
        .map(|k| {
            let (user, team, org) = owner((k * 7919) % n);
            let body = format!(
                r#"{{"id":"j","data_type":"vdc","status":"FAILED","creation_time":0,"owner_id":"{user}","team_id":"{team}","org_id":"{org}"}}"#
            );
            Event::from_slice(body.as_bytes()).unwrap()
        })
        .collect()
}

fn main() {
    let (user, team, org) = (id(4, 0), id(5, 0), id(6, 0));
    let event = probe(&user, &team, &org);
    let small = router(1_000, &user, &team, &org);
    let mut built = None;
    let memory = allocation_counter::measure(|| built = Some(router(1_000_000, &user, &team, &org)));
    let large = built.expect("built above");
    assert_eq!(small.route(&event).count(), 3);
    assert_eq!(large.route(&event).count(), 3);
    let (small_spread, large_spread) = (spread_events(1_000), spread_events(1_000_000));

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("route");
    group.bench_function("1k_subscriptions", |b| b.iter(|| small.route(black_box(&event)).count()));
    group.bench_function("1m_subscriptions", |b| b.iter(|| large.route(black_box(&event)).count()));
    group.finish();
    c.final_summary();

    if std::env::args().any(|arg| arg == "--bench") {
        let route_all =
            |router: &Router<u64>, events: &[Event]| events.iter().map(|e| router.route(e).count()).sum::<usize>();
        support::interleaved(
            "route one event matching 3 subscriptions",
            &mut [
                ("among 1,000", &mut || {
                    black_box(small.route(black_box(&event)).count());
                }),
                ("among 1,000,000", &mut || {
                    black_box(large.route(black_box(&event)).count());
                }),
            ],
            200,
            Duration::from_millis(2),
        );
        support::interleaved(
            "route 1,024 different events in turn (per batch)",
            &mut [
                ("among 1,000", &mut || {
                    black_box(route_all(&small, &small_spread));
                }),
                ("among 1,000,000", &mut || {
                    black_box(route_all(&large, &large_spread));
                }),
            ],
            100,
            Duration::from_millis(4),
        );
        #[allow(clippy::cast_precision_loss)]
        let per = |bytes: i64| bytes as f64 / 1_000_003.0;
        println!(
            "\nmemory at 1,000,000 subscriptions (u64 keys, 32-character ids): {:.0} bytes each held, {:.0} at peak while building",
            per(memory.bytes_current),
            per(i64::try_from(memory.bytes_max).unwrap_or(i64::MAX)),
        );
    }
}
