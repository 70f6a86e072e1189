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
use crate::support::lenient::{id, optional_u64, text, version};
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

/// A `project` or `test` key: a name as text, or an object `{"name", "id"}` (as an API
/// Testing run's template may forward them).
#[derive(Debug, Default)]
pub(crate) struct NamedRef {
    pub name: Option<String>,
    pub id: Option<String>,
}

/// Reads a [`NamedRef`] from either form; `null` is absent.
pub(crate) fn named_ref<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NamedRef>, D::Error> {
    struct NamedRefVisitor;
    impl<'de> de::Visitor<'de> for NamedRefVisitor {
        type Value = Option<NamedRef>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a name, an object with a name and an id, or null")
        }
        fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
            Ok((!name.is_empty()).then(|| NamedRef { name: Some(name.to_owned()), id: None }))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            #[derive(Deserialize)]
            struct Parts {
                #[serde(default, deserialize_with = "text")]
                name: Option<String>,
                #[serde(default, deserialize_with = "id")]
                id: Option<String>,
            }
            let Parts { name, id } = Parts::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok((name.is_some() || id.is_some()).then_some(NamedRef { name, id }))
        }
    }
    d.deserialize_any(NamedRefVisitor)
}
