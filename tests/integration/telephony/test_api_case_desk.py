"""The case desk over HTTP on a running server: cases opened by hand, an agent's case
queue and its capacity, the team pool, assignment (S2) and the case type that S4's
escalation reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiohttp
import aiosmtplib
import pytest

from acd.bootstrap import Server
from acd.config import Settings
from acd.telephony.case_assigner import CaseAssigned
from crm.domain.assignment import AssignmentStep
from crm.domain.journal import Direction
from crm.views import CallRecord, NewCustomer
from tests.support.accounts import Accounts, answer, problem
from tests.support.server import ready
from tests.support.waiting import next_event


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """On SQLite and on PostgreSQL, taking customer replies over SMTP."""
    mail = settings.mail.model_copy(update={"inbound_port": 0, "inbound_protocol": "smtp"})
    return settings.model_copy(update={"database_url": database_url, "mail": mail})


@pytest.fixture
async def ben(accounts: Accounts) -> aiohttp.ClientSession:
    """Agent 2002, on the support team (support primary, sales secondary)."""
    return await accounts.client("ben")


@pytest.fixture
async def cleo(accounts: Accounts) -> aiohttp.ClientSession:
    """Agent 2003, who only takes the backup queue."""
    return await accounts.client("cleo")


@pytest.fixture
async def sup(accounts: Accounts) -> aiohttp.ClientSession:
    return await accounts.client("sup")


async def _open(client: aiohttp.ClientSession, accounts: Accounts, **body: Any) -> Any:
    async with client.post(accounts.url("/api/v1/cases"), json=body) as r:
        return await answer(r, 201)


async def _numbers(client: aiohttp.ClientSession, accounts: Accounts, **query: Any) -> list[str]:
    async with client.get(accounts.url("/api/v1/cases"), params=query) as r:
        return [c["number"] for c in (await answer(r))["cases"]]


async def test_an_agent_opens_a_case_by_hand_and_it_is_theirs_with_its_note(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession
) -> None:  # C1, S1
    form = {"title": "Invoice twice", "subject": "billing", "queue": "support"}
    form |= {"priority": "high", "severity": "major", "contact_number": "06 14 00 00 01"}
    case = await _open(ben, accounts, **form, note="Charged twice in March")
    assert (case["owner_agent_id"], case["status"]) == ("2002", "open")
    assert (case["priority"], case["priority_manual"]) == ("high", True)
    assert (case["subject"], case["severity"], case["contact_number"]) == (
        "billing",
        "major",
        "+33614000001",
    )
    async with ben.get(accounts.url(f"/api/v1/cases/{case['number']}")) as r:
        details = await answer(r)
    assert [(f["author"], f["body"]) for f in details["follow_ups"]] == [
        ("2002", "Charged twice in March")
    ]
    assert ("owner", "2002", "2002") in [
        (a["field"], a["new_value"], a["actor"]) for a in details["audit"]
    ]


async def test_a_case_form_with_a_bad_field_is_refused_and_opens_nothing(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession
) -> None:  # C1
    refused = [
        ({"title": "x", "owner": "2001"}, 403, "forbidden"),
        ({"title": "x", "queue": "nowhere"}, 422, "invalid_value"),
        ({"title": "x", "customer_id": 999999}, 404, "unknown_customer"),
        ({"title": "x", "priority": "asap"}, 400, "invalid_request"),
        ({"title": ""}, 400, "invalid_request"),
        ({"title": "x", "owner_agent_id": "2002"}, 400, "invalid_request"),
    ]
    for body, status, code in refused:
        async with ben.post(accounts.url("/api/v1/cases"), json=body) as r:
            await problem(r, status, code)
    async with ben.get(accounts.url("/api/v1/agents/2002/cases")) as r:
        assert (await answer(r))["cases"] == []
    assert await _numbers(ben, accounts, owner="none") == []


async def test_a_full_case_queue_sends_new_cases_to_the_pool_and_a_supervisor_assigns_past_it(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession, sup: aiohttp.ClientSession
) -> None:  # S2
    mine = [(await _open(ben, accounts, title=f"case {i}", queue="support")) for i in range(4)]
    assert {c["owner_agent_id"] for c in mine} == {"2002"}
    fifth = await _open(ben, accounts, title="one too many", queue="support")
    assert (fifth["owner_agent_id"], fifth["status"]) == (None, "new")
    assert await _numbers(ben, accounts, owner="none") == [fifth["number"]]

    assign = accounts.url(f"/api/v1/cases/{fifth['number']}/assign")
    async with ben.post(assign, json={"agent_id": "2002"}) as r:
        await problem(r, 409, "agent_queue_full")
    async with sup.post(assign, json={"agent_id": "2002"}) as r:
        assert (await answer(r))["owner_agent_id"] == "2002"
    sixth = await _open(sup, accounts, title="for Ben anyway", queue="support", owner="2002")
    assert sixth["owner_agent_id"] == "2002"

    async with ben.get(accounts.url("/api/v1/agents/2002/cases")) as r:
        queue = await answer(r)
    assert queue["capacity"] == 4
    assert sorted(c["number"] for c in queue["cases"]) == sorted(
        [c["number"] for c in mine] + [fifth["number"], sixth["number"]]
    )
    assert await _numbers(ben, accounts, owner="none") == []
    async with sup.post(assign, json={"agent_id": None}) as r:
        assert (await answer(r))["owner_agent_id"] is None
    assert await _numbers(ben, accounts, owner="none") == [fifth["number"]]


async def test_the_pool_holds_the_teams_unowned_cases_most_urgent_first(
    server: Server,
    accounts: Accounts,
    ben: aiohttp.ClientSession,
    cleo: aiohttp.ClientSession,
    sup: aiohttp.ClientSession,
) -> None:  # S2
    low = await _open(sup, accounts, title="low", queue="support", priority="low")
    urgent = await _open(sup, accounts, title="urgent", queue="support", priority="urgent")
    other = await _open(sup, accounts, title="backup", queue="backup")
    assert await _numbers(ben, accounts, owner="none") == [urgent["number"], low["number"]]
    assert await _numbers(cleo, accounts, owner="none") == [other["number"]]
    assert await _numbers(cleo, accounts, owner="none", queue="support") == []
    assert await _numbers(sup, accounts, owner="none") == [
        urgent["number"],
        other["number"],
        low["number"],
    ]

    take = accounts.url(f"/api/v1/cases/{other['number']}/assign")
    async with cleo.post(take, json={"agent_id": "2002"}) as r:
        await problem(r, 403, "forbidden")
    async with cleo.post(take, json={"agent_id": None}) as r:
        await problem(r, 403, "forbidden")
    async with cleo.post(take, json={"agent_id": "2003"}) as r:
        assert (await answer(r))["status"] == "open"
    async with cleo.post(take, json={}) as r:
        await problem(r, 400, "invalid_request")
    async with cleo.post(accounts.url(f"/api/v1/cases/{low['number']}/assign"), json={}) as r:
        await problem(r, 403, "forbidden")  # not her team's queue
    assert await _numbers(cleo, accounts, owner="2003") == [other["number"]]
    assert await _numbers(ben, accounts, owner="2003") == []


async def test_the_case_type_is_set_by_the_agent_and_an_escalated_case_waits_in_its_levels_pool(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession, sup: aiohttp.ClientSession
) -> None:  # S4, D5
    case = await _open(ben, accounts, title="Router down", queue="support")
    path = accounts.url(f"/api/v1/cases/{case['number']}")
    async with ben.patch(path, json={"subject": "network", "severity": "critical"}) as r:
        edited = await answer(r)
    assert (edited["subject"], edited["severity"], edited["title"]) == (
        "network",
        "critical",
        "Router down",
    )
    async with ben.patch(path, json={"severity": "fatal"}) as r:
        await problem(r, 400, "invalid_request")
    async with ben.get(path) as r:
        audit = [(a["field"], a["new_value"]) for a in (await answer(r))["audit"]]
    assert ("subject", "network") in audit and ("severity", "critical") in audit

    async with ben.post(f"{path}/escalate", json={}) as r:
        escalated = await answer(r)
    # Nobody of level 1 handles "network" cases in this centre: the case waits unowned.
    assert (escalated["escalation_level"], escalated["owner_agent_id"]) == (1, None)
    assert await _numbers(sup, accounts, owner="none", level=1) == [case["number"]]
    assert await _numbers(sup, accounts, owner="none", level=0) == []
    assert await _numbers(sup, accounts, subject="network") == [case["number"]]


async def test_a_customers_mail_reply_reopens_the_case_on_the_desk(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession
) -> None:  # S5
    customer = await server.crm.create_customer(
        NewCustomer(first_name="Inès", emails=["ines@example.org"])
    )
    case = await _open(ben, accounts, title="Invoice", customer_id=customer.id)
    status = accounts.url(f"/api/v1/cases/{case['number']}/status")
    async with ben.post(status, json={"status": "waiting_for_customer", "message": "IBAN?"}) as r:
        assert (await answer(r))["auto_close_at"] is not None

    reply = EmailMessage()
    reply["From"], reply["To"] = "Inès <ines@example.org>", "support@example.test"
    reply["Subject"] = f"Re: [{case['number']}] We need your reply"
    reply.set_content("FR76 1234")
    assert server.mail_in is not None
    await aiosmtplib.send(reply, hostname="127.0.0.1", port=server.mail_in.port, timeout=5)

    async with ben.get(accounts.url(f"/api/v1/cases/{case['number']}")) as r:
        details = await answer(r)
    assert (details["case"]["status"], details["case"]["auto_close_at"]) == ("open", None)
    assert [(f["kind"], f["author"]) for f in details["follow_ups"]] == [
        ("mail_in", "ines@example.org")
    ]


async def test_a_case_nobody_owns_goes_to_the_contacts_last_agent_else_the_least_loaded(
    server: Server,
    accounts: Accounts,
    events: asyncio.Queue[Any],
    sup: aiohttp.ClientSession,
) -> None:  # Q3, S2
    crm = server.crm
    zoe = await crm.create_customer(NewCustomer(first_name="Zoé", phones=["0615000001"]))
    # Anna (2001, support secondary) answered Zoé's last call.
    answered = datetime.now(UTC) - timedelta(days=2)
    await crm.record_call(
        CallRecord(
            "zoe-call",
            direction=Direction.INBOUND,
            caller_number="0615000001",
            queue="support",
            agent_id="2001",
            started_at=answered,
            answered_at=answered,
            customer_id=zoe.id,
        )
    )
    await ready(server, "2001", "2002")

    smart = await _open(sup, accounts, title="Zoé again", queue="support", customer_id=zoe.id)
    assert smart["owner_agent_id"] is None  # in the pool until the assignment picks it
    got = await next_event(events, CaseAssigned, lambda e: e.case_number == smart["number"])
    assert (got.agent_id, got.step) == ("2001", AssignmentStep.SMART)
    # Anna now owns one case and Ben none: the least loaded takes a case with no history.
    fresh = await _open(sup, accounts, title="New caller", queue="support")
    got = await next_event(events, CaseAssigned, lambda e: e.case_number == fresh["number"])
    assert (got.agent_id, got.step) == ("2002", AssignmentStep.WORKLOAD)

    async with sup.get(accounts.url(f"/api/v1/cases/{smart['number']}")) as r:
        details = await answer(r)
    assert details["case"]["owner_agent_id"] == "2001"
    assert ("owner", "2001", "assignment:smart") in [
        (a["field"], a["new_value"], a["actor"]) for a in details["audit"]
    ]

    # Only the backup queue's team takes its cases: Cleo (2003), once she logs in.
    backup = await _open(sup, accounts, title="Backup line", queue="backup")
    await ready(server, "2003")
    got = await next_event(events, CaseAssigned, lambda e: e.case_number == backup["number"])
    assert got.agent_id == "2003"
    assert await _numbers(sup, accounts, owner="none") == []


async def test_an_agent_books_a_call_back_for_a_case_owner_who_is_busy(
    server: Server,
    accounts: Accounts,
    ben: aiohttp.ClientSession,
    cleo: aiohttp.ClientSession,
) -> None:  # P1, C1
    anna = await accounts.client("anna")
    case = await _open(ben, accounts, title="Quote for 12 seats", queue="support")
    due = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    booking = {"assignee": "2002", "kind": "call", "title": "Call back about the quote"}
    booking |= {"due_at": due, "case_number": case["number"]}
    async with anna.post(accounts.url("/api/v1/tasks"), json=booking) as r:
        booked = await answer(r, 201)
    assert (booked["assignee"], booked["created_by"]) == ("2002", "2001")
    async with ben.get(accounts.url("/api/v1/agents/2002/tasks")) as r:
        assert [t["id"] for t in await answer(r)] == [booked["id"]]

    refused = [
        (anna, {**booking, "assignee": "2004"}),  # not the case's owner
        (anna, {**booking, "case_number": None}),  # for someone else, with no case
        (cleo, booking),  # not her team's case
    ]
    for client, body in refused:
        async with client.post(accounts.url("/api/v1/tasks"), json=body) as r:
            await problem(r, 403, "forbidden")
    async with ben.get(accounts.url("/api/v1/agents/2002/tasks")) as r:
        assert len(await answer(r)) == 1
