//! Whether an event lies within a subscription's scope, from who owns it.

use super::project::Project;
use super::scope::Scope;
use crate::event::owners::Owners;
use crate::values::id::OrgId;

/// Whether the event `owners` describes lies within `scope`: in its organization, and its
/// user's or team's; or, for a project's scope, in that project. `received_for` is the
/// organization whose endpoint or secret the event came through, when the host knows it: then
/// only scopes of that organization take the event, and only then can a project's scope,
/// since nothing in a project's event proves whose it is.
pub(crate) fn within(owners: &Owners<'_>, scope: &Scope, received_for: Option<&OrgId>) -> bool {
    if received_for.is_some_and(|org| org != scope.org()) {
        return false;
    }
    if let Scope::Project { project, .. } = scope {
        return received_for.is_some() && owners.event.and_then(Project::of).as_ref() == Some(project);
    }
    owners.organization == Some(scope.org().as_str())
        && match scope {
            Scope::User { user, .. } => owners.user == Some(user.as_str()),
            Scope::Team { team, .. } => owners.teams().any(|owner| owner == team.as_str()),
            Scope::Organization(_) => true,
            Scope::Project { .. } => false,
        }
}
