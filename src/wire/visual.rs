//! Visual builds from their keys.

use serde::{Deserialize, Deserializer};

use super::family::Shape;
use super::fields::{Fields, read_object};
use crate::event::{BuildStatus, VisualBuild};
use crate::support::open_enum::Word;
use crate::values::id::TeamId;

/// Builds a visual build from the body's keys; the error names a missing required key.
pub(crate) fn from_fields(f: Fields) -> Result<VisualBuild, &'static str> {
    let mut build = VisualBuild::new(
        f.org_id.ok_or("org_id")?,
        f.user_id.ok_or("user_id")?,
        f.build_id.ok_or("build_id")?,
        f.build_name.ok_or("build_name")?,
        f.build_url.ok_or("build_url")?,
        BuildStatus::from_wire(&f.status.ok_or("status")?),
        f.data_center.ok_or("data_center")?,
    );
    build.team_ids = f.team_ids.into_iter().map(TeamId::from).collect();
    build.creator_id = f.creator_id;
    build.branch = f.branch;
    build.project = f.project.and_then(|project| project.name);
    build.summary = f.summary.unwrap_or_default();
    Ok(build)
}

impl<'de> Deserialize<'de> for VisualBuild {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_object(d, |fields| from_fields(std::mem::take(fields)).map_err(|field| Shape::VisualBuild.missing(field)))
    }
}
