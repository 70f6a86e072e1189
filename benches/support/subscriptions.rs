//! A realistic mix of subscriptions to route among: 70% user, 25% team and 5% organization
//! scopes over 10,000 organizations, with varied topics, plus one subscription each for a
//! given user, team and organization (so that an event of theirs matches exactly three).

use sauce_webhooks::Router;
use sauce_webhooks::routing::{Outcomes, Scope, Subscription, Topic};

const ORGS: u64 = 10_000;
const TEAMS_PER_ORG: u64 = 10;

/// A 32-hex-digit id, like Sauce Labs', different for each (kind, n).
pub fn id(kind: u64, n: u64) -> String {
    let mixed = (n ^ (kind << 56)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{mixed:016x}{:016x}", mixed.rotate_left(29) ^ kind)
}

/// The user, team and organization ids of the `i`-th subscriber in the mix.
pub fn owner(i: u64) -> (String, String, String) {
    let org = i % ORGS;
    (id(3, i), id(2, org * TEAMS_PER_ORG + i % TEAMS_PER_ORG), id(1, org))
}

fn topics(i: u64) -> Vec<Topic> {
    match i % 4 {
        0 => vec![Topic::VirtualDeviceJobs(Outcomes::FailedOnly)],
        1 => vec![Topic::VirtualDeviceJobs(Outcomes::All), Topic::RealDeviceJobs(Outcomes::All)],
        2 => vec![Topic::RealDeviceJobs(Outcomes::FailedOnly), Topic::VisualBuildCompleted],
        _ => vec![Topic::VirtualDeviceJobs(Outcomes::FailedOnly), Topic::ConcurrencyUsage],
    }
}

/// `n` subscriptions in the mix, keyed `0..n`, plus failed-VDC-job subscriptions for `user`,
/// `team` and `org`.
pub fn mix(n: u64, user: &str, team: &str, org: &str) -> Vec<(u64, Subscription)> {
    let mut all: Vec<(u64, Subscription)> = (0..n)
        .map(|i| {
            let (user, team, org) = owner(i);
            let scope = match i % 20 {
                0 => Scope::organization(org),
                1..=5 => Scope::team(org, team),
                _ => Scope::user(org, user),
            };
            (i, Subscription::new(scope, topics(i)))
        })
        .collect();
    let failed = [Topic::VirtualDeviceJobs(Outcomes::FailedOnly)];
    all.push((u64::MAX - 2, Subscription::new(Scope::user(org, user), failed)));
    all.push((u64::MAX - 1, Subscription::new(Scope::team(org, team), failed)));
    all.push((u64::MAX, Subscription::new(Scope::organization(org), failed)));
    all
}

/// The same subscriptions, indexed.
pub fn router(n: u64, user: &str, team: &str, org: &str) -> Router<u64> {
    let mut router = Router::new();
    for (key, subscription) in mix(n, user, team, org) {
        router.insert(key, subscription);
    }
    router
}
