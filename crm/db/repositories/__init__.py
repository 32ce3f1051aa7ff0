"""Repositories: every query the CRM runs, behind plain methods, one module an aggregate."""

from crm.db.repositories.agent_states import AgentStateRepository
from crm.db.repositories.calls import CallerFacts, CallRepository, CallStatsRow
from crm.db.repositories.cases import CaseRepository, CaseState, TicketFacts, format_case_number
from crm.db.repositories.customers import CustomerRepository
from crm.db.repositories.deliveries import OutboxRepository, WebhookRepository
from crm.db.repositories.notifications import NotificationRepository
from crm.db.repositories.tasks import TaskRepository

__all__ = [
    "AgentStateRepository",
    "CallRepository",
    "CallStatsRow",
    "CallerFacts",
    "CaseRepository",
    "CaseState",
    "CustomerRepository",
    "NotificationRepository",
    "OutboxRepository",
    "TaskRepository",
    "TicketFacts",
    "WebhookRepository",
    "format_case_number",
]
