//! The kinds of v3 webhook events PagerDuty documents.

use crate::support::open_enum::open_enum;

open_enum! {
    /// The kind of a v3 webhook event: every type PagerDuty documents, and new ones kept by
    /// name in `Other`.
    pub enum EventType {
        /// `incident.triggered`
        IncidentTriggered = "incident.triggered",
        /// `incident.acknowledged`
        IncidentAcknowledged = "incident.acknowledged",
        /// `incident.unacknowledged`
        IncidentUnacknowledged = "incident.unacknowledged",
        /// `incident.resolved`
        IncidentResolved = "incident.resolved",
        /// `incident.reopened`
        IncidentReopened = "incident.reopened",
        /// `incident.escalated`
        IncidentEscalated = "incident.escalated",
        /// `incident.reassigned`
        IncidentReassigned = "incident.reassigned",
        /// `incident.delegated`
        IncidentDelegated = "incident.delegated",
        /// `incident.priority_updated`
        IncidentPriorityUpdated = "incident.priority_updated",
        /// `incident.annotated` (a note; `data` is the note)
        IncidentAnnotated = "incident.annotated",
        /// `incident.responder.added`
        IncidentResponderAdded = "incident.responder.added",
        /// `incident.responder.replied`
        IncidentResponderReplied = "incident.responder.replied",
        /// `incident.role.assigned` (also sent when a role is unassigned)
        IncidentRoleAssigned = "incident.role.assigned",
        /// `incident.status_update_published`
        IncidentStatusUpdatePublished = "incident.status_update_published",
        /// `incident.service_updated`
        IncidentServiceUpdated = "incident.service_updated",
        /// `incident.incident_type.changed`
        IncidentTypeChanged = "incident.incident_type.changed",
        /// `incident.custom_field_values.updated`
        IncidentCustomFieldValuesUpdated = "incident.custom_field_values.updated",
        /// `incident.conference_bridge.updated`
        IncidentConferenceBridgeUpdated = "incident.conference_bridge.updated",
        /// `incident.task.created`
        IncidentTaskCreated = "incident.task.created",
        /// `incident.task.updated`
        IncidentTaskUpdated = "incident.task.updated",
        /// `incident.task.completed`
        IncidentTaskCompleted = "incident.task.completed",
        /// `incident.action_invocation.created`
        IncidentActionInvocationCreated = "incident.action_invocation.created",
        /// `incident.action_invocation.updated`
        IncidentActionInvocationUpdated = "incident.action_invocation.updated",
        /// `incident.action_invocation.terminated`
        IncidentActionInvocationTerminated = "incident.action_invocation.terminated",
        /// `incident.workflow.started`
        IncidentWorkflowStarted = "incident.workflow.started",
        /// `incident.workflow.completed`
        IncidentWorkflowCompleted = "incident.workflow.completed",
        /// `service.created`
        ServiceCreated = "service.created",
        /// `service.updated`
        ServiceUpdated = "service.updated",
        /// `service.deleted`
        ServiceDeleted = "service.deleted",
        /// `service.custom_field_values.updated`
        ServiceCustomFieldValuesUpdated = "service.custom_field_values.updated",
        /// `pagey.ping`, sent when a subscription is tested
        PageyPing = "pagey.ping",
    }
}

impl EventType {
    /// Whether the event is about an incident (its type starts with `incident.`).
    pub fn is_incident(&self) -> bool {
        self.as_str().starts_with("incident.")
    }
}
