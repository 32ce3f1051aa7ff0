"""CRM fixtures: the service on the migrated test database, and a real local SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.services import CrmService
from crm.settings import CrmSettings
from crm.views import CustomerInfo, NewCustomer
from tests.support.mail import SmtpServer, free_port


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
