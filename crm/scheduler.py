"""Timers that survive restarts: every due time (auto-close, reminders, mail and webhook
retries) lives in the database; `run_due` does one pass over whatever is due now."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import structlog

from crm.mail.sender import MailSender
from crm.services import CrmService
from crm.webhooks import WebhookSender

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PassResult:
    closed_cases: list[str] = field(default_factory=list)
    reminders: int = 0
    mails_sent: int = 0
    mails_failed: int = 0
    webhooks_delivered: int = 0
    webhooks_failed: int = 0


class Scheduler:
    def __init__(
        self,
        service: CrmService,
        mail_sender: MailSender | None = None,
        webhook_sender: WebhookSender | None = None,
    ) -> None:
        self.service = service
        self.mail_sender = mail_sender
        self.webhook_sender = webhook_sender

    async def run_due(self) -> PassResult:
        """One pass at the clock's current time (a FakeClock in tests). Order matters:
        closing cases and firing reminders queue mails, which the same pass then sends."""
        closed = await self.service.close_due_cases()
        reminders = await self.service.send_due_reminders()
        mails = await self.mail_sender.drain() if self.mail_sender else None
        hooks = await self.webhook_sender.drain() if self.webhook_sender else (0, 0)
        return PassResult(
            closed_cases=closed,
            reminders=len(reminders),
            mails_sent=mails.sent if mails else 0,
            mails_failed=mails.failed if mails else 0,
            webhooks_delivered=hooks[0],
            webhooks_failed=hooks[1],
        )

    async def run_forever(self, stop: asyncio.Event, interval_s: float = 5.0) -> None:
        """Production loop: a pass every `interval_s` until `stop` is set. A failing pass
        is logged and retried next time; the due times are still in the database."""
        while not stop.is_set():
            try:
                await self.run_due()
            except Exception:
                log.exception("scheduler.pass_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
