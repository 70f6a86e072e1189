//! Visual end-to-end runs from their keys.

use super::fields::{Fields, owned};
use crate::event::VisualRun;

/// Builds a run from the body's keys; the error names a missing required key.
pub(crate) fn from_fields(f: Fields) -> Result<VisualRun, &'static str> {
    let mut run = VisualRun::new(f.totals.ok_or("totals")?);
    run.project = f.project.and_then(|project| project.name);
    run.project_id = f.project_id;
    run.group = f.group;
    run.group_id = f.visual_group_id;
    run.name = owned(f.name);
    run.resolution = f.resolution;
    run.environment = f.environment;
    run.start = f.start;
    run.end = f.end;
    run.status = owned(f.status);
    run.url = f.url;
    Ok(run)
}
