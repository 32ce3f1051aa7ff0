"""The CRM's services, one an aggregate, and `CrmService`, the façade the rest of the
application calls.

Each command checks first (raising a CrmError with a stable code), then applies its
effects in a single unit of work: the change, its audit entries, the mails it causes and
the webhook deliveries it causes (all written by `Outbox`) are committed together or not
at all. Live notification pushes happen only after the commit. What a change entails is
decided by the pure rules of `crm.domain`."""

from __future__ import annotations

from crm.clock import Clock
from crm.links import CaseLinks
from crm.notifications import NotificationHub
from crm.services.case_actions import CaseActions
from crm.services.case_desk import CaseDeskService
from crm.services.cases import CaseService
from crm.services.context import AUTO_CLOSE_ACTOR, CrmContext, UowFactory
from crm.services.customer_links import CustomerLinkService
from crm.services.customers import CustomerService
from crm.services.journal import JournalService
from crm.services.mail_in import MailInService
from crm.services.notifications import NotificationService
from crm.services.outbox import Outbox
from crm.services.routing import RoutingHints
from crm.services.stats import StatsService
from crm.services.tasks import TaskService
from crm.services.tickets import TicketService
from crm.settings import CrmSettings


class CrmService:
    """Builds the services on one unit-of-work factory and clock, and answers under the
    method names the telephony, the API and the scheduler call."""

    def __init__(
        self,
        uow_factory: UowFactory,
        clock: Clock,
        settings: CrmSettings | None = None,
        hub: NotificationHub | None = None,
    ) -> None:
        # Long on purpose: builds every service, then binds the names callers use.
        self.settings = settings or CrmSettings()
        self.hub = hub or NotificationHub()
        links = (
            CaseLinks(self.settings.link_secret, self.settings.public_url)
            if self.settings.link_secret and self.settings.public_url
            else None
        )
        ctx = CrmContext(uow_factory, clock, self.settings, self.hub, links)
        outbox = Outbox(ctx)
        actions = CaseActions(ctx, outbox)
        self.customers = CustomerService(ctx)
        self.cases = CaseService(ctx, outbox, actions)
        self.case_desk = CaseDeskService(ctx, actions, self.cases)
        self.mail_in = MailInService(ctx, actions, self.cases)
        self.customer_links = CustomerLinkService(ctx, actions)
        self.tickets = TicketService(ctx, outbox, actions)
        self.tasks = TaskService(ctx, outbox)
        self.notifications = NotificationService(ctx, outbox)
        self.journal = JournalService(ctx, outbox)
        self.stats = StatsService(ctx)
        self.routing = RoutingHints(ctx)
        # One binding per name the callers use, each keeping its service's own signature
        # and docstring.
        self.create_customer = self.customers.create_customer
        self.get_customer = self.customers.get_customer
        self.update_customer = self.customers.update_customer
        self.merge_customers = self.customers.merge_customers
        self.find_customer = self.customers.find_customer
        self.search = self.customers.search

        self.open_case = self.cases.open_case
        self.get_case = self.cases.get_case
        self.case_details = self.cases.case_details
        self.set_case_status = self.cases.set_case_status
        self.set_priority = self.cases.set_priority
        self.assign_case = self.cases.assign_case
        self.escalate = self.cases.escalate
        self.add_follow_up = self.cases.add_follow_up
        self.close_due_cases = self.cases.close_due_cases
        self.open_case_by_hand = self.case_desk.open_case_by_hand
        self.update_case = self.case_desk.update_case
        self.list_cases = self.case_desk.list_cases
        self.unowned_cases = self.case_desk.unowned_cases
        self.receive_mail = self.mail_in.receive_mail
        self.case_of_link = self.customer_links.case_of_link
        self.confirm_resolution = self.customer_links.confirm_resolution
        self.answer_survey = self.customer_links.answer_survey

        self.open_or_join_case_for_call = self.tickets.open_or_join_case_for_call
        self.record_intake_answers = self.tickets.record_intake_answers

        self.create_task = self.tasks.create_task
        self.complete_task = self.tasks.complete_task
        self.tasks_for = self.tasks.tasks_for
        self.send_due_reminders = self.tasks.send_due_reminders

        self.notify = self.notifications.notify
        self.notifications_for = self.notifications.notifications_for
        self.mark_read = self.notifications.mark_read

        self.record_call = self.journal.record_call
        self.record_calls = self.journal.record_calls
        self.journal_calls = self.journal.journal_calls
        self.close_lost_calls = self.journal.close_lost_calls
        self.call_history = self.journal.call_history
        self.record_agent_states = self.journal.record_agent_states
        self.last_agent_states = self.journal.last_agent_states
        self.set_aside_journal_row = self.journal.set_aside_journal_row

        self.call_stats = self.stats.call_stats
        self.agent_time_in_states = self.stats.agent_time_in_states
        self.journal_dead_letters = self.stats.journal_dead_letters
        self.failed_delivery_counts = self.stats.failed_delivery_counts
        self.failed_deliveries = self.stats.failed_deliveries

        self.preferred_agent_for_number = self.routing.preferred_agent_for_number
        self.open_case_counts = self.routing.open_case_counts


__all__ = ["AUTO_CLOSE_ACTOR", "CrmService", "UowFactory"]
