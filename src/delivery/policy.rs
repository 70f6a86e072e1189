//! When to send a request again, and when to stop: the answer of a retry policy to one
//! attempt's outcome.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::outcome::Outcome;

/// Whose rules a target's answers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndpointKind {
    /// PagerDuty's Events API: a 400 (or another 4xx) is never retried.
    PagerDuty,
    /// A webhook endpoint, as Svix and the Standard Webhooks spec treat one: every answer but a
    /// 2xx is retried (a refusal, `4xx`, only briefly), and `410 Gone` disables the endpoint.
    Webhook,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Next {
    /// Delivered: the target has it.
    Done,
    /// Send it again at this time.
    RetryAt(OffsetDateTime),
    /// Stop trying: it will not be delivered.
    GiveUp(Undeliverable),
    /// The endpoint said it is gone (`410`): send nothing more to it until the host enables it
    /// again.
    DisableEndpoint,
}

/// Why a request will not be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Undeliverable {
    /// The target refused the request itself (PagerDuty's `400` at once; a webhook's `4xx`
    /// after the short schedule for refusals): sending it again cannot help.
    #[error("the target refused the request with {status}")]
    Refused {
        /// The status it answered.
        status: u16,
    },
    /// Every attempt of the schedule failed.
    #[error("{attempts} attempts failed")]
    Exhausted {
        /// Attempts made.
        attempts: u32,
    },
}

/// When to send again after a failed attempt, and when to give up.
///
/// | outcome | PagerDuty Events API | webhook endpoint |
/// |---|---|---|
/// | 2xx | done | done |
/// | 3xx (never followed) | retry | retry |
/// | 400 and other 4xx | give up | retry on the short schedule for refusals, then give up |
/// | 408 | retry, at least 60 s later | retry, at least 60 s later |
/// | 410 | give up | disable the endpoint |
/// | 429 | retry, at least 60 s later | retry, at least 60 s later |
/// | 5xx | retry | retry |
/// | timeout | retry, at least 60 s later | retry, at least 60 s later |
/// | connection failed, DNS failed | retry | retry |
///
/// A retry waits the schedule's next delay, with ±20% jitter, or the target's `Retry-After` if
/// longer (up to an hour). Once the schedule is spent, it gives up.
///
/// A webhook endpoint that refuses a request (a `4xx` other than `408`, `410` and `429`) may
/// have refused it for a moment (a deploy, a proxy), but more likely refuses it for good: it is
/// retried after 5 s, 1 min and 5 min (by attempt number: an attempt past the end of this
/// schedule that is refused gives up at once), so that it holds up the later messages of its
/// ordering key for minutes, not the day the full schedule takes.
///
/// | after attempt | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | in all |
/// |---|---|---|---|---|---|---|---|---|---|---|---|---|---|
/// | PagerDuty | 5 s | 30 s | 2 min | 5 min | 15 min | 30 min | 1 h | 2 h | 4 h | 8 h | 12 h | 12 h | 13 attempts over about 41 h |
/// | webhook (Svix's) | 5 s | 5 min | 30 min | 2 h | 5 h | 10 h | 10 h | | | | | | 8 attempts over about 28 h |
///
/// Each is configurable. The policy reads no clock and draws no random numbers: the host
/// passes `now` and a random `u64` for the jitter.
///
/// ```
/// use sauce_webhooks::delivery::{Undeliverable, Next, Outcome, RetryPolicy};
/// use sauce_webhooks::time::{Duration, OffsetDateTime};
///
/// let policy = RetryPolicy::pagerduty();
/// let now = OffsetDateTime::now_utc();
/// let random = 0x5eed; // from the host's random number generator
/// assert_eq!(policy.decide(1, &Outcome::status(202), now, random), Next::Done);
/// assert_eq!(policy.decide(1, &Outcome::status(400), now, random), Next::GiveUp(Undeliverable::Refused { status: 400 }));
/// let Next::RetryAt(at) = policy.decide(1, &Outcome::status(429), now, random) else { unreachable!() };
/// assert!(at - now >= Duration::minutes(1), "a 429 waits a minute at least");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    target: EndpointKind,
    schedule: Vec<Duration>,
    refused_schedule: Vec<Duration>,
    jitter: f64,
    throttled_wait: Duration,
    max_retry_after: Duration,
}

impl RetryPolicy {
    /// PagerDuty's Events API: a 4xx is final, retries spread over about 41 hours.
    pub fn pagerduty() -> Self {
        let schedule = [5, 30, 120, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 43_200];
        Self::new(EndpointKind::PagerDuty, schedule.map(Duration::seconds), [])
    }

    /// A webhook endpoint: Svix's schedule, every failure retried, `410` disabling the endpoint.
    pub fn webhook() -> Self {
        let schedule = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
        Self::new(EndpointKind::Webhook, schedule.map(Duration::seconds), [5, 60, 300].map(Duration::seconds))
    }

