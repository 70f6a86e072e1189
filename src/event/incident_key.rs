//! What names the test an event is a run of, across runs: the parts of its incident key (the
//! paging policy writes them as a dedup key).

use super::{ApiTestResult, AppDistributionEvent, Concurrency, ErrorGroup, Event, Job, VisualBuild, VisualRun};

/// The parts of a key, at most six: its kind first (so that no event's parts can spell
/// another kind's key), then the organization, then what tells the test apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyParts<'a> {
    parts: [&'a str; 6],
    len: usize,
}

impl<'a> KeyParts<'a> {
    fn of<const N: usize>(parts: [&'a str; N]) -> Self {
        let mut all = [""; 6];
        all[..N].copy_from_slice(&parts);
        Self { parts: all, len: N }
    }

    pub(crate) fn as_slice(&self) -> &[&'a str] {
        &self.parts[..self.len]
    }
}

impl Event<'_> {
    /// The parts of the key of the test this event is a run of, in the organization `org`:
    /// data type and test name for a job (`None` without a name to tell it by), project (or
    /// build name) and branch for a visual build, team for concurrency, the project and what
    /// tells the test apart within it for a project's event; `None` for an unknown event and
    /// for a run or a crash that names nothing to tell it by (two nameless apps' crashes are
    /// two incidents, not one).
    pub(crate) fn test_key<'a>(&'a self, org: &'a str) -> Option<KeyParts<'a>> {
        match self {
            Self::Job(job) => job_key(job, org),
            Self::ApiTest(result) => api_test_key(result, org),
            Self::VisualBuild(build) => Some(visual_build_key(build, org)),
            Self::Concurrency(usage) => Some(concurrency_key(usage, org)),
            Self::ErrorGroup(group) => Some(error_group_key(group, org)),
            Self::VisualRun(run) => visual_run_key(run, org),
            Self::AppDistribution(app) => app_key(app, org),
            Self::Unknown(_) => None,
        }
    }
}

/// A job's identity across runs: its organization, data type and name; `None` without a name.
pub(crate) fn job_key<'a>(job: &'a Job<'_>, org: &'a str) -> Option<KeyParts<'a>> {
    let name = job.name.as_deref()?;
    Some(KeyParts::of(["job", org, job.data_type.as_str(), trimmed(name)]))
}

/// An API test's identity across runs: its project and test, `None` without a test.
fn api_test_key<'a>(result: &'a ApiTestResult, org: &'a str) -> Option<KeyParts<'a>> {
    let test = result.test()?;
    Some(KeyParts::of(["api_test", org, result.project_id.as_deref().unwrap_or_default(), trimmed(test)]))
}

/// A visual build's identity across builds: its project (or name) and branch.
fn visual_build_key<'a>(build: &'a VisualBuild, org: &'a str) -> KeyParts<'a> {
    let project = build.project.as_deref().unwrap_or(&build.build_name);
    KeyParts::of(["visual", org, project, build.branch.as_deref().unwrap_or_default()])
}

/// Concurrency's identity: the organization and, when there is one, the team.
fn concurrency_key<'a>(usage: &'a Concurrency, org: &'a str) -> KeyParts<'a> {
    let team = usage.team.as_ref().map_or("", |team| team.id.as_str());
    KeyParts::of(["concurrency", org, team])
}

/// An error group's identity: its universe, project and fingerprint.
fn error_group_key<'a>(group: &'a ErrorGroup, org: &'a str) -> KeyParts<'a> {
    let (universe, project) = (text(group.universe.as_deref()), text(group.project.as_deref()));
    KeyParts::of(["error_group", org, universe, project, trimmed(&group.fingerprint)])
}

/// A visual run's identity across runs: its project, group, resolution and environment;
/// `None` for a run of neither project nor group, which nothing tells from another's.
fn visual_run_key<'a>(run: &'a VisualRun, org: &'a str) -> Option<KeyParts<'a>> {
    let project = text(run.project_id.as_deref().or(run.project.as_deref()));
    let group = text(run.group_id.as_deref().or(run.group.as_deref()));
    let (resolution, environment) = (text(run.resolution.as_deref()), text(run.environment.as_deref()));
    (!project.is_empty() || !group.is_empty())
        .then(|| KeyParts::of(["visual_run", org, project, group, resolution, environment]))
}

/// An app's identity for its crashes: its name, platform and version; `None` for an event of
/// no named app.
fn app_key<'a>(app: &'a AppDistributionEvent, org: &'a str) -> Option<KeyParts<'a>> {
    let (platform, version) = (text(app.platform.as_deref()), text(app.version.as_deref()));
    let name = text(app.app_name.as_deref());
    (!name.is_empty()).then(|| KeyParts::of(["app", org, name, platform, version]))
}

/// An optional text as a key part: trimmed, empty when absent.
fn text(value: Option<&str>) -> &str {
    value.map(trimmed).unwrap_or_default()
}

/// `text` without surrounding whitespace, with a fast path for text that has none at either
/// end, as names almost always are.
pub(crate) fn trimmed(text: &str) -> &str {
    let plain = |byte: Option<&u8>| byte.is_some_and(u8::is_ascii_graphic);
    if plain(text.as_bytes().first()) && plain(text.as_bytes().last()) { text } else { text.trim() }
}
