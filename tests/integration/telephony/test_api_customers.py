"""Customers over HTTP (C1, C2) on a running server: created from a new caller's screen
pop, edited, and merged, with nothing lost and bad input refused without a change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from acd.bootstrap import Server
from acd.config import Settings
from acd.telephony.events import TicketOpened
from crm.views import NewCustomer
from tests.support.accounts import Accounts, answer, problem
from tests.support.sandbox import Switchboard
from tests.support.server import ready
from tests.support.waiting import next_event


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """On SQLite and on PostgreSQL."""
    return settings.model_copy(update={"database_url": database_url})


@pytest.fixture
async def ben(accounts: Accounts) -> aiohttp.ClientSession:
    return await accounts.client("ben")


@pytest.fixture
async def sup(accounts: Accounts) -> aiohttp.ClientSession:
    return await accounts.client("sup")


async def test_a_new_callers_case_is_found_by_number_and_becomes_the_customers_they_create(
    server: Server,
    switchboard: Switchboard,
    events: asyncio.Queue[Any],
    accounts: Accounts,
    ben: aiohttp.ClientSession,
    sup: aiohttp.ClientSession,
) -> None:  # C1, C2
    await switchboard.phone("2002")
    await ready(server, "2002")
    await switchboard.call("0189000003", "0611000078")
    ticket = await next_event(events, TicketOpened)

    # Before any customer exists, the screen pop finds the case opened for the number.
    async with ben.get(accounts.url("/api/v1/customers"), params={"q": "06 11 00 00 78"}) as r:
        pop = await answer(r)
    assert pop["customer"] is None
    assert [c["number"] for c in pop["cases"]] == [ticket.case_number]

    form = {
        "first_name": "Léa",
        "last_name": "Martin",
        "phones": [{"number": "+33611000078", "label": "mobile"}, "01 44 00 00 01"],
        "emails": ["Lea.Martin@Example.org"],
        "custom_fields": {"contract": "gold", "seats": 12},
    }
    async with ben.post(accounts.url("/api/v1/customers"), json=form) as r:
        created = await answer(r, 201)
    assert created["account_number"]  # made by the CRM when the form leaves it empty
    assert created["phones"] == ["+33611000078", "+33144000001"]
    assert created["emails"] == ["lea.martin@example.org"]
    assert created["display_name"] == "Léa Martin"

    async with ben.get(accounts.url("/api/v1/customers"), params={"q": "0611000078"}) as r:
        pop = await answer(r)
    assert pop["customer"]["id"] == created["id"]
    assert [c["number"] for c in pop["cases"]] == [ticket.case_number]
    async with sup.get(accounts.url("/api/v1/calls"), params={"number": "0611000078"}) as r:
        calls = (await answer(r))["calls"]
    assert [(c["call_id"], c["customer_id"]) for c in calls] == [(ticket.call_id, created["id"])]


async def test_an_edit_changes_only_what_it_names(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession
) -> None:  # C1
    form = {"account_number": "ACC-7", "first_name": "Paul", "company": "Octave SARL"}
    form |= {"phones": ["0612000001"], "custom_fields": {"contract": "gold", "seats": 3}}
    async with ben.post(accounts.url("/api/v1/customers"), json=form) as r:
        customer_id = (await answer(r, 201))["id"]
    path = accounts.url(f"/api/v1/customers/{customer_id}")
    changes = {"last_name": "Valéry", "phones": ["0612000002"], "custom_fields": {"seats": None}}
    async with ben.patch(path, json=changes) as r:
        edited = await answer(r)
    assert (edited["first_name"], edited["last_name"]) == ("Paul", "Valéry")
    assert edited["company"] == "Octave SARL"
    assert edited["phones"] == ["+33612000002"]
    assert edited["custom_fields"] == {"contract": "gold"}
    async with ben.get(path) as r:
        assert (await answer(r))["customer"] == edited
    async with ben.get(accounts.url("/api/v1/customers"), params={"q": "0612000001"}) as r:
        assert (await answer(r))["customer"] is None


async def test_a_customers_language_is_kept_changed_and_given_back_to_the_centre(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession
) -> None:  # C1 (the mails to them are written in it)
    url = accounts.url("/api/v1/customers")
    async with ben.post(url, json={"account_number": "L-1", "language": "en"}) as r:
        created = await answer(r, 201)
    assert created["language"] == "en"
    path = accounts.url(f"/api/v1/customers/{created['id']}")
    async with ben.get(path) as r:
        assert (await answer(r))["customer"]["language"] == "en"
    async with ben.patch(path, json={"first_name": "Jo"}) as r:
        assert (await answer(r))["language"] == "en"  # not named: unchanged
    async with ben.patch(path, json={"language": "fr"}) as r:
        assert (await answer(r))["language"] == "fr"
    async with ben.patch(path, json={"language": "es"}) as r:
        await problem(r, 400, "invalid_request")
    async with ben.patch(path, json={"language": ""}) as r:
        assert (await answer(r))["language"] is None  # the centre's
    async with ben.post(url, json={"account_number": "L-2"}) as r:
        assert (await answer(r, 201))["language"] is None


async def test_merging_keeps_every_phone_email_case_call_and_task_of_the_duplicates(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession, sup: aiohttp.ClientSession
) -> None:  # C1, C2 (seed 003: up to three records merged at once)
    crm = server.crm
    kept = await crm.create_customer(
        NewCustomer(account_number="A-1", first_name="Marie", phones=["0601000001"])
    )
    twin = await crm.create_customer(
        NewCustomer(
            account_number="A-2",
            first_name="Marie",
            last_name="Curie",
            phones=["0601000002"],
            emails=["marie@example.org"],
        )
    )
    third = await crm.create_customer(
        NewCustomer(account_number="A-3", company="Radium SA", emails=["mc@example.org"])
    )
    cases = [
        (await crm.open_case(actor="2002", customer_id=c.id, title=f"case of {c.id}")).number
        for c in (kept, twin, third)
    ]
    due = datetime.now(UTC) + timedelta(days=1)
    task = await crm.create_task(
        actor="2002",
        assignee="2002",
        kind="call",
        title="call Marie back",
        due_at=due,
        case_number=cases[1],
    )

    merge = accounts.url(f"/api/v1/customers/{kept.id}/merge")
    async with ben.post(merge, json={"duplicates": [twin.id]}) as r:
        await problem(r, 403, "forbidden")
    async with sup.post(merge, json={"duplicates": [twin.id, third.id]}) as r:
        merged = await answer(r)
    customer = merged["customer"]
    assert customer["id"] == kept.id and customer["account_number"] == "A-1"
    assert (customer["first_name"], customer["last_name"]) == ("Marie", "Curie")
    assert customer["company"] == "Radium SA"
    assert sorted(customer["phones"]) == ["+33601000001", "+33601000002"]
    assert sorted(customer["emails"]) == ["marie@example.org", "mc@example.org"]
    assert sorted(c["number"] for c in merged["cases"]) == sorted(cases)

    for gone in (twin.id, third.id):
        async with ben.get(accounts.url(f"/api/v1/customers/{gone}")) as r:
            await problem(r, 404, "unknown_customer")
    for query in ("0601000002", "mc@example.org", cases[2]):
        async with ben.get(accounts.url("/api/v1/customers"), params={"q": query}) as r:
            assert (await answer(r))["customer"]["id"] == kept.id, query
    async with ben.get(accounts.url("/api/v1/agents/2002/tasks")) as r:
        tasks = await answer(r)
    assert [t["id"] for t in tasks if t["id"] == task.id]


async def test_bad_customer_input_is_refused_and_changes_nothing(
    server: Server, accounts: Accounts, ben: aiohttp.ClientSession, sup: aiohttp.ClientSession
) -> None:  # C1
    url = accounts.url("/api/v1/customers")
    async with ben.post(url, json={"account_number": "B-1", "phones": ["0613000001"]}) as r:
        customer_id = (await answer(r, 201))["id"]
    refused = [
        ({"account_number": "B-1"}, 409, "duplicate_account_number"),
        ({"account_number": "B-2", "emails": ["not an address"]}, 422, "invalid_email"),
        ({"account_number": "B-2", "phones": ["12"]}, 422, "invalid_phone_number"),
        ({"account_number": "B-2", "phones": ["06" * 40]}, 400, "invalid_request"),
        ({"account_number": "B-2", "owner": "2002"}, 400, "invalid_request"),
        ({"account_number": "B-2", "first_name": "a\x00b"}, 400, "invalid_request"),
        ({"account_number": "B-2", "language": "de"}, 400, "invalid_request"),
    ]
    for body, status, code in refused:
        async with ben.post(url, json=body) as r:
            await problem(r, status, code)
    async with ben.get(url, params={"q": "B-2"}) as r:
        assert (await answer(r))["customer"] is None

    path = accounts.url(f"/api/v1/customers/{customer_id}")
    async with ben.patch(path, json={"first_name": "Zoé", "emails": ["nope"]}) as r:
        await problem(r, 422, "invalid_email")
    async with ben.get(path) as r:
        assert (await answer(r))["customer"]["first_name"] == ""
    async with ben.patch(accounts.url("/api/v1/customers/999999"), json={}) as r:
        await problem(r, 404, "unknown_customer")
    async with sup.post(f"{path}/merge", json={"duplicates": [customer_id]}) as r:
        await problem(r, 422, "invalid_value")
    async with sup.post(f"{path}/merge", json={"duplicates": [999999]}) as r:
        await problem(r, 404, "unknown_customer")
    async with sup.post(f"{path}/merge", json={"duplicates": [2, 3, 4]}) as r:
        await problem(r, 400, "invalid_request")
    async with ben.get(path) as r:
        assert (await answer(r))["customer"]["phones"] == ["+33613000001"]
