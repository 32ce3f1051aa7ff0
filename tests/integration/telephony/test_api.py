"""The HTTP API and WebSocket of a running server, as the agent desktop uses them."""

from __future__ import annotations

from acd.bootstrap import Server
from tests.support.accounts import Accounts, problem
from tests.support.sandbox import Switchboard


async def test_an_agent_logs_in_and_pauses_with_a_reason_over_http(
    server: Server, accounts: Accounts
) -> None:  # D8
    anna, sup = await accounts.client("anna"), await accounts.client("sup")
    path = accounts.url("/api/v1/agents/2001/state")
    async with anna.post(path, json={"state": "ready"}) as r:
        assert r.status == 200
        assert (await r.json())["state"] == "ready"
    async with anna.post(path, json={"state": "paused", "reason": "training"}) as r:
        body = await r.json()
        assert (body["state"], body["reason"]) == ("paused", "training")
    async with sup.get(accounts.url("/api/v1/agents")) as r:
        states = {a["agent_id"]: a["state"] for a in await r.json()}
    assert states == {
        "2001": "paused",
        "2002": "logged_out",
        "2003": "logged_out",
        "2004": "logged_out",
    }


async def test_an_outbound_call_outside_manual_call_is_refused_with_a_stable_code(
    server: Server, accounts: Accounts
) -> None:  # S6
    anna = await accounts.client("anna")
    await anna.post(accounts.url("/api/v1/agents/2001/state"), json={"state": "ready"})
    async with anna.post(
        accounts.url("/api/v1/agents/2001/calls"), json={"number": "0622000001"}
    ) as r:
        await problem(r, 409, "agent_not_in_manual_call")


async def test_bad_requests_get_clear_errors_and_change_nothing(
    server: Server, accounts: Accounts
) -> None:
    anna, sup = await accounts.client("anna"), await accounts.client("sup")
    path = accounts.url("/api/v1/agents/2001/state")
    async with anna.post(
        path, data=b"{not json", headers={"Content-Type": "application/json"}
    ) as r:
        assert r.status == 400 and (await r.json())["code"] == "invalid_request"
    async with anna.post(path, json={"state": "asleep"}) as r:
        problem = await r.json()
        assert r.status == 400 and problem["detail"].startswith("body state:")
        assert problem["errors"][0]["loc"] == ["state"]
    async with sup.post(accounts.url("/api/v1/agents/9999/state"), json={"state": "ready"}) as r:
        assert r.status == 404 and (await r.json())["code"] == "unknown_agent"
    async with anna.get(accounts.url("/api/v1/journal")) as r:
        assert r.status == 400
    assert server.telephony.router.agent("2001").state == "logged_out"


async def test_the_websocket_streams_agent_state_changes(
    server: Server, switchboard: Switchboard, accounts: Accounts
) -> None:
    sup, ben = await accounts.client("sup"), await accounts.client("ben")
    async with sup.ws_connect(accounts.url("/api/v1/ws")) as ws:
        await ben.post(accounts.url("/api/v1/agents/2002/state"), json={"state": "ready"})
        message = await ws.receive_json(timeout=5)
        assert message["type"] == "agent.state_changed"
        assert (message["agent_id"], message["old"], message["new"]) == (
            "2002",
            "logged_out",
            "ready",
        )
