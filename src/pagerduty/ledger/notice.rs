//! A flaky test's announcement as a notice of its own, for a host that posts it elsewhere
//! than PagerDuty (a chat channel, a webhook).

/// A flaky test, announced: what [`Decision::Notice`](super::Decision::Notice) carries when
/// the flakiness rules announce as notices
/// ([`Announcement::Notice`](super::Announcement::Notice)).
///
/// ```
/// use sauce_webhooks::pagerduty::{Announcement, Decision, Flakiness, IncidentLedger, IncidentRules, RoutingKey};
/// use sauce_webhooks::testing::TestRuns;
/// use sauce_webhooks::time::OffsetDateTime;
///
/// let rules = IncidentRules::new(RoutingKey::new("R0UT1NGKEY0123456789ABCDEFGHIJKL")?);
/// let ledger = IncidentLedger::new(rules)
///     .with_flakiness(Flakiness::default().announce_as(Announcement::Notice));
/// let now = OffsetDateTime::now_utc();
/// let mut notices = Vec::new();
/// for event in TestRuns::new("checkout works").flaky(30, 3).events() {
///     if let Decision::Notice(notice) = ledger.apply(&event, now)? {
///         notices.push(notice);
///     }
/// }
/// assert_eq!(notices.len(), 1);
/// let body: serde_json::Value = serde_json::from_slice(&notices[0].body())?;
/// assert_eq!(body["test"], "checkout works");
/// assert_eq!(body["flakiness"]["health"], "flaky");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakyNotice {
    pub(crate) dedup_key: String,
    pub(crate) test: String,
    pub(crate) summary: String,
    /// The classification, a JSON object written by the crate.
    pub(crate) flakiness: String,
}

impl FlakyNotice {
    /// The incident key of the test (as its alerts' dedup key), with `#flaky`.
    pub fn dedup_key(&self) -> &str {
        &self.dedup_key
    }

    /// The test's name (or its key, for an event without a name).
    pub fn test(&self) -> &str {
        &self.test
    }

    /// One line saying it: `checkout works is flaky: 14 flips between pass and fail in its last 30 results`.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The notice as a JSON body: `kind` (`flaky_test`), `dedup_key`, `test`, `summary`, and
    /// `flakiness` (the verdicts, flips, flip rate, health and rule).
    pub fn body(&self) -> Vec<u8> {
        let head = serde_json::json!({
            "kind": "flaky_test",
            "dedup_key": self.dedup_key,
            "test": self.test,
            "summary": self.summary,
        })
        .to_string();
        // The classification is JSON the crate wrote: it goes in as it is.
        let mut body = head.into_bytes();
        body.pop();
        body.extend_from_slice(b",\"flakiness\":");
        body.extend_from_slice(self.flakiness.as_bytes());
        body.push(b'}');
        body
    }
}
