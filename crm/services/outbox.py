"""The one writer of the CRM's side effects: mails queued to customers, webhook
deliveries and notifications. Each is written in the caller's unit of work, so it is
committed with the change that caused it or not at all; live pushes of notifications
happen after the commit (`publish`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from crm.db.models import Case, Notification, OutboxMail, WebhookDelivery
from crm.db.unit_of_work import UnitOfWork
from crm.domain.mail_rules import MailKind, csat_eligible
from crm.links import LinkPurpose
from crm.mail.templates import MailTemplates, ReplyDeadline
from crm.services.context import CrmContext
from crm.services.mappers import notification_info
from crm.settings import WebhookEndpoint, parse_language
from crm.views import NotificationInfo

_LINKED = {
    MailKind.RESOLUTION_CONFIRMATION: LinkPurpose.CONFIRM,
    MailKind.CSAT: LinkPurpose.SURVEY,
}


class Outbox:
    def __init__(self, ctx: CrmContext) -> None:
        self._ctx = ctx
        # Read now: a broken catalogue stops the server at start, not at the first mail.
        self._templates = MailTemplates(ctx.settings.timezone)

    # ------------------------------------------------------------------ mails

    async def queue_case_mail(
        self, uow: UnitOfWork, case_: Case, kind: MailKind, text: str = ""
    ) -> None:
        email = await self._customer_email(uow, case_)
        if email is None:
            return  # no address: nothing to send, the case still moves on
        customer = await uow.customers.get(case_.customer_id) if case_.customer_id else None
        name = (
            " ".join(p for p in (customer.first_name, customer.last_name) if p) if customer else ""
        )
        settings = self._ctx.settings
        now = self._ctx.clock.now()
        deadline = None
        if kind is MailKind.WAITING_FOR_CUSTOMER:
            closes_at = case_.auto_close_at or now + settings.auto_close_after
            deadline = ReplyDeadline(settings.auto_close_after, closes_at)
        mail = self._templates.render(
            kind,
            parse_language(customer.language if customer else None) or settings.default_language,
            case_number=str(case_.number),
            title=case_.title,
            customer_name=name,
            company=settings.company_name,
            text=text,
            deadline=deadline,
            link=self._link(kind, str(case_.number)),
        )
        await uow.outbox.add(
            OutboxMail(
                kind=kind.value,
                to_addr=email,
                from_addr=settings.mail_from,
                subject=mail.subject,
                body=mail.body,
                case_id=case_.id,
                created_at=now,
                next_attempt_at=now,
            )
        )

    async def offer_csat(self, uow: UnitOfWork, case_: Case) -> None:
        """Q4 / D7: one survey per case, none if the contact got one within the cooldown."""
        email = await self._customer_email(uow, case_)
        if email is None:
            return
        now = self._ctx.clock.now()
        if csat_eligible(
            case_csat_sent=case_.csat_sent_at is not None,
            last_csat_to_contact=await uow.outbox.last_queued(email, MailKind.CSAT.value),
            now=now,
            cooldown=self._ctx.settings.csat_cooldown,
        ):
            await self.queue_case_mail(uow, case_, MailKind.CSAT)
            case_.csat_sent_at = now

    def _link(self, kind: MailKind, case_number: str) -> str:
        """D7's confirm link in the resolution mail, Q4's survey link in the survey."""
        links = self._ctx.links
        purpose = _LINKED.get(kind)
        if links is None or purpose is None:
            return ""
        return links.url(purpose, case_number)

    async def _customer_email(self, uow: UnitOfWork, case_: Case) -> str | None:
        if case_.customer_id is None:
            return None
        customer = await uow.customers.get(case_.customer_id)
        return customer.emails[0] if customer is not None and customer.emails else None

    # --------------------------------------------------------------- webhooks

    def subscribed(self, *events: str) -> bool:
        """Whether any endpoint follows one of `events` (payloads need not be built else)."""
        return any(self._endpoints_for(event) for event in events)

    async def emit(self, uow: UnitOfWork, event: str, data: dict[str, Any]) -> None:
        """C3: queue one signed delivery per subscribed endpoint, in the same transaction."""
        endpoints = self._endpoints_for(event)
        if not endpoints:
            return
        now = self._ctx.clock.now()
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "event": event,
                "occurred_at": now.isoformat(),
                "data": data,
            },
            sort_keys=True,
            default=str,
        )
        for endpoint in endpoints:
            await uow.webhooks.add(
                WebhookDelivery(
                    event=event,
                    url=endpoint.url,
                    payload=body,
                    created_at=now,
                    next_attempt_at=now,
                )
            )

    def _endpoints_for(self, event: str) -> list[WebhookEndpoint]:
        return [e for e in self._ctx.settings.webhooks if not e.events or event in e.events]

    # ---------------------------------------------------------- notifications

    async def add_notification(
        self,
        uow: UnitOfWork,
        recipient: str,
        *,
        at: datetime,
        kind: str,
        title: str,
        body: str = "",
        sender: str | None = None,
        case_id: int | None = None,
        task_id: int | None = None,
    ) -> NotificationInfo:
        """S10: stored now; pass the result to `publish` once the unit of work committed."""
        note = await uow.notifications.add(
            Notification(
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                sender=sender,
                case_id=case_id,
                task_id=task_id,
                created_at=at,
            )
        )
        return notification_info(note)

    def publish(self, notifications: Iterable[NotificationInfo]) -> None:
        """Push committed notifications live to their recipients, if connected."""
        for item in notifications:
            self._ctx.hub.publish(item)
