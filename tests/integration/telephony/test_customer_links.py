"""The links in customer mails, end to end on a running server over real SMTP: the
resolution mail's link confirms and closes the case, only then does the satisfaction
survey leave (D7), and its link records one answer on the case (Q4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest

from acd.bootstrap import Server
from acd.config import Settings
from crm.views import NewCustomer
from tests.support.accounts import Accounts, answer, problem
from tests.support.mail import SmtpServer, free_port
from tests.support.waiting import until


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, database_url: str, smtp: SmtpServer) -> Settings:
    """On SQLite and PostgreSQL; mail drained every tenth of a second to the local SMTP."""
    mail = settings.mail.model_copy(update={"smtp_port": smtp.port, "smtp_start_tls": False})
    http = settings.http.model_copy(update={"public_url": "https://desk.example.test"})
    changes = {"database_url": database_url, "mail": mail, "http": http}
    return settings.model_copy(update={**changes, "scheduler_interval": 0.1})


async def _mail(smtp: SmtpServer, address: str, kind: str) -> Message:
    """The first mail to `address` whose subject says `kind` (in French: the example
    centre's language, which customers without one of their own are written in)."""

    def found() -> list[Message]:
        return [m for m in smtp.inbox.to(address) if kind in str(m["Subject"])]

    await until(lambda: bool(found()))
    return found()[0]


def _token(message: Message, purpose: str) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(rf"https://desk\.example\.test/{purpose}/(\S+)", body.decode())
    assert found is not None, body
    return found.group(1)


async def _resolved_case(server: Server, accounts: Accounts, name: str, email: str) -> str:
    """A case of a new customer that Ben opens and resolves: its resolution mail leaves."""
    ben = await accounts.client("ben")
    customer = await server.crm.create_customer(NewCustomer(first_name=name, emails=[email]))
    async with ben.post(
        accounts.url("/api/v1/cases"),
        json={"title": "VPN", "customer_id": customer.id, "queue": "support"},
    ) as r:
        number: str = (await answer(r, 201))["number"]
    async with ben.post(
        accounts.url(f"/api/v1/cases/{number}/status"), json={"status": "resolved"}
    ) as r:
        await answer(r)
    return number


async def test_the_customer_confirms_the_resolution_and_then_answers_the_survey(
    server: Server, accounts: Accounts, smtp: SmtpServer
) -> None:  # D7, Q4
    ben = await accounts.client("ben")
    anyone = await accounts.client(None)
    number = await _resolved_case(server, accounts, "Hugo", "hugo@example.org")
    confirm = _token(await _mail(smtp, "hugo@example.org", "résolu"), "confirm")
    assert not [m for m in smtp.inbox.to("hugo@example.org") if "Votre avis" in m["Subject"]]

    async with anyone.get(accounts.url(f"/api/v1/links/confirm/{confirm}")) as r:
        assert (await r.json()) == {"case_number": number, "title": "VPN", "status": "resolved"}
    async with anyone.post(accounts.url("/api/v1/links/confirm"), json={"token": confirm}) as r:
        assert (await r.json())["status"] == "closed"
    async with anyone.post(accounts.url("/api/v1/links/confirm"), json={"token": confirm}) as r:
        assert (await r.json())["status"] == "closed"  # a second click changes nothing
    survey = _token(await _mail(smtp, "hugo@example.org", "Votre avis"), "survey")

    given = {"token": survey, "score": 4, "comment": "Quick, thanks"}
    async with anyone.post(accounts.url("/api/v1/links/survey"), json=given) as r:
        assert (await r.json()) == {"case_number": number, "score": 4}
    async with anyone.post(accounts.url("/api/v1/links/survey"), json=given) as r:
        await problem(r, 409, "already_answered")
    async with ben.get(accounts.url(f"/api/v1/cases/{number}")) as r:
        details: dict[str, Any] = await r.json()
    assert details["case"]["status"] == "closed"
    assert [(f["kind"], f["body"]) for f in details["follow_ups"]] == [
        ("survey", "4/5\nQuick, thanks")
    ]
    assert ("csat_score", "4", "customer") in [
        (a["field"], a["new_value"], a["actor"]) for a in details["audit"]
    ]
    sup = await accounts.client("sup")
    async with sup.get(accounts.url("/api/v1/stats/satisfaction")) as r:
        stats = await answer(r)
    support = {"answers": 1, "average": 4, "scores": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}
    assert stats["queues"] == [{"queue": "support", **support}]
    assert stats["total"] == support


async def test_a_forged_expired_or_misused_link_is_refused_and_changes_nothing(
    server: Server, accounts: Accounts, smtp: SmtpServer
) -> None:  # D7, Q4
    ben = await accounts.client("ben")
    anyone = await accounts.client(None)
    number = await _resolved_case(server, accounts, "Lou", "lou@example.org")
    confirm = _token(await _mail(smtp, "lou@example.org", "résolu"), "confirm")
    refusals = [
        ("/api/v1/links/confirm", {"token": confirm[:-2] + "xx"}, 404, "invalid_link"),
        ("/api/v1/links/survey", {"token": confirm, "score": 5}, 404, "invalid_link"),
        ("/api/v1/links/survey", {"token": confirm, "score": 9}, 400, "invalid_request"),
        ("/api/v1/links/confirm", {"token": "<script>"}, 400, "invalid_request"),
    ]
    for path, body, status, code in refusals:
        async with anyone.post(accounts.url(path), json=body) as r:
            await problem(r, status, code)
    # The agent reopens the case: the customer's confirmation no longer closes it.
    async with ben.post(
        accounts.url(f"/api/v1/cases/{number}/status"), json={"status": "open"}
    ) as r:
        assert r.status == 200
    async with anyone.post(accounts.url("/api/v1/links/confirm"), json={"token": confirm}) as r:
        await problem(r, 409, "case_not_resolved")
    assert (await server.crm.get_case(number)).status == "open"
