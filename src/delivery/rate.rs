//! How many requests a target takes per minute: PagerDuty about 120 per routing key, over a
//! sliding 60 s window, refusing the rest with a 429 that is not ingested.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

const WINDOW: Duration = Duration::MINUTE;

/// Sliding one-minute windows, one per rate key, in this process's memory.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Default)]
struct Window {
    /// When each send of the last minute was given out, oldest first.
    sent: VecDeque<OffsetDateTime>,
    /// No sends before this (after the target said to slow down).
    paused_until: Option<OffsetDateTime>,
}

impl RateLimiter {
    /// Whether a send of `key` at `now` would be allowed, without taking it; when not, when one
    /// will be. Looking first lets a worker claim a message before it spends a send on it.
    pub(crate) fn room(&self, key: &str, per_minute: u32, now: OffsetDateTime) -> Result<(), OffsetDateTime> {
        self.admit(key, per_minute, now, false)
    }

    /// Takes one send of `key` at `now` if fewer than `per_minute` were taken in the minute
    /// before and the key is not paused; otherwise says when one will be allowed.
    pub(crate) fn take(&self, key: &str, per_minute: u32, now: OffsetDateTime) -> Result<(), OffsetDateTime> {
        self.admit(key, per_minute, now, true)
    }

    fn admit(&self, key: &str, per_minute: u32, now: OffsetDateTime, take: bool) -> Result<(), OffsetDateTime> {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        // Keys idle for a minute hold nothing worth keeping: forget them, so that the map stays
        // as small as the keys in use.
        if windows.len() > 64 {
            windows.retain(|_, window| window.is_busy(now));
        }
        let window = windows.entry(key.to_owned()).or_default();
        if let Some(until) = window.paused_until.filter(|until| *until > now) {
            return Err(until);
        }
        while window.sent.front().is_some_and(|sent| sent.saturating_add(WINDOW) <= now) {
            window.sent.pop_front();
        }
        let limit = usize::try_from(per_minute).unwrap_or(usize::MAX).max(1);
        if window.sent.len() >= limit {
            // The oldest send leaving the window makes room.
            return Err(window.sent[window.sent.len() - limit].saturating_add(WINDOW));
        }
        if take {
            window.sent.push_back(now);
        }
        Ok(())
    }

    /// Sends nothing more for `key` before `until` (the target answered 429).
    pub(crate) fn pause(&self, key: &str, until: OffsetDateTime) {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let window = windows.entry(key.to_owned()).or_default();
        window.paused_until = Some(window.paused_until.map_or(until, |paused| paused.max(until)));
    }
}

impl Window {
    fn is_busy(&self, now: OffsetDateTime) -> bool {
        self.sent.back().is_some_and(|last| last.saturating_add(WINDOW) > now)
            || self.paused_until.is_some_and(|until| until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::{Duration, OffsetDateTime, RateLimiter};

    #[test]
    fn a_minute_holds_the_limit_and_no_more() {
        let limiter = RateLimiter::default();
        let start = OffsetDateTime::UNIX_EPOCH;
        for second in 0..3 {
            assert_eq!(limiter.take("k", 3, start + Duration::seconds(second)), Ok(()));
        }
        assert_eq!(limiter.room("k", 3, start + Duration::seconds(10)), Err(start + Duration::seconds(60)));
        assert_eq!(limiter.take("k", 3, start + Duration::seconds(10)), Err(start + Duration::seconds(60)));
        assert_eq!(limiter.room("other", 3, start + Duration::seconds(10)), Ok(()), "keys are apart");
        assert_eq!(limiter.take("other", 3, start + Duration::seconds(10)), Ok(()));
        assert_eq!(limiter.take("k", 3, start + Duration::seconds(60)), Ok(()));
        limiter.pause("k", start + Duration::seconds(200));
        assert_eq!(limiter.take("k", 3, start + Duration::seconds(150)), Err(start + Duration::seconds(200)));
    }
}
