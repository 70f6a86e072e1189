//! A test's recent results, by their own times: the last 32 verdicts as a bit set, and what
//! they say of the test (stable, flaky or broken).

use std::fmt;

use serde::{Deserialize, Serialize};

/// How many results a history holds: a bit each in a `u32`.
pub(crate) const HISTORY_LEN: usize = 32;

/// The latest results of one test key, oldest first: which failed, and when (milliseconds
/// since the Unix epoch, by the result's own clock). Kept sorted by time, so that the same
/// results give the same history whatever order they were delivered in: a result older than
/// all 32 it holds is left out, as it would have been pushed out had it come in time.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Stored")]
pub(crate) struct History {
    /// Bit `i`: the `i`-th result, oldest first, failed.
    failed: u32,
    /// Their times, oldest first; at most [`HISTORY_LEN`].
    at: Vec<i64>,
}

/// A history as stored, before it is checked.
#[derive(Deserialize)]
struct Stored {
    failed: u32,
    at: Vec<i64>,
}

impl TryFrom<Stored> for History {
    type Error = String;

    /// At most [`HISTORY_LEN`] times, in order, and no verdict past them: a stored history
    /// that is not so (a tampered row) is refused rather than trusted.
    fn try_from(stored: Stored) -> Result<Self, String> {
        let Stored { failed, at } = stored;
        let held = u32::try_from(at.len()).unwrap_or(u32::MAX);
        let beyond = failed.checked_shr(held).unwrap_or(0);
        if at.len() > HISTORY_LEN || !at.is_sorted() || beyond != 0 {
            return Err(format!("expected at most {HISTORY_LEN} times in order, and their verdicts"));
        }
        Ok(Self { failed, at })
    }
}

impl History {
    /// Results held.
    pub(crate) fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether it holds no result: a key of a ledger from before histories, or never seen.
    pub(crate) fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// Records a result at `at_ms`; returns false when it is older than every one of a full
    /// history (and so left out, as it would have been pushed out had it come in time).
    pub(crate) fn record(&mut self, at_ms: i64, failed: bool) -> bool {
        let mut position = self.at.partition_point(|&t| t < at_ms);
        // Among results of the same time, passes come first: the order then does not depend
        // on the order of delivery.
        while position < self.at.len() && self.at[position] == at_ms && (failed || !self.failed(position)) {
            position += 1;
        }
        if self.at.len() == HISTORY_LEN {
            if position == 0 {
                return false;
            }
            self.drop_oldest();
            position -= 1;
        }
        let below = self.failed & ((1u32 << position) - 1);
        // At `position` 31 the bits above it are all clear (31 results at most before this one).
        let above = (self.failed >> position).checked_shl(u32::try_from(position).unwrap_or(31) + 1).unwrap_or(0);
        self.failed = below | above | (u32::from(failed) << position);
        self.at.insert(position, at_ms);
        true
    }

    fn drop_oldest(&mut self) {
        self.failed >>= 1;
        self.at.remove(0);
    }

    /// Whether the `i`-th result, oldest first, failed.
    pub(crate) fn failed(&self, i: usize) -> bool {
        i < self.at.len() && self.failed & (1 << i) != 0
    }

    /// Failures held.
    pub(crate) fn failures(&self) -> u32 {
        self.failed.count_ones()
    }

    /// Changes from pass to fail or back between consecutive results.
    pub(crate) fn flips(&self) -> u32 {
        if self.at.len() < 2 {
            return 0;
        }
        let pairs = u32::try_from(self.at.len() - 1).unwrap_or(u32::MAX);
        let mask = if pairs >= 32 { u32::MAX } else { (1u32 << pairs) - 1 };
        ((self.failed ^ (self.failed >> 1)) & mask).count_ones()
    }

    /// Failures in a row up to the newest result.
    pub(crate) fn failures_in_a_row(&self) -> u32 {
        (0..self.at.len()).rev().take_while(|&i| self.failed(i)).fold(0, |n, _| n + 1)
    }

    /// The time of the newest result, if any.
    pub(crate) fn newest(&self) -> Option<i64> {
        self.at.last().copied()
    }

    /// The verdicts, oldest first, as `P` (passed) and `F` (failed): what an alert shows.
    pub(crate) fn verdicts(&self) -> String {
        (0..self.at.len()).map(|i| if self.failed(i) { 'F' } else { 'P' }).collect()
    }
}

impl fmt::Debug for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("History").field("verdicts", &self.verdicts()).field("newest", &self.newest()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{HISTORY_LEN, History};

    fn of(results: &[(i64, bool)]) -> History {
        let mut history = History::default();
        for &(at, failed) in results {
            history.record(at, failed);
        }
        history
    }

    #[test]
    fn keeps_results_in_time_order_whatever_order_they_come() {
        let in_order = of(&[(1, false), (2, true), (3, false), (4, true), (5, true)]);
        let shuffled = of(&[(4, true), (1, false), (5, true), (3, false), (2, true)]);
        assert_eq!(in_order, shuffled);
        assert_eq!(in_order.verdicts(), "PFPFF");
        assert_eq!((in_order.failures(), in_order.flips(), in_order.failures_in_a_row()), (3, 3, 2));
    }

    #[test]
    fn ties_are_ordered_passes_first() {
        assert_eq!(of(&[(7, true), (7, false)]), of(&[(7, false), (7, true)]));
        assert_eq!(of(&[(7, true), (7, false)]).verdicts(), "PF");
        assert_eq!(of(&[(7, true), (7, false), (7, true)]).verdicts(), "PFF");
    }

    #[test]
    fn holds_the_newest_32_and_leaves_out_what_is_older() {
        let mut history = History::default();
        for at in 0..40 {
            history.record(at, at % 2 == 0);
        }
        assert_eq!(history.len(), HISTORY_LEN);
        assert_eq!(history.newest(), Some(39));
        assert_eq!(history.flips(), 31);
        assert!(!history.record(3, true), "older than all 32: left out");
        assert!(history.record(100, true));
        assert_eq!(history.verdicts().len(), HISTORY_LEN);
        assert!(history.verdicts().ends_with("PFPF"), "{}", history.verdicts());
    }

    #[test]
    fn a_stored_history_out_of_order_or_too_long_is_refused() {
        assert!(serde_json::from_str::<History>(r#"{"failed":1,"at":[3,2]}"#).is_err());
        assert!(serde_json::from_str::<History>(r#"{"failed":4,"at":[1,2]}"#).is_err(), "a verdict past the times");
        assert!(serde_json::from_str::<History>(r#"{"failed":3,"at":[1,2]}"#).is_ok());
        let long = format!(r#"{{"failed":0,"at":[{}]}}"#, (0..33).map(|n| n.to_string()).collect::<Vec<_>>().join(","));
        assert!(serde_json::from_str::<History>(&long).is_err());
        let history = of(&[(1, true), (2, false)]);
        let text = serde_json::to_string(&history).unwrap();
        assert_eq!(serde_json::from_str::<History>(&text).unwrap(), history);
    }
}
