"""The CRM over HTTP, as the agent desktop and the wallboard use it, on a running server.

Every refused request answers application/problem+json with a stable code and changes
nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from acd.api.pages import WEB_DIR
from acd.bootstrap import Server
from acd.telephony.events import TicketOpened
from crm.views import NewCustomer
from tests.support.accounts import Accounts, problem
from tests.support.sandbox import Switchboard
from tests.support.server import ready
from tests.support.waiting import next_event


def _url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.http_port}{path}"


@pytest.fixture
async def http(accounts: Accounts) -> aiohttp.ClientSession:
    """Ben, agent 2002, who owns the support cases these tests open."""
    return await accounts.client("ben")


@pytest.fixture
async def sup(accounts: Accounts) -> aiohttp.ClientSession:
    return await accounts.client("sup")


async def _customer(server: Server) -> int:
    info = await server.crm.create_customer(
        NewCustomer(
            account_number="ACC-100",
            first_name="Marie",
            last_name="Curie",
            company="Radium SA",
            phones=["06 12 34 56 78"],
            emails=["marie@example.org"],
        )
    )
    return info.id


async def _support_case(server: Server, customer_id: int | None = None) -> str:
    case = await server.crm.open_case(
        actor="2002",
        customer_id=customer_id,
        queue="support",
        title="Printer on fire",
        owner_agent_id="2002",
    )
    return case.number


async def test_a_customer_is_found_by_phone_email_case_or_account_number(
    server: Server, http: aiohttp.ClientSession
) -> None:  # C2, S8
    customer_id = await _customer(server)
    number = await _support_case(server, customer_id)
    for query in ("0612345678", "+33 6 12 34 56 78", "MARIE@example.org", number, "ACC-100"):
        async with http.get(_url(server, "/api/v1/customers"), params={"q": query}) as r:
            assert r.status == 200
            found = await r.json()
        assert found["customer"]["id"] == customer_id, query
        assert found["customer"]["display_name"] == "Marie Curie"
        assert [c["number"] for c in found["cases"]] == [number]


async def test_a_search_that_finds_nobody_answers_no_customer_and_an_empty_one_is_refused(
    server: Server, http: aiohttp.ClientSession
) -> None:  # C2
    async with http.get(_url(server, "/api/v1/customers"), params={"q": "0699999999"}) as r:
        assert r.status == 200
        assert await r.json() == {"customer": None, "cases": []}
    async with http.get(_url(server, "/api/v1/customers"), params={"q": "  "}) as r:
        await problem(r, 400, "invalid_request")


async def test_case_status_changes_by_hand_are_on_the_timeline_and_bad_ones_change_nothing(
    server: Server, http: aiohttp.ClientSession
) -> None:  # S3, S8
    number = await _support_case(server)
    path = f"/api/v1/cases/{number}/status"
    async with http.post(_url(server, path), json={"status": "asleep"}) as r:
        body = await problem(r, 422, "invalid_value")
    async with http.post(_url(server, path), json={"status": "resolved", "actor": "2001"}) as r:
        # The audit actor is the signed-in user, never a body field.
        assert "actor" in (await problem(r, 400, "invalid_request"))["detail"]
    assert (await server.crm.get_case(number)).status == "open"

    async with http.post(_url(server, path), json={"status": "resolved"}) as r:
        assert r.status == 200 and (await r.json())["status"] == "resolved"
    async with http.post(_url(server, path), json={"status": "closed"}) as r:
        assert (await r.json())["status"] == "closed"
    async with http.post(_url(server, path), json={"status": "open"}) as r:
        body = await problem(r, 409, "case_closed")
    assert body["detail"]
    async with http.get(_url(server, f"/api/v1/cases/{number}")) as r:
        details = await r.json()
    assert details["case"]["status"] == "closed"
    changes = [(a["field"], a["new_value"], a["actor"]) for a in details["audit"]]
    assert ("status", "resolved", "2002") in changes and ("status", "closed", "2002") in changes
    async with http.get(_url(server, "/api/v1/cases/C-nope")) as r:
        await problem(r, 404, "unknown_case")


async def test_a_priority_set_by_hand_overrides_the_automatic_one(
    server: Server, http: aiohttp.ClientSession
) -> None:  # S1
    number = await _support_case(server)
    path = f"/api/v1/cases/{number}/priority"
    async with http.post(_url(server, path), json={"priority": "urgent"}) as r:
        case = await r.json()
    assert (case["priority"], case["priority_manual"]) == ("urgent", True)
    async with http.post(_url(server, path), json={"priority": "meh"}) as r:
        await problem(r, 422, "invalid_value")
    assert (await server.crm.get_case(number)).priority == "urgent"


async def test_intake_answers_are_checked_against_the_queue_script_and_stored_with_the_case(
    server: Server, http: aiohttp.ClientSession
) -> None:  # D4, S4
    number = await _support_case(server)
    path = f"/api/v1/cases/{number}/intake"
    refused = [
        ({"product": "office"}, "intake_answer_missing", "blocking"),
        ({"product": "fridge", "blocking": True}, "intake_answer_invalid", "product"),
        ({"product": "office", "blocking": "perhaps"}, "intake_answer_invalid", "blocking"),
    ]
    for answers, code, question in refused:
        async with http.post(_url(server, path), json={"answers": answers}) as r:
            assert (await problem(r, 422, code))["question"] == question
    async with http.post(_url(server, path), json={"answers": {"colour": "red"}}) as r:
        assert (await problem(r, 422, "intake_unknown_question"))["questions"] == ["colour"]
    async with http.post(_url(server, path), json={"answers": "office"}) as r:
        await problem(r, 400, "invalid_request")
    async with http.post(_url(server, path), json={"answers": {}, "script": "nosuchqueue"}) as r:
        await problem(r, 422, "unknown_intake_script")
    assert (await server.crm.case_details(number)).intake_answers == ()

    async with http.post(
        _url(server, path),
        json={"answers": {"product": "hotel", "blocking": "yes"}},
    ) as r:
        assert r.status == 200
        saved = await r.json()
    assert saved["answers"] == {"product": "hotel", "blocking": True}
    details = await server.crm.case_details(number)
    assert {(a.question_id, a.value, a.answered_by) for a in details.intake_answers} == {
        ("product", "hotel", "2002"),
        ("blocking", True, "2002"),
    }
    # The script's `sets_case_type` question typed the case, for escalation by type (S4).
    assert details.case.subject == "hotel"
    assert ("subject", "hotel") in [(e.field, e.new_value) for e in details.audit]
    async with http.get(_url(server, "/api/v1/intake/support")) as r:
        assert [q["id"] for q in (await r.json())["questions"]] == ["product", "blocking"]


async def test_the_server_says_which_intake_questions_are_asked_given_the_answers_so_far(
    server: Server, http: aiohttp.ClientSession
) -> None:  # D4
    async def asked(answers: dict[str, Any]) -> dict[str, Any]:
        async with http.post(
            _url(server, "/api/v1/intake/sales/asked"), json={"answers": answers}
        ) as r:
            assert r.status == 200
            return dict(await r.json())

    assert await asked({}) == {"asked": ["product", "blocking"], "missing": ["blocking"]}
    assert await asked({"product": "hotel", "blocking": "yes"}) == {
        "asked": ["product", "room", "blocking", "users"],
        "missing": ["users"],
    }
    # An answer to a question no longer asked is left out; one that does not read yet
    # ("perhaps" to a yes/no question) asks nothing more.
    assert await asked({"product": "office", "room": "12", "blocking": "perhaps"}) == {
        "asked": ["product", "blocking"],
        "missing": [],
    }
    assert await asked({"blocking": True, "users": "3"}) == {
        "asked": ["product", "blocking", "users"],
        "missing": [],
    }
    path = "/api/v1/intake/nosuchqueue/asked"
    async with http.post(_url(server, path), json={"answers": {}}) as r:
        await problem(r, 422, "unknown_intake_script")
    async with http.post(_url(server, "/api/v1/intake/sales/asked"), json={}) as r:
        await problem(r, 400, "invalid_request")


async def test_a_follow_up_note_goes_on_the_case_timeline(
    server: Server, http: aiohttp.ClientSession
) -> None:  # C1
    number = await _support_case(server)
    path = f"/api/v1/cases/{number}/follow-ups"
    async with http.post(_url(server, path), json={"body": "Call back at 3"}) as r:
        assert r.status == 201
        note = await r.json()
    assert (note["kind"], note["visibility"], note["author"]) == ("note", "private", "2002")
    async with http.post(_url(server, path), json={"body": "x", "kind": "smoke_signal"}) as r:
        await problem(r, 422, "invalid_value")
    async with http.post(_url(server, path), json={"body": ""}) as r:
        await problem(r, 400, "invalid_request")
    async with http.get(_url(server, f"/api/v1/cases/{number}")) as r:
        bodies = [f["body"] for f in (await r.json())["follow_ups"]]
    assert bodies == ["Call back at 3"]


async def test_escalation_raises_the_case_level_up_to_two(
    server: Server, http: aiohttp.ClientSession
) -> None:  # D5, S4
    number = await _support_case(server)
    path = f"/api/v1/cases/{number}/escalate"
    for level in (1, 2):
        async with http.post(_url(server, path), json={}) as r:
            case = await r.json()
        # No agent of that level is configured: the case waits unassigned in its group.
        assert (case["escalation_level"], case["owner_agent_id"]) == (level, None)
    async with http.post(_url(server, path), json={}) as r:
        await problem(r, 409, "escalation_not_possible")
    assert (await server.crm.get_case(number)).escalation_level == 2


async def test_tasks_are_planned_listed_per_agent_and_completed(
    server: Server, http: aiohttp.ClientSession, sup: aiohttp.ClientSession
) -> None:  # C1
    number = await _support_case(server)
    due = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    task = {
        "assignee": "2002",
        "kind": "call",
        "title": "Call Marie back",
        "due_at": due,
        "case_number": number,
    }
    async with http.post(_url(server, "/api/v1/tasks"), json={**task, "kind": "fax"}) as r:
        await problem(r, 422, "invalid_value")
    async with http.post(_url(server, "/api/v1/tasks"), json={**task, "due_at": "tomorrow"}) as r:
        await problem(r, 400, "invalid_request")
    async with sup.post(_url(server, "/api/v1/tasks"), json={**task, "assignee": "9999"}) as r:
        await problem(r, 404, "unknown_agent")
    async with http.post(_url(server, "/api/v1/tasks"), json=task) as r:
        assert r.status == 201
        created = await r.json()
    assert created["reminder_at"] is not None
    async with http.get(_url(server, "/api/v1/agents/2002/tasks")) as r:
        assert [t["id"] for t in await r.json()] == [created["id"]]
    async with http.post(_url(server, f"/api/v1/tasks/{created['id']}/complete"), json={}) as r:
        assert (await r.json())["done_at"] is not None
    async with http.get(_url(server, "/api/v1/agents/2002/tasks")) as r:
        assert await r.json() == []
    async with http.get(_url(server, "/api/v1/agents/2002/tasks?include_done=1")) as r:
        assert len(await r.json()) == 1
    async with sup.post(_url(server, "/api/v1/tasks/424242/complete"), json={}) as r:
        await problem(r, 404, "unknown_task")


async def test_a_supervisor_message_is_stored_and_pushed_live_to_that_agent_only(
    server: Server, http: aiohttp.ClientSession, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:  # S10
    anna_http = await accounts.client("anna")
    async with (
        http.ws_connect(_url(server, "/api/v1/ws")) as ben,
        anna_http.ws_connect(_url(server, "/api/v1/ws")) as anna,
    ):
        async with sup.post(
            _url(server, "/api/v1/agents/2002/notifications"),
            json={"title": "Team meeting at 4"},
        ) as r:
            assert r.status == 201
            sent = await r.json()
        pushed = await ben.receive_json(timeout=5)
        assert pushed["type"] == "notification.created"
        assert (pushed["id"], pushed["kind"], pushed["title"]) == (
            sent["id"],
            "supervisor_message",
            "Team meeting at 4",
        )
        assert pushed["sender"] == "sup"
        with pytest.raises(asyncio.TimeoutError):
            await anna.receive_json(timeout=0.3)
    async with http.get(_url(server, "/api/v1/agents/2002/notifications?unread=1")) as r:
        assert [n["id"] for n in await r.json()] == [sent["id"]]
    async with sup.post(_url(server, f"/api/v1/agents/2001/notifications/{sent['id']}/read")) as r:
        await problem(r, 404, "unknown_notification")  # someone else's
    async with http.post(_url(server, f"/api/v1/agents/2002/notifications/{sent['id']}/read")) as r:
        assert (await r.json())["read_at"] is not None
    async with http.get(_url(server, "/api/v1/agents/2002/notifications?unread=1")) as r:
        assert await r.json() == []
    async with sup.post(
        _url(server, "/api/v1/agents/9999/notifications"), json={"title": "hi"}
    ) as r:
        await problem(r, 404, "unknown_agent")
    async with http.post(
        _url(server, "/api/v1/agents/2002/notifications"), json={"title": "x"}
    ) as r:
        await problem(r, 403, "forbidden")  # an agent does not message agents
    async with sup.post(_url(server, "/api/v1/agents/2002/notifications"), json={}) as r:
        await problem(r, 400, "invalid_request")


async def test_an_agents_socket_leaves_out_events_about_other_agents(
    server: Server, http: aiohttp.ClientSession, sup: aiohttp.ClientSession
) -> None:  # S11
    async with http.ws_connect(_url(server, "/api/v1/ws?agent=2001")) as ws:
        # An agent's socket is their own stream, whatever agent they ask for.
        await sup.post(_url(server, "/api/v1/agents/2001/force"), json={"state": "ready"})
        await http.post(_url(server, "/api/v1/agents/2002/state"), json={"state": "ready"})
        message = await ws.receive_json(timeout=5)
        assert (message["type"], message["agent_id"], message["new"]) == (
            "agent.state_changed",
            "2002",
            "ready",
        )
    async with sup.get(_url(server, "/api/v1/ws?agent=9999")) as r:
        await problem(r, 404, "unknown_agent")


async def test_the_desk_view_gives_a_reloaded_desktop_its_call_and_ticket(
    server: Server,
    switchboard: Switchboard,
    events: asyncio.Queue[Any],
    http: aiohttp.ClientSession,
) -> None:  # D4, S11
    await switchboard.phone("2002")
    await ready(server, "2002")
    await switchboard.call("0189000003", "0611000077")
    ticket = await next_event(events, TicketOpened)
    async with http.get(_url(server, "/api/v1/agents/2002/desk")) as r:
        desk = await r.json()
    assert desk["agent"]["state"] == "on_call"
    assert desk["agent"]["in_state_s"] >= 0
    assert desk["call"]["call_id"] == ticket.call_id
    assert desk["call"]["ivr_path"] == ["did:0189000003"]
    assert desk["ticket"]["case_number"] == ticket.case_number
    assert desk["ticket"]["intake"]["name"] == "support"


async def test_the_pages_and_their_assets_are_served_and_nothing_else(
    server: Server, accounts: Accounts
) -> None:  # S11
    http = await accounts.client(None)
    for path in ("/signin", "/desk", "/wallboard"):
        async with http.get(_url(server, path)) as r:
            assert r.status == 200 and r.content_type == "text/html"
    async with http.get(_url(server, "/"), allow_redirects=False) as r:
        assert (r.status, r.headers["Location"]) == (302, "/signin")
    # The scripts are ES modules: the browser runs them only when they come as JavaScript.
    for script in sorted(WEB_DIR.glob("*.js")):
        async with http.get(_url(server, f"/static/{script.name}")) as r:
            assert (r.status, r.content_type) == (200, "text/javascript"), script.name
    # The pages' catalogues, one a language the server knows, and no other file.
    for language in ("fr", "en"):
        async with http.get(_url(server, f"/i18n/{language}.json")) as r:
            assert (r.status, r.content_type) == (200, "application/json"), language
            assert (await r.json())["signin.submit"]
    for path in ("/i18n/de.json", "/i18n/..%2Fconfig.json", "/i18n/i18n.js"):
        async with http.get(_url(server, path)) as r:
            assert r.status == 404, path
    for path in ("/static/__init__.py", "/static/..%2Fapi%2Fapp.py", "/static/nope.css"):
        async with http.get(_url(server, path)) as r:
            assert r.status == 404, path
    async with http.get(_url(server, "/api/v1/nothing-here")) as r:
        await problem(r, 404, "unknown_route")
    async with http.delete(_url(server, "/api/v1/agents")) as r:
        await problem(r, 405, "method_not_allowed")
