//! How many sessions an organization and a team may run, and how many they run now.

use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;

use crate::support::lenient::u32_count;
use crate::support::time::serialize_epoch_float;

/// A concurrency usage event: the organization's slots and, when the session belongs to a
/// team, the team's.
///
/// ```
/// use sauce_webhooks::Event;
///
/// let body = br#"{"concurrency":{"organization":{"id":"7fb2","allowed":{"vms":1000,"mac_vms":1000,"rds":20},
///     "current":{"vms":1000,"mac_vms":0,"rds":2}}},"timestamp":1631125800.61984}"#;
/// let Event::Concurrency(usage) = Event::from_slice(body)? else { unreachable!() };
/// assert!(usage.organization.is_saturated());
/// assert!(usage.team.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Concurrency {
    /// The organization's usage.
    pub organization: ConcurrencyUsage,
    /// The team's usage, when there is a team.
    pub team: Option<ConcurrencyUsage>,
    /// When the usage was measured, in UTC, to the microsecond.
    pub timestamp: OffsetDateTime,
}

impl Concurrency {
    /// The organization's usage at `timestamp`, without a team.
    pub fn new(organization: ConcurrencyUsage, timestamp: OffsetDateTime) -> Self {
        Self { organization, team: None, timestamp }
    }

    /// Whether the organization or the team uses all its slots of some kind.
    pub fn is_saturated(&self) -> bool {
        self.organization.is_saturated() || self.team.as_ref().is_some_and(ConcurrencyUsage::is_saturated)
    }
}

/// Allowed and current slots of one organization or team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConcurrencyUsage {
    /// The organization or team id.
    pub id: String,
    /// How many sessions may run at once.
    pub allowed: Slots,
    /// How many sessions run now.
    pub current: Slots,
}

impl ConcurrencyUsage {
    /// The usage of the organization or team `id`.
    pub fn new(id: impl Into<String>, allowed: Slots, current: Slots) -> Self {
        Self { id: id.into(), allowed, current }
    }

    /// Whether any kind of slot is in use up to (or beyond) what is allowed.
    pub fn is_saturated(&self) -> bool {
        let (allowed, current) = (&self.allowed, &self.current);
        (allowed.vms > 0 && current.vms >= allowed.vms)
            || (allowed.mac_vms > 0 && current.mac_vms >= allowed.mac_vms)
            || (allowed.rds > 0 && current.rds >= allowed.rds)
    }
}

/// Session counts by kind of machine. Counts accept integers, floats (rounded) and numeric strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Slots {
    /// Virtual machines (desktop browsers, emulators).
    #[serde(deserialize_with = "u32_count")]
    pub vms: u32,
    /// Mac virtual machines (Safari, simulators).
    #[serde(deserialize_with = "u32_count")]
    pub mac_vms: u32,
    /// Real devices.
    #[serde(deserialize_with = "u32_count")]
    pub rds: u32,
}

impl Slots {
    /// Counts of virtual machines, Mac virtual machines and real devices.
    pub fn new(vms: u32, mac_vms: u32, rds: u32) -> Self {
        Self { vms, mac_vms, rds }
    }
}

impl Serialize for Concurrency {
    /// Writes the documented shape: `{"concurrency":{"organization":…,"team":…},"timestamp":<epoch float>}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            concurrency: BodyRef<'a>,
            #[serde(serialize_with = "serialize_epoch_float")]
            timestamp: &'a OffsetDateTime,
        }
        #[derive(Serialize)]
        struct BodyRef<'a> {
            organization: &'a ConcurrencyUsage,
            #[serde(skip_serializing_if = "Option::is_none")]
            team: Option<&'a ConcurrencyUsage>,
        }
        Wire {
            concurrency: BodyRef { organization: &self.organization, team: self.team.as_ref() },
            timestamp: &self.timestamp,
        }
        .serialize(s)
    }
}
