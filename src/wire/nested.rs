//! The nested objects some bodies carry, read whole: the concurrency event's `concurrency`, and
//! the raw real-device event of Sauce Labs' earlier webhooks page:
//!
//! ```json
//! {"eventPayload": {"id": "…", "creationTime": …, "status": "passed", "deviceName": "iPhone 15", …},
//!  "ownership": {"userId": "…", "orgId": "…", "teamId": "…", "groupIdd": "…"}}
//! ```
//! That page spells the group id's key `groupIdd`; `groupId` is accepted too.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use time::OffsetDateTime;

use crate::event::{ConcurrencyUsage, Slots};
use crate::support::read::{optional_u64, text, version};
use crate::support::time::time;

/// The `concurrency` object of a concurrency event.
#[derive(Debug, Deserialize)]
pub(crate) struct ConcurrencyBody {
    pub organization: ConcurrencyUsage,
    #[serde(default, deserialize_with = "optional_usage")]
    pub team: Option<ConcurrencyUsage>,
}

/// An optional usage, where `null` and `{}` both mean absent, as for every optional object.
fn optional_usage<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ConcurrencyUsage>, D::Error> {
    #[derive(Deserialize)]
    struct Parts {
        id: Option<String>,
        allowed: Option<Slots>,
        current: Option<Slots>,
    }
    match Option::<Parts>::deserialize(d)? {
        None | Some(Parts { id: None, allowed: None, current: None }) => Ok(None),
        Some(Parts { id, allowed, current }) => Ok(Some(ConcurrencyUsage::new(
            id.ok_or_else(|| de::Error::missing_field("id"))?,
            allowed.ok_or_else(|| de::Error::missing_field("allowed"))?,
            current.ok_or_else(|| de::Error::missing_field("current"))?,
        ))),
    }
}

/// The raw real-device event's `eventPayload`, in camelCase.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RdcPayload {
    #[serde(deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(deserialize_with = "time")]
    pub creation_time: Option<OffsetDateTime>,
    #[serde(deserialize_with = "time")]
    pub modification_time: Option<OffsetDateTime>,
    #[serde(deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "text")]
    pub os_name: Option<String>,
    #[serde(deserialize_with = "version")]
    pub os_version: Option<String>,
    #[serde(deserialize_with = "optional_u64")]
    pub duration_sec: Option<u64>,
    #[serde(deserialize_with = "text")]
    pub device_name: Option<String>,
    #[serde(deserialize_with = "text")]
    pub build: Option<String>,
    #[serde(deserialize_with = "text")]
    pub automation_backend: Option<String>,
}

/// The raw real-device event's `ownership`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RdcOwnership {
    #[serde(deserialize_with = "text")]
    pub user_id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub org_id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub team_id: Option<String>,
    #[serde(deserialize_with = "text")]
    pub group_idd: Option<String>,
    #[serde(deserialize_with = "text")]
    pub group_id: Option<String>,
}
