//! What `GET /metrics` shows, in Prometheus' text format, with `prometheus-client` (the
//! Prometheus project's own Rust client: typed families, the OpenMetrics text encoder, no
//! global registry). Counters count as things happen; the gauges read the database and are
//! set by the housekeeping thread every second.
//!
//! Labels are subscription ids (from the configuration), status codes and fixed words, never
//! text from a request or an endpoint's URL, which may hold a secret.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A subscription.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Subscription {
    /// Its id.
    pub subscription: String,
}

/// An HTTP status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Status {
    /// The status code.
    pub status: u16,
}

/// A delivery's outcome, per subscription.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Delivery {
    /// The subscription's id.
    pub subscription: String,
    /// `delivered`, `retry`, `gave_up`, `endpoint_disabled`, `lease_lost` or `error`.
    pub outcome: &'static str,
}

/// A kind of target.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TargetKind {
    /// `pagerduty` or `webhook`.
    pub target: &'static str,
}

/// Every metric the relay keeps, and the registry that shows them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests to `/webhooks/sauce`, by status.
    pub intake: Family<Status, Counter>,
    /// Elements of bodies that could not be read.
    pub events_refused: Counter,
    /// Events taken in before, within the replay window.
    pub events_repeated: Counter,
    /// Attempts' outcomes.
    pub deliveries: Family<Delivery, Counter>,
    /// Attempts that were retries (the second or later of their message).
    pub retries: Family<Subscription, Counter>,
    /// Messages and events that became dead letters.
    pub dead_lettered: Family<Subscription, Counter>,
    /// From a webhook's answer to its message's delivery.
    pub latency: Family<TargetKind, Histogram, fn() -> Histogram>,
    /// Messages waiting, per subscription.
    pub queue_depth: Family<Subscription, Gauge>,
    /// Dead letters kept.
    pub dead_letters: Gauge,
    /// Endpoints disabled.
    pub disabled_endpoints: Gauge,
    /// Incidents open.
    pub open_incidents: Gauge,
    /// Flaky tests announced: each is announced once a day, so its increase over a day is the
    /// number of flaky tests now.
    pub flaky_announcements: Counter,
    /// Results of quarantined tests, recorded and not paged.
    pub quarantined_results: Counter,
    /// Quarantine patterns configured.
    pub quarantined_tests: Gauge,
}

/// From 10 ms to about 3 days, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 25))
}

impl Metrics {
    /// Every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sauce_relay");
        // The registry keeps a clone of each metric: clones share their values.
        let intake = Family::default();
        registry.register("intake_requests", "Requests to /webhooks/sauce, by status", intake.clone());
        let events_refused = Counter::default();
        registry.register("events_refused", "Elements of bodies that could not be read", events_refused.clone());
        let events_repeated = Counter::default();
        registry.register(
            "events_repeated",
            "Events taken in before, within the replay window, and not again",
            events_repeated.clone(),
        );
        let deliveries = Family::default();
        registry.register("deliveries", "Delivery attempts, by subscription and outcome", deliveries.clone());
        let retries = Family::default();
        registry.register("retries", "Attempts that were retries, by subscription", retries.clone());
        let dead_lettered = Family::default();
        registry.register(
            "dead_lettered",
            "Messages and events set aside as dead letters, by subscription",
            dead_lettered.clone(),
        );
        let latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "delivery_latency_seconds",
            "From a webhook's answer to the delivery of a message it made, by target",
            latency.clone(),
        );
        let queue_depth = Family::default();
        registry.register("queue_depth", "Messages waiting in the outbox, by subscription", queue_depth.clone());
        let dead_letters = Gauge::default();
        registry.register("dead_letters", "Dead letters kept", dead_letters.clone());
        let disabled_endpoints = Gauge::default();
        registry.register("disabled_endpoints", "Webhook endpoints disabled", disabled_endpoints.clone());
        let open_incidents = Gauge::default();
        registry.register("open_incidents", "PagerDuty incidents open", open_incidents.clone());
        let flaky_announcements = Counter::default();
        registry.register(
            "flaky_announcements",
            "Flaky tests announced (each once a day: the increase over a day is the flaky tests now)",
            flaky_announcements.clone(),
        );
        let quarantined_results = Counter::default();
        registry.register(
            "quarantined_results",
            "Results of quarantined tests, recorded and not paged",
            quarantined_results.clone(),
        );
        let quarantined_tests = Gauge::default();
        registry.register("quarantined_tests", "Quarantine patterns configured", quarantined_tests.clone());
        Self {
            registry,
            intake,
            events_refused,
            events_repeated,
            deliveries,
            retries,
            dead_lettered,
            latency,
            queue_depth,
            dead_letters,
            disabled_endpoints,
            open_incidents,
            flaky_announcements,
            quarantined_results,
            quarantined_tests,
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a `String` cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// Counts a dead letter of `subscription`.
    pub fn dead_lettered(&self, subscription: &str) {
        self.dead_lettered.get_or_create(&Subscription { subscription: subscription.to_owned() }).inc();
    }

    /// Counts an attempt's outcome.
    pub fn delivery(&self, subscription: &str, outcome: &'static str) {
        self.deliveries.get_or_create(&Delivery { subscription: subscription.to_owned(), outcome }).inc();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
