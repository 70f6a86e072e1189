//! The delivery loop's one step, so that a host writes only the HTTP call: take what is due,
//! send each request with the host's client, report each outcome.

use time::{Duration, OffsetDateTime};

use super::outbox::{Attempt, Outbox, OutboxError, Reported};
use super::outcome::Outcome;
use super::store::OutboxStore;

/// What happened to one attempt a [`Dispatcher`] made.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Dispatched {
    /// The attempt, with its request and message.
    pub attempt: Attempt,
    /// How the send ended, as the host's client said.
    pub outcome: Outcome,
    /// What the outbox made of it.
    pub reported: Reported,
}

/// Delivers what is due from an [`Outbox`]: takes the attempts, has the host send each (its
/// HTTP client, its timeout), and reports how each went. It owns the random numbers the retry
/// policy's jitter needs: a small generator (xorshift) seeded by the host, so that nothing
/// reads a global one and a test can repeat a run exactly.
///
/// It reads no clock of its own: the host passes one (`OffsetDateTime::now_utc`, or a test's),
/// read before each attempt is begun and after each answer, so that an attempt whose lease has
/// run short while earlier ones were sent is left for later rather than sent out of order, and
/// a retry is scheduled from when the answer came.
///
/// ```
/// use sauce_webhooks::delivery::{Dispatcher, Message, Outbox, Outcome, Reported};
/// use sauce_webhooks::pagerduty::{AlertEvent, RoutingKey};
/// use sauce_webhooks::time::OffsetDateTime;
///
/// let outbox = Outbox::new();
/// let now = OffsetDateTime::now_utc();
/// let alert = AlertEvent::resolve(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?, "checkout");
/// outbox.enqueue(Message::pagerduty(&alert)?, now)?;
///
/// let mut dispatcher = Dispatcher::new(0x5eed);
/// let sent = dispatcher.deliver_due(&outbox, OffsetDateTime::now_utc, 16, |attempt| {
///     let request = attempt.request(); // POST request.body to request.url with request.headers
///     // ... with your HTTP client; its answer, Retry-After included, becomes the outcome:
///     Outcome::status_with_retry_after(202, None, OffsetDateTime::now_utc())
/// })?;
/// assert_eq!(sent[0].reported, Reported::Delivered);
/// assert!(outbox.is_empty()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// How the usual clients' answers and errors become an [`Outcome`]:
///
/// | what happened | `ureq` 3 (`http_status_as_error(false)`) | `reqwest` | outcome |
/// |---|---|---|---|
/// | an answer | `Ok(response)` | `Ok(response)` | [`Outcome::status_with_retry_after`]`(status, retry_after, now)` |
/// | no answer in time | `Err(ureq::Error::Timeout(_))` | `Err(e)` with `e.is_timeout()` | [`Outcome::Timeout`] |
/// | the name did not resolve | `Err(ureq::Error::HostNotFound)` | `Err(e)` with `e.is_connect()`, a resolver error as its source | [`Outcome::DnsFailed`] |
/// | anything else: refused, reset, TLS | any other `Err` | any other `Err` | [`Outcome::ConnectionFailed`] |
///
/// Never follow redirects (a 3xx is an answer, and retried): `max_redirects(0)` in `ureq`,
/// `redirect::Policy::none()` in `reqwest`. The repository's `servers/senders/` has both,
/// tested against a stand-in (`cargo run -p sauce-webhooks-servers --example senders`).
#[derive(Debug, Clone)]
pub struct Dispatcher {
    random: u64,
    request_timeout: Duration,
}

impl Dispatcher {
    /// A dispatcher whose jitter starts from `seed` (give each worker its own), for requests of
    /// at most 15 s.
    pub fn new(seed: u64) -> Self {
        // xorshift stays at zero from zero.
        Self { random: if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed }, request_timeout: Duration::seconds(15) }
    }

    /// The longest your HTTP client lets a request take (15 s by default): an attempt whose
    /// lease ends sooner than that is not sent, as another worker may be given its message
    /// (and a later message of its key) before the answer comes. Keep it under half the
    /// outbox's lease.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout.max(Duration::ZERO);
        self
    }

    /// Takes up to `limit` attempts due at `clock()`, sends each with `send` (which returns how
    /// it ended), and reports each outcome to the outbox at `clock()`; what happened to each, in
    /// order. An attempt its lease would no longer cover when its turn comes (the clock read
    /// again) is left unsent, to be given out again once its lease ends: take no more at once
    /// than you can send within a lease.
    ///
    /// # Errors
    /// The outbox's store's, for the first attempt that cannot be taken or reported; the
    /// attempts reported before it stay reported.
    pub fn deliver_due<S: OutboxStore>(
        &mut self,
        outbox: &Outbox<S>,
        mut clock: impl FnMut() -> OffsetDateTime,
        limit: usize,
        mut send: impl FnMut(&Attempt) -> Outcome,
    ) -> Result<Vec<Dispatched>, OutboxError<S::Error>> {
        let mut dispatched = Vec::new();
        for attempt in outbox.due(clock(), limit)? {
            if clock().saturating_add(self.request_timeout) >= attempt.lease_ends_at() {
                continue;
            }
            let outcome = send(&attempt);
            let reported = outbox.report(&attempt, &outcome, clock(), self.next_random())?;
            dispatched.push(Dispatched { attempt, outcome, reported });
        }
        Ok(dispatched)
    }

    /// The next of its random numbers (xorshift64).
    fn next_random(&mut self) -> u64 {
        let mut x = self.random;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random = x;
        x
    }
}
