"""What enters over HTTP is bounded before it reaches a database column, and a journal
row the database refuses anyway is visible to admins instead of blocking the journal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from acd.bootstrap import Server
from acd.telephony.journal import AgentStateRecord
from tests.support.accounts import signed_in


def _url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.http_port}{path}"


async def test_a_pause_reason_longer_than_its_column_is_refused_at_the_edge(
    server: Server,
) -> None:  # D8
    long_reason = "r" * 500
    async with signed_in(server) as http:
        await http.post(_url(server, "/api/v1/agents/2001/state"), json={"state": "ready"})
        async with http.post(
            _url(server, "/api/v1/agents/2001/state"),
            json={"state": "paused", "reason": long_reason},
        ) as r:
            assert r.status == 400
            problem = await r.json()
            assert problem["code"] == "invalid_request"
            assert "at most 120 characters" in problem["detail"]
        async with http.post(
            _url(server, "/api/v1/agents/2001/force"),
            json={"state": "paused", "reason": long_reason},
        ) as r:
            assert r.status == 400
    assert server.telephony.router.agent("2001").state == "ready"


async def test_a_string_with_a_lone_surrogate_is_refused_at_the_edge(server: Server) -> None:
    async with signed_in(server) as http:
        await http.post(_url(server, "/api/v1/agents/2001/state"), json={"state": "ready"})
        async with http.post(
            _url(server, "/api/v1/agents/2001/state"),
            data=b'{"state": "paused", "reason": "\\ud800"}',
            headers={"Content-Type": "application/json"},
        ) as r:
            assert r.status == 400
            assert (await r.json())["code"] == "invalid_request"
    assert server.telephony.router.agent("2001").state == "ready"


async def test_a_journal_row_the_database_refuses_is_listed_and_counted(
    server: Server,
) -> None:  # D8
    at = datetime.now(UTC)
    # A row that got past the edges: the journal sets it aside and goes on.
    server.journal.record(AgentStateRecord("2003", "paused", "x" * 500, at))
    server.journal.record(AgentStateRecord("2003", "ready", None, at))
    async with asyncio.timeout(10):
        await server.journal.drain()
    async with signed_in(server) as http:
        async with http.get(_url(server, "/api/v1/journal/dead-letters?limit=5")) as r:
            assert r.status == 200
            [letter] = await r.json()
        async with http.get(_url(server, "/health")) as r:
            journal = (await r.json())["journal"]
        async with http.get(_url(server, "/api/v1/outbox/failed")) as r:
            failed = await r.json()
    assert letter["kind"] == "agent_state"
    assert letter["payload"]["agent_id"] == "2003" and letter["payload"]["reason"] == "x" * 500
    assert "120" in letter["reason"]
    assert (journal["backlog"], journal["dead_letters"], journal["dropped"]) == (0, 1, 0)
    assert journal["written"] >= 1
    assert failed == {"counts": {"mail": 0, "webhook": 0}, "deliveries": []}
