//! How many sessions an organization and a team may run, and how many they run now.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use super::lenient;
use super::shape::{Fields, Shape};

/// A concurrency usage event: the organization's slots and, when the session
/// belongs to a team, the team's.
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
pub struct Concurrency {
    /// The organization's usage.
    pub organization: ConcurrencyUsage,
    /// The team's usage, when there is a team.
    pub team: Option<ConcurrencyUsage>,
    /// When the usage was measured, in UTC, to the microsecond.
    pub timestamp: OffsetDateTime,
}

/// Allowed and current slots of one organization or team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcurrencyUsage {
    /// The organization or team id.
    pub id: String,
    /// How many sessions may run at once.
    pub allowed: Slots,
    /// How many sessions run now.
    pub current: Slots,
}

impl ConcurrencyUsage {
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
pub struct Slots {
    /// Virtual machines (desktop browsers, emulators).
    #[serde(deserialize_with = "lenient::u32_count")]
    pub vms: u32,
    /// Mac virtual machines (Safari, simulators).
    #[serde(deserialize_with = "lenient::u32_count")]
    pub mac_vms: u32,
    /// Real devices.
    #[serde(deserialize_with = "lenient::u32_count")]
    pub rds: u32,
}

/// The `concurrency` object of the body.
#[derive(Debug, Deserialize)]
pub(crate) struct ConcurrencyBody {
    organization: ConcurrencyUsage,
    #[serde(default)]
    team: Option<ConcurrencyUsage>,
}

impl Concurrency {
    /// Builds the event from the body's keys; the error names a missing required key.
    pub(crate) fn from_fields(f: Fields) -> Result<Self, &'static str> {
        let body = *f.concurrency.ok_or("concurrency")?;
        Ok(Self { organization: body.organization, team: body.team, timestamp: f.timestamp.ok_or("timestamp")? })
    }
}

impl Serialize for Concurrency {
    /// Writes the documented shape: `{"concurrency":{"organization":…,"team":…},"timestamp":<epoch float>}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            concurrency: BodyRef<'a>,
            #[serde(serialize_with = "lenient::serialize_epoch_float")]
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

impl<'de> Deserialize<'de> for Concurrency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::read_object(d, |fields| Self::from_fields(fields).map_err(|field| Shape::Concurrency.missing(field)))
    }
}
