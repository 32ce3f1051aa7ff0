"""Customer mails delivered to the server over LMTP (from the centre's mail server) or
SMTP. A mail is accepted only once it is on its case's timeline: one that matches no
case, or comes from an address that is not the customer's, is refused with a permanent
error the sender's server bounces; a database fault answers a temporary one, so the
sending server tries again and nothing is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import structlog
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from crm.errors import CrmError, NotFound
from crm.mail.inbound import InboundMail, InvalidMail, parse_mail

log = structlog.get_logger(__name__)

# A customer's reply, attachments included, fits well within this.
MAX_MAIL_BYTES = 10 * 1024 * 1024

Deliver = Callable[[InboundMail], Awaitable[str]]


class _Handler:
    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        sender = envelope.mail_from or ""
        try:
            mail = parse_mail(raw if isinstance(raw, bytes) else raw.encode(), sender)
            case_number = await self._deliver(mail)
        except InvalidMail as exc:
            return f"550 5.6.0 {exc}"
        except NotFound as exc:
            log.info("mail_in.refused", reason=exc.code, sender=sender)
            return f"550 5.1.1 {exc.message}"
        except CrmError as exc:
            log.info("mail_in.refused", reason=exc.code, sender=sender)
            return f"550 5.7.1 {exc.message}"
        except Exception:  # the database away: the sending server keeps the mail and retries
            log.exception("mail_in.failed", sender=sender)
            return "451 4.3.0 the mail could not be stored now, try again later"
        log.info("mail_in.received", case=case_number, sender=mail.sender)
        return "250 2.0.0 delivered to case " + case_number


class MailReceiver:
    def __init__(
        self,
        deliver: Deliver,
        *,
        host: str,
        port: int,
        protocol: Literal["lmtp", "smtp"] = "lmtp",
    ) -> None:
        self._handler = _Handler(deliver)
        self._host = host
        self._port = port
        self.protocol = protocol
        self._protocol = LMTP if protocol == "lmtp" else SMTP
        self._server: asyncio.Server | None = None
        self.port = port

    async def start(self) -> None:
        def session() -> Any:
            return self._protocol(
                self._handler, data_size_limit=MAX_MAIL_BYTES, hostname="aiguilleur"
            )

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(session, self._host, self._port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
