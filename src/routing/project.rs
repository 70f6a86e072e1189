//! The products whose webhooks name no user, team or organization, by what they do name.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::support::printable::printable;

/// A project of a Sauce Labs product whose webhooks carry no user, team or organization:
/// all a body names is its project (or app), so that is what a subscription names.
///
/// ```
/// use sauce_webhooks::routing::Project;
///
/// let errors = Project::error_reporting("acme", "checkout-service");
/// assert_eq!(errors.to_string(), "Error Reporting project checkout-service of acme");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Project {
    /// A Sauce API Testing project, by its id (`projectId`).
    ApiTesting(String),
    /// An Error Reporting project, by its instance (`universe`) and name (`project`): names
    /// are unique within an instance only.
    ErrorReporting {
        /// The Error Reporting instance.
        universe: String,
        /// The project's name.
        project: String,
    },
    /// A Visual Testing end-to-end (Screener) project, by its id (`projectId`).
    VisualRuns(String),
    /// An App Distribution app, by its name (`appName`).
    App(String),
}

impl Project {
    /// The API Testing project with the id `id`.
    pub fn api_testing(id: impl Into<String>) -> Self {
        Self::ApiTesting(id.into())
    }

    /// The project `project` of the Error Reporting instance `universe`.
    pub fn error_reporting(universe: impl Into<String>, project: impl Into<String>) -> Self {
        Self::ErrorReporting { universe: universe.into(), project: project.into() }
    }

    /// The Visual Testing end-to-end project with the id `id`.
    pub fn visual_runs(id: impl Into<String>) -> Self {
        Self::VisualRuns(id.into())
    }

    /// The App Distribution app named `name`.
    pub fn app(name: impl Into<String>) -> Self {
        Self::App(name.into())
    }

    /// The project `event` names, if it is of such a product and names one.
    pub(crate) fn of(event: &Event<'_>) -> Option<Self> {
        match event {
            Event::ApiTest(result) => result.project_id.clone().map(Self::ApiTesting),
            Event::ErrorGroup(group) => match (&group.universe, &group.project) {
                (Some(universe), Some(project)) => Some(Self::error_reporting(universe, project)),
                _ => None,
            },
            Event::VisualRun(run) => run.project_id.clone().map(Self::VisualRuns),
            Event::AppDistribution(app) => app.app_name.clone().map(Self::App),
            Event::Job(_) | Event::VisualBuild(_) | Event::Concurrency(_) | Event::Unknown(_) => None,
        }
    }
}

/// The product and the project, with any control character escaped: fit for a log line.
impl fmt::Display for Project {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiTesting(id) => write!(f, "API Testing project {}", printable(id)),
            Self::ErrorReporting { universe, project } => {
                write!(f, "Error Reporting project {} of {}", printable(project), printable(universe))
            }
            Self::VisualRuns(id) => write!(f, "visual end-to-end project {}", printable(id)),
            Self::App(name) => write!(f, "App Distribution app {}", printable(name)),
        }
    }
}
