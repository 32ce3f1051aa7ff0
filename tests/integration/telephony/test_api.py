"""The HTTP API and WebSocket of a running server, as the agent desktop uses them."""

from __future__ import annotations

import aiohttp

from acd.bootstrap import Server
from acd.sandbox import Switchboard


def _url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.http_port}{path}"


async def test_an_agent_logs_in_and_pauses_with_a_reason_over_http(server: Server) -> None:  # D8
    async with aiohttp.ClientSession() as http:
        async with http.post(_url(server, "/api/agents/2001/state"), json={"state": "ready"}) as r:
            assert r.status == 200
            assert (await r.json())["state"] == "ready"
        async with http.post(
            _url(server, "/api/agents/2001/state"), json={"state": "paused", "reason": "training"}
        ) as r:
            body = await r.json()
            assert (body["state"], body["reason"]) == ("paused", "training")
        async with http.get(_url(server, "/api/agents")) as r:
            states = {a["agent_id"]: a["state"] for a in await r.json()}
        assert states == {
            "2001": "paused",
            "2002": "logged_out",
            "2003": "logged_out",
            "2004": "logged_out",
        }


async def test_an_outbound_call_outside_manual_call_is_refused_with_a_stable_code(
    server: Server,
) -> None:  # S6
    async with aiohttp.ClientSession() as http:
        await http.post(_url(server, "/api/agents/2001/state"), json={"state": "ready"})
        async with http.post(
            _url(server, "/api/agents/2001/calls"), json={"number": "0622000001"}
        ) as r:
            assert r.status == 409
            assert r.content_type == "application/problem+json"
            assert (await r.json())["code"] == "agent_not_in_manual_call"


async def test_bad_requests_get_clear_errors_and_change_nothing(server: Server) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(_url(server, "/api/agents/2001/state"), data=b"{not json") as r:
            assert r.status == 400 and (await r.json())["code"] == "invalid_request"
        async with http.post(_url(server, "/api/agents/2001/state"), json={"state": "asleep"}) as r:
            assert r.status == 400 and "state must be one of" in (await r.json())["detail"]
        async with http.post(_url(server, "/api/agents/9999/state"), json={"state": "ready"}) as r:
            assert r.status == 404 and (await r.json())["code"] == "unknown_agent"
        async with http.get(_url(server, "/api/journal")) as r:
            assert r.status == 400
    assert server.telephony.router.agent("2001").state == "logged_out"


async def test_the_websocket_streams_agent_state_changes(
    server: Server, switchboard: Switchboard
) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(_url(server, "/ws")) as ws:
        await http.post(_url(server, "/api/agents/2002/state"), json={"state": "ready"})
        message = await ws.receive_json(timeout=5)
        assert message["type"] == "AgentStateEvent"
        assert (message["agent_id"], message["old"], message["new"]) == (
            "2002",
            "logged_out",
            "ready",
        )
