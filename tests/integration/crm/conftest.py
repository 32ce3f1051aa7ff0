"""CRM fixtures: the service on the migrated test database, and a real local SMTP server."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.mail.sender import MailSender, SmtpSettings
from crm.services import CrmService
from crm.settings import CrmSettings
from crm.views import CustomerInfo, NewCustomer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a condition set by another thread (the SMTP server's)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the state lives in aiosmtpd's thread
            await asyncio.sleep(0.01)


@dataclass
class Inbox:
    """What the local SMTP server received."""

    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
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


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running local SMTP server."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """An SMTP server on a reserved free port, not started: nothing listens yet."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def settings() -> CrmSettings:
    return CrmSettings(mail_from="desk@example.test")


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock, settings: CrmSettings) -> CrmService:
    return CrmService(uow_factory, clock, settings)


def make_sender(uow_factory: UnitOfWorkFactory, clock: FakeClock, port: int) -> MailSender:
    return MailSender(uow_factory, clock, SmtpSettings(port=port, timeout_s=3))


@pytest.fixture
async def customer(service: CrmService) -> AsyncIterator[CustomerInfo]:
    yield await service.create_customer(
        NewCustomer(
            account_number="ACC-1",
            first_name="Camille",
            last_name="Martin",
            phones=["01 23 45 67 89", ("+33 6 12 34 56 78", "mobile")],
            emails=["Camille@Example.test"],
        )
    )
