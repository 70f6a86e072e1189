//! What the relay does every second besides taking in and delivering: check that the database
//! answers (`/ready`), count what waits (the queue bound and the gauges), forget what is past
//! its time (events taken in, closed incidents, the oldest dead letters), and send to disabled
//! endpoints again when the configuration says to.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use sauce_webhooks::delivery::{EndpointHealth, Outbox};
use sauce_webhooks::time::{Duration, OffsetDateTime};
use serde_json::json;

use crate::database::Database;
use crate::heartbeat::Heartbeat;
use crate::log::log;
use crate::metrics::{self, Metrics};

/// Bodies are forgotten every this many seconds: deleting as they expire would cost a write
/// per webhook.
const FORGET_EVERY: u64 = 60;

/// The housekeeping thread's state.
#[derive(Debug)]
pub struct Housekeeping<D> {
    /// The database, on the thread's own connection.
    pub store: D,
    /// The outbox, to enable endpoints through.
    pub outbox: Arc<Outbox<D>>,
    /// Where the gauges go.
    pub metrics: Arc<Metrics>,
    /// Messages in the outbox, for intake's bound.
    pub depth: Arc<AtomicU64>,
    /// Whether the database holds its most, for intake's bound.
    pub full: Arc<AtomicBool>,
    /// The most the database may hold, in bytes: webhooks are refused from four fifths of it,
    /// so that delivering and forgetting, which write too, always have room.
    pub max_bytes: u64,
    /// When the database last answered, for `/ready`.
    pub heartbeat: Arc<Heartbeat>,
    /// How long events taken in are remembered.
    pub replay_window: Duration,
    /// How long a closed incident is remembered.
    pub incident_retention: Duration,
    /// The most dead letters kept.
    pub max_dead_letters: u64,
    /// How long an endpoint stays disabled before it is sent to again, if ever.
    pub reenable_after: Option<Duration>,
    /// The subscriptions' ids: each has a queue depth, 0 when nothing waits.
    pub subscriptions: Vec<String>,
}

impl<D: Database> Housekeeping<D> {
    /// Works every second until `stop` is set.
    pub fn run(self, stop: &AtomicBool) {
        let mut ticks: u64 = 0;
        while !stop.load(Ordering::Relaxed) {
            let now = OffsetDateTime::now_utc();
            let answered = self.tick(now, ticks.is_multiple_of(FORGET_EVERY));
            if let Err(err) = &answered {
                log("error", "database unavailable", json!({"error": err.to_string()}));
            }
            if answered.is_ok() {
                self.heartbeat.answered();
            }
            ticks += 1;
            std::thread::sleep(StdDuration::from_secs(1));
        }
    }

    /// One round: the counts, and, when `forget`, what is past its time.
    ///
    /// # Errors
    /// The database's.
    pub fn tick(&self, now: OffsetDateTime, forget: bool) -> Result<(), D::Failure> {
        self.store.ping()?;
        let size = self.store.size_bytes()?;
        let full = size >= self.max_bytes / 5 * 4;
        if self.full.swap(full, Ordering::Relaxed) != full {
            let fields = json!({"bytes": size, "max_database_megabytes": self.max_bytes / (1024 * 1024)});
            if full {
                log("error", "database full: webhooks answered 503 until it has room", fields);
            } else {
                log("info", "database has room again", fields);
            }
        }
        let depths = self.store.queue_depths()?;
        self.depth.store(depths.iter().map(|(_, count)| count).sum(), Ordering::Relaxed);
        self.metrics.queue_depth.clear();
        for subscription in &self.subscriptions {
            self.metrics
                .queue_depth
                .get_or_create(&metrics::Subscription { subscription: subscription.clone() })
                .set(0);
        }
        for (subscription, count) in depths {
            let gauge = self.metrics.queue_depth.get_or_create(&metrics::Subscription { subscription });
            gauge.set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        let gauge = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        self.metrics.dead_letters.set(gauge(self.store.count_dead_letters()?));
        self.metrics.disabled_endpoints.set(gauge(self.store.count_disabled_endpoints()?));
        self.metrics.open_incidents.set(gauge(self.store.open_incidents()?));
        if forget {
            self.forget(now)?;
        }
        if let Some(after) = self.reenable_after {
            self.reenable(now, after)?;
        }
        Ok(())
    }

    /// Forgets what is past its time: events past the replay window, incidents closed for
    /// longer than the retention, dead letters past the most kept.
    fn forget(&self, now: OffsetDateTime) -> Result<(), D::Failure> {
        self.store.forget_events(now - self.replay_window)?;
        self.store.forget_settled_incidents(now - self.incident_retention)?;
        let dropped = self.store.keep_newest_dead_letters(self.max_dead_letters)?;
        if dropped > 0 {
            log(
                "warn",
                "oldest dead letters forgotten",
                json!({"dead_letters": dropped, "max_dead_letters": self.max_dead_letters}),
            );
        }
        Ok(())
    }

    /// Enables the endpoints disabled for `after` or longer.
    fn reenable(&self, now: OffsetDateTime, after: Duration) -> Result<(), D::Failure> {
        for (endpoint, health) in self.store.unhealthy_endpoints()? {
            let EndpointHealth::Disabled { at, .. } = health else { continue };
            if now - at < after {
                continue;
            }
            if let Err(err) = self.outbox.enable_endpoint(&endpoint) {
                log("error", "could not enable an endpoint", json!({"error": err.to_string()}));
                continue;
            }
            let disabled_for = (now - at).whole_seconds();
            log(
                "warn",
                "endpoint enabled again after its wait",
                json!({"endpoint": crate::shown::endpoint(&endpoint), "disabled_for_seconds": disabled_for}),
            );
        }
        Ok(())
    }
}
