"""D8: a server stopped and started again finds its agents as they were, through the API
agents and supervisors use (the journal of agent states is the record)."""

from __future__ import annotations

from typing import Any

from acd.config import Settings
from tests.support.accounts import Accounts
from tests.support.sandbox import Switchboard
from tests.support.server import running_server

AGENT_STEPS = {
    "anna": ("2001", [{"state": "ready"}]),
    "ben": ("2002", [{"state": "ready"}, {"state": "paused", "reason": "lunch"}]),
    "cleo": ("2003", [{"state": "ready"}, {"state": "manual_call"}]),
}


async def _agents(accounts: Accounts) -> dict[str, dict[str, Any]]:
    client = await accounts.client("sup")
    async with client.get(accounts.url("/api/v1/agents")) as r:
        assert r.status == 200
        return {a["agent_id"]: a for a in await r.json()}


async def test_d8_agents_keep_their_states_across_a_restart(
    settings: Settings, switchboard: Switchboard
) -> None:
    async with running_server(settings) as server:
        accounts = Accounts(server)
        await accounts.add_users()
        try:
            for login, (agent_id, steps) in AGENT_STEPS.items():
                client = await accounts.client(login)
                for body in steps:
                    url = accounts.url(f"/api/v1/agents/{agent_id}/state")
                    async with client.post(url, json=body) as r:
                        assert r.status == 200, await r.text()
            before = await _agents(accounts)
        finally:
            await accounts.close()

    async with running_server(settings) as server:
        accounts = Accounts(server)
        try:
            after = await _agents(accounts)
        finally:
            await accounts.close()

    assert before["2002"]["state"] == "paused"
    for agent_id in ("2001", "2002", "2003", "2004"):
        assert (after[agent_id]["state"], after[agent_id]["reason"]) == (
            before[agent_id]["state"],
            before[agent_id]["reason"],
        ), agent_id
    assert after["2001"]["state"] == "ready"
    assert after["2002"]["reason"] == "lunch"
    assert after["2003"]["state"] == "manual_call"
    assert after["2004"]["state"] == "logged_out"
