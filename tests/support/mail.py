"""A real local SMTP server (aiosmtpd) and what it received, for the CRM's mail."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.mail.sender import MailSender, SmtpSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Inbox:
    """What the local SMTP server received."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            # The modern policy: headers and bodies read back decoded, accents and all.
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """A real aiosmtpd server on 127.0.0.1; can be started late to simulate an outage."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def make_sender(uow_factory: UnitOfWorkFactory, clock: FakeClock, port: int) -> MailSender:
    return MailSender(uow_factory, clock, SmtpSettings(port=port, timeout_s=3))
