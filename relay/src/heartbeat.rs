//! Whether the relay makes progress, for `/ready`: a database that hangs rather than fails (a
//! replica stopped while holding a lock, a network that went quiet) leaves the threads waiting,
//! and a flag set by the last answer would say ready all the while. So housekeeping records
//! when the database last answered, and intake when it began the body it is on; `/ready` is
//! 503 when the one is older, or the other has run longer, than [`STALE_AFTER`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long without an answer, or on one body, before the relay says it is not ready: well
/// past a housekeeping round (every second) or a body's transaction, well within the database's
/// own timeouts' reach (a lock waited for 5 s, a statement run 30 s).
pub const STALE_AFTER: Duration = Duration::from_secs(10);

/// Milliseconds since the process began, never 0 (0 means "not working" below).
fn now() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    u64::try_from(START.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX).max(1)
}

/// The relay's progress, shared by its threads.
#[derive(Debug)]
pub struct Heartbeat {
    /// When the database last answered housekeeping.
    answered: AtomicU64,
    /// When intake began the body it is on; 0 when it is on none.
    working_since: AtomicU64,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self { answered: AtomicU64::new(now()), working_since: AtomicU64::new(0) }
    }
}

impl Heartbeat {
    /// The database answered.
    pub fn answered(&self) {
        self.answered.store(now(), Ordering::Relaxed);
    }

    /// Intake began a body.
    pub fn working(&self) {
        self.working_since.store(now(), Ordering::Relaxed);
    }

    /// Intake is done with it.
    pub fn done(&self) {
        self.working_since.store(0, Ordering::Relaxed);
    }

    /// Whether the database answered lately and intake is not stuck on a body.
    pub fn is_lively(&self) -> bool {
        let (now, limit) = (now(), u64::try_from(STALE_AFTER.as_millis()).unwrap_or(u64::MAX));
        let working_since = self.working_since.load(Ordering::Relaxed);
        now.saturating_sub(self.answered.load(Ordering::Relaxed)) <= limit
            && (working_since == 0 || now.saturating_sub(working_since) <= limit)
    }
}

/// Counts its thread's death by a panic, so that `/ready` says the relay is broken.
#[derive(Debug)]
pub struct Watch(pub Arc<AtomicUsize>);

impl Drop for Watch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}
