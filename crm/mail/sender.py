"""Drains the mail outbox over SMTP. A mail leaves the table's pending set only when the
SMTP server accepted it; every failure is recorded and retried with backoff, until the
configured number of attempts puts it in the failed state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
import structlog

from crm.clock import Clock
from crm.db.models import OutboxMail
from crm.domain.mail_rules import retry_delay
from crm.mail.inbound import message_id_for
from crm.services.context import UowFactory

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # implicit TLS (port 465)
    start_tls: bool | None = None  # None: upgrade when the server offers it
    timeout_s: float = 15.0
    retry_base: timedelta = timedelta(seconds=30)
    retry_cap: timedelta = timedelta(hours=1)
    # How long a claimed mail is hidden from other senders while this one sends it.
    lease: timedelta = timedelta(minutes=5)
    batch_size: int = 50
    # Failed sends after which a mail gives up into the failed state (GET /api/outbox/failed).
    max_attempts: int = 10


@dataclass(frozen=True)
class DrainResult:
    sent: int
    failed: int


class MailSender:
    def __init__(self, uow_factory: UowFactory, clock: Clock, smtp: SmtpSettings) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.smtp = smtp

    async def drain(self) -> DrainResult:
        """One pass: claim due mails, send them over one SMTP session, record outcomes."""
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.outbox.claim_due(now, self.smtp.lease, self.smtp.batch_size)
            messages = [(m.id, _to_message(m)) for m in claimed]
            await uow.commit()
        if not messages:
            return DrainResult(0, 0)
        outcomes: dict[int, str | None] = {}
        try:
            client = aiosmtplib.SMTP(
                hostname=self.smtp.host,
                port=self.smtp.port,
                use_tls=self.smtp.use_tls,
                start_tls=self.smtp.start_tls,
                timeout=self.smtp.timeout_s,
                username=self.smtp.username,
                password=self.smtp.password,
            )
            async with client:
                for mail_id, message in messages:
                    try:
                        await client.send_message(message)
                        outcomes[mail_id] = None
                    except aiosmtplib.SMTPException as exc:
                        # One refused mail must not hold back the rest of the batch.
                        outcomes[mail_id] = f"{type(exc).__name__}: {exc}"
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            for mail_id, _ in messages:
                outcomes.setdefault(mail_id, error)
        await self._record(outcomes)
        failed = sum(1 for e in outcomes.values() if e is not None)
        if failed:
            log.warning("mail.send_failed", failed=failed, sent=len(outcomes) - failed)
        return DrainResult(sent=len(outcomes) - failed, failed=failed)

    async def _record(self, outcomes: dict[int, str | None]) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.outbox.record_attempts(
                outcomes,
                now,
                lambda mail: (
                    now + retry_delay(mail.attempts, self.smtp.retry_base, self.smtp.retry_cap)
                ),
                self.smtp.max_attempts,
            )
            await uow.commit()


def _to_message(mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.from_addr
    message["To"] = mail.to_addr
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = message_id_for(mail.id, mail.case_id, mail.from_addr)
    # Quoted-printable: accented text passes any relay, 8BITMIME or not.
    message.set_content(mail.body, cte="quoted-printable")
    return message


__all__ = ["DrainResult", "MailSender", "SmtpSettings"]