    fn new(
        target: EndpointKind,
        schedule: impl IntoIterator<Item = Duration>,
        refused: impl IntoIterator<Item = Duration>,
    ) -> Self {
        Self {
            target,
            schedule: schedule.into_iter().collect(),
            refused_schedule: refused.into_iter().collect(),
            jitter: 0.2,
            throttled_wait: Duration::minutes(1),
            max_retry_after: Duration::HOUR,
        }
    }

    /// The policy for `target`.
    pub fn for_target(target: EndpointKind) -> Self {
        match target {
            EndpointKind::PagerDuty => Self::pagerduty(),
            EndpointKind::Webhook => Self::webhook(),
        }
    }

    /// The delays before each retry, after the first attempt (negative delays count as none).
    /// An empty schedule never retries.
    #[must_use]
    pub fn with_schedule(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.schedule = delays.into_iter().map(|delay| delay.max(Duration::ZERO)).collect();
        self
    }

    /// The delays before each retry of a request the target refused (a `4xx` other than
    /// `408`, `410` and `429`), by attempt number: 5 s, 1 min, 5 min for a webhook by default,
    /// none for PagerDuty, whose `400` says the event itself is invalid. Negative delays count
    /// as none; an empty schedule gives up at the first refusal.
    #[must_use]
    pub fn with_refused_schedule(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.refused_schedule = delays.into_iter().map(|delay| delay.max(Duration::ZERO)).collect();
        self
    }

    /// How much each delay may vary, as a fraction (0.2, the default, is ±20%; taken between 0
    /// and 1), so that messages that failed together do not all come back together.
    #[must_use]
    pub fn with_jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_nan() { 0.0 } else { fraction.clamp(0.0, 1.0) };
        self
    }

    /// The least wait after a `408`, a `429` or a timeout (60 s by default).
    #[must_use]
    pub fn with_throttled_wait(mut self, wait: Duration) -> Self {
        self.throttled_wait = wait.max(Duration::ZERO);
        self
    }

    /// The longest `Retry-After` honoured (an hour by default): a target asking for more gets
    /// this.
    #[must_use]
    pub fn with_max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap.max(Duration::ZERO);
        self
    }

    /// Whose rules it follows.
    pub fn target(&self) -> EndpointKind {
        self.target
    }

    /// The least wait after a `408`, a `429` or a timeout.
    pub fn throttled_wait(&self) -> Duration {
        self.throttled_wait
    }

    /// The delays before each retry.
    pub fn schedule(&self) -> &[Duration] {
        &self.schedule
    }

    /// The delays before each retry of a refused request.
    pub fn refused_schedule(&self) -> &[Duration] {
        &self.refused_schedule
    }

    /// What to do after attempt number `attempts` (1 for the first) ended with `outcome` at
    /// `now`; `random` varies the delay within the jitter.
    pub fn decide(&self, attempts: u32, outcome: &Outcome, now: OffsetDateTime, random: u64) -> Next {
        let (throttled, retry_after, schedule) = match *outcome {
            Outcome::Status { code: 200..=299, .. } => return Next::Done,
            Outcome::Status { code: 410, .. } if self.target == EndpointKind::Webhook => return Next::DisableEndpoint,
            Outcome::Status { code: 408 | 429, retry_after } => (true, retry_after, &self.schedule),
            Outcome::Status { code: code @ 400..=499, retry_after } => {
                let index = usize::try_from(attempts.max(1) - 1).unwrap_or(usize::MAX);
                if index >= self.refused_schedule.len() {
                    return Next::GiveUp(Undeliverable::Refused { status: code });
                }
                (false, retry_after, &self.refused_schedule)
            }
            Outcome::Status { retry_after, .. } => (false, retry_after, &self.schedule),
            Outcome::Timeout => (true, None, &self.schedule),
            Outcome::ConnectionFailed | Outcome::DnsFailed => (false, None, &self.schedule),
        };
        let index = usize::try_from(attempts.max(1) - 1).unwrap_or(usize::MAX);
        let Some(&delay) = schedule.get(index) else {
            return Next::GiveUp(Undeliverable::Exhausted { attempts });
        };
        let mut wait = self.jittered(delay, random);
        if let Some(asked) = retry_after {
            wait = wait.max(asked.min(self.max_retry_after));
        }
        if throttled {
            wait = wait.max(self.throttled_wait);
        }
        Next::RetryAt(now.saturating_add(wait))
    }

    /// `delay`, varied by up to the jitter either way.
    fn jittered(&self, delay: Duration, random: u64) -> Duration {
        // The top 53 bits make a fraction in [0, 1), spread to [-1, 1).
        #[allow(clippy::cast_precision_loss)] // 53 bits fit an f64 exactly
        let spread = (random >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
        // Saturating: a schedule of `Duration::MAX` must not overflow when jittered.
        Duration::saturating_seconds_f64(delay.as_seconds_f64() * (1.0 + self.jitter * spread))
    }
}
