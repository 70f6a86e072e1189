//! One lenient pass over an event's `data` for what every event needs, whatever its shape:
//! where its incident is, and the ping's message. It keeps nothing else, so any `data` costs
//! only what those few strings cost, and a value of an unexpected kind is skipped, not refused.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// What the probe found in `data`.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    /// `data.incident` is an object: the data is attached to an incident.
    pub has_incident: bool,
    /// `data.id`, when the data is the incident itself.
    own_id: Option<String>,
    /// `data.incident.id`, or the first `data.incident_role_assignments[].incident.id`.
    referenced_id: Option<String>,
    /// `data.message` (the ping's).
    pub message: Option<String>,
}

impl Probe {
    /// Probes `data` (JSON text).
    pub(crate) fn of(data: &str) -> Self {
        serde_json::from_str(data).unwrap_or_default()
    }

    /// The incident the data is about: the one it references (`data.incident`, or a role
    /// assignment's), else the data itself when it references none.
    pub(crate) fn incident_id(&self) -> Option<&str> {
        if self.has_incident {
            return self.referenced_id.as_deref();
        }
        self.referenced_id.as_deref().or(self.own_id.as_deref())
    }
}

/// A value read leniently: what it makes of an object, a list or a string, and its default for
/// anything else, which is skipped.
trait Lenient: Default {
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        IgnoredAny.visit_map(map).map(|_| Self::default())
    }

    fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Self::default())
    }

    fn from_text(_: &str) -> Self {
        Self::default()
    }
}

impl Lenient for Probe {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut probe = Self::default();
        while let Some(Read(key)) = map.next_key::<Read<Key>>()? {
            match key {
                Key::Id => probe.own_id = map.next_value::<Read<Text>>()?.0.0,
                Key::Message => probe.message = map.next_value::<Read<Text>>()?.0.0,
                Key::Incident => {
                    let incident = map.next_value::<Read<IdOf>>()?.0;
                    probe.has_incident = incident.is_object;
                    probe.referenced_id = incident.id;
                }
                Key::RoleAssignments => {
                    let first = map.next_value::<Read<FirstIncident>>()?.0.0;
                    if !probe.has_incident {
                        probe.referenced_id = first;
                    }
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(probe)
    }
}

/// A string.
#[derive(Default)]
struct Text(Option<String>);

impl Lenient for Text {
    fn from_text(text: &str) -> Self {
        Self(Some(text.to_owned()))
    }
}

/// `{"id": "…", …}`: whether the value is an object, and its string `id`.
#[derive(Default)]
struct IdOf {
    is_object: bool,
    id: Option<String>,
}

impl Lenient for IdOf {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut id = None;
        while let Some(Read(key)) = map.next_key::<Read<Key>>()? {
            match key {
                Key::Id => id = map.next_value::<Read<Text>>()?.0.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Self { is_object: true, id })
    }
}

/// The first `incident.id` among a list's elements.
#[derive(Default)]
struct FirstIncident(Option<String>);

impl Lenient for FirstIncident {
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut found = None;
        while let Some(Read(element)) = seq.next_element::<Read<Probe>>()? {
            if found.is_none() && element.has_incident {
                found = element.referenced_id;
            }
        }
        Ok(Self(found))
    }
}

/// The keys the probe reads, told apart without copying them.
#[derive(Default)]
enum Key {
    Id,
    Message,
    Incident,
    RoleAssignments,
    #[default]
    Other,
}

impl Lenient for Key {
    fn from_text(key: &str) -> Self {
        match key {
            "id" => Self::Id,
            "message" => Self::Message,
            "incident" => Self::Incident,
            "incident_role_assignments" => Self::RoleAssignments,
            _ => Self::Other,
        }
    }
}

/// Reads a [`Lenient`] value from any JSON.
struct Read<T>(T);

impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Read::<Self>::deserialize(d).map(|read| read.0)
    }
}

impl<'de, T: Lenient> Deserialize<'de> for Read<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor(PhantomData)).map(Read)
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for LenientVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::from_seq(seq)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        Ok(T::from_text(text))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
}
