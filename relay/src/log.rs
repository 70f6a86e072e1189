//! Structured logs: one JSON object per line on standard output. Every value is written by
//! serde_json, escaped, so no text from a request can start a line of its own.
//!
//! Lines go through a bounded queue to a writer thread: a slow or closed reader of standard
//! output never holds up (nor, closed, stops) intake or delivery. When the queue is full,
//! lines are dropped and counted, and the count is logged when there is room again.

use std::io::Write as _;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use sauce_webhooks::time::OffsetDateTime;
use sauce_webhooks::time::format_description::well_known::Rfc3339;
use serde_json::{Map, Value, json};

/// Lines waiting for the writer, at most.
const QUEUED_LINES: usize = 10_000;

static QUEUE: OnceLock<SyncSender<String>> = OnceLock::new();
/// Lines handed to the queue and not written yet.
static PENDING: AtomicUsize = AtomicUsize::new(0);
/// Lines dropped since the last said so.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The least level written: 0 for `info`, 1 for `warn`, 2 for `error`.
static LEAST: AtomicU8 = AtomicU8::new(0);

/// A level's rank: `info` and anything unknown 0, `warn` 1, `error` 2.
fn rank(level: &str) -> u8 {
    match level {
        "error" => 2,
        "warn" => 1,
        _ => 0,
    }
}

/// Writes only lines of `level` (`info`, `warn` or `error`) or above from now on: a host that
/// embeds the relay (a benchmark, say) and wants its own output readable.
pub fn write_from(level: &str) {
    LEAST.store(rank(level), Ordering::Relaxed);
}

/// Writes `{"ts": …, "level": …, "msg": …, …fields}`.
pub fn log(level: &str, msg: &str, fields: Value) {
    if rank(level) < LEAST.load(Ordering::Relaxed) {
        return;
    }
    let mut line = Map::new();
    line.insert("ts".into(), json!(OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()));
    line.insert("level".into(), json!(level));
    line.insert("msg".into(), json!(msg));
    if let Value::Object(fields) = fields {
        line.extend(fields);
    }
    let queue = QUEUE.get_or_init(|| {
        let (queue, lines) = sync_channel(QUEUED_LINES);
        std::thread::spawn(move || write(&lines));
        queue
    });
    PENDING.fetch_add(1, Ordering::SeqCst);
    if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = queue.try_send(Value::Object(line).to_string())
    {
        PENDING.fetch_sub(1, Ordering::SeqCst);
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Writes the lines as they come; a write that fails (a closed pipe) is passed over.
fn write(lines: &Receiver<String>) {
    for line in lines {
        let mut out = std::io::stdout().lock();
        let dropped = DROPPED.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let ts = OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
            let said = json!({"ts": ts, "level": "warn", "msg": "log lines dropped: standard output is slow", "lines": dropped});
            let _ = writeln!(out, "{said}");
        }
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        PENDING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits, for at most a second, until every line logged so far is written: before the process
/// ends.
pub fn flush() {
    let deadline = Instant::now() + Duration::from_secs(1);
    while PENDING.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A kind of line that an unauthenticated client can cause: at most `per_second` of them are
/// written each second, and the next one written says how many were not.
#[derive(Debug)]
pub struct Sampled {
    per_second: u32,
    window: Mutex<(Option<Instant>, u32, u64)>,
}

impl Sampled {
    /// At most `per_second` lines a second.
    pub const fn new(per_second: u32) -> Self {
        Self { per_second, window: Mutex::new((None, 0, 0)) }
    }

    /// Logs as [`log`] does, unless this second's lines are spent.
    pub fn log(&self, level: &str, msg: &str, mut fields: Value) {
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        let (started, written, suppressed) = &mut *window;
        let now = Instant::now();
        if started.is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1)) {
            (*started, *written) = (Some(now), 0);
        }
        if *written >= self.per_second {
            *suppressed += 1;
            return;
        }
        *written += 1;
        if *suppressed > 0 {
            fields["suppressed_before"] = json!(std::mem::take(suppressed));
        }
        drop(window);
        log(level, msg, fields);
    }
}
