"""What an agent types or a caller's line claims never reaches Asterisk's dial string or
an AMI frame unchecked, and every outbound call ends in the server's state."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from acd.bootstrap import Server
from acd.config import Settings
from acd.telephony.events import (
    CallbackDeclined,
    CallbackRequested,
    CallConnected,
    CallEnded,
    CallQueuedEvent,
)
from tests.support.accounts import problem, signed_in
from tests.support.sandbox import Switchboard
from tests.support.server import ready, running_server
from tests.support.waiting import next_event, until

pytestmark = pytest.mark.asterisk


def _url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.http_port}{path}"


async def _manual_call(http: aiohttp.ClientSession, server: Server, agent_id: str) -> None:
    for state in ("ready", "manual_call"):
        async with http.post(
            _url(server, f"/api/v1/agents/{agent_id}/state"), json={"state": state}
        ) as r:
            assert r.status == 200


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("0612463987@trunk&PJSIP/2003,", "invalid_phone_number"),  # a second destination
        ("0612463987,1,U(x)", "invalid_phone_number"),  # Dial options
        ("abcdef", "invalid_phone_number"),
        ("0612463987\r\nAction: Originate\r\nApplication: System", "invalid_phone_number"),
        ("0899123456", "number_not_allowed"),  # premium rate
        ("+4930123456", "number_not_allowed"),  # international
    ],
)
async def test_a_crafted_number_is_refused_before_any_phone_rings(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any], number: str, code: str
) -> None:  # S6
    await switchboard.phone("2001")
    await switchboard.phone("2003")
    await switchboard.phone("0622000009", talk=0.5)
    async with signed_in(server) as http:
        await _manual_call(http, server, "2001")
        async with http.post(
            _url(server, "/api/v1/agents/2001/calls"), json={"number": number}
        ) as r:
            await problem(r, 422, code)
        assert server.telephony.calls == {}
        # Nothing was dialled, and a proper number still goes out on the same link.
        async with http.post(
            _url(server, "/api/v1/agents/2001/calls"), json={"number": "06 22 00 00 09"}
        ) as r:
            assert r.status == 202
            call_id = (await r.json())["call_id"]
    ended = await next_event(events, CallEnded, lambda e: e.uniqueid == call_id)
    assert (ended.outcome, ended.agent_id) == ("outbound_answered", "2001")
    assert server.ami.connected
    assert server.telephony.router.agent("2003").state == "logged_out"


async def test_an_outbound_call_whose_dial_fails_at_once_always_ends_and_frees_the_agent(
    settings: Settings, switchboard: Switchboard
) -> None:  # S6
    # A dial string whose destination does not exist: Dial fails as soon as it starts.
    broken = settings.model_copy(
        update={
            "telephony": settings.telephony.model_copy(
                update={"outbound_dial": "Local/{number}@no-such-context"}
            )
        }
    )
    await switchboard.phone("2001")
    async with running_server(broken) as server:
        with server.bus.subscribe() as events:
            async with signed_in(server) as http:
                await _manual_call(http, server, "2001")
                for attempt in range(5):
                    async with http.post(
                        _url(server, "/api/v1/agents/2001/calls"),
                        json={"number": f"062200001{attempt}"},
                    ) as r:
                        assert r.status == 202, await r.text()
                        call_id = (await r.json())["call_id"]
                    ended = await next_event(
                        events, CallEnded, lambda e, c=call_id: e.uniqueid == c
                    )
                    assert ended.outcome == "outbound_failed"
                    async with http.get(_url(server, "/api/v1/calls/live")) as r:
                        assert await r.json() == []
            await server.journal.drain()
            history = await server.crm.call_history("0622000010")
            assert [entry.outcome for entry in history] == ["outbound_failed"]


async def test_a_caller_id_the_centre_may_not_dial_is_never_called_back(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S7
    await switchboard.phone("2002")
    # A premium-rate caller id presses 1 for a callback and then keys only "1#".
    await switchboard.call("0189000004", "0899123456", dtmf="1#")
    queued = await next_event(events, CallQueuedEvent)
    declined = await next_event(events, CallbackDeclined, timeout=30)
    assert declined.call_id == queued.call_id
    await ready(server, "2002")
    connected = await next_event(events, CallConnected)
    assert connected.call_id == queued.call_id and connected.agent_id == "2002"
    assert server.telephony.calls[queued.call_id].callback_number is None
    while not events.empty():
        assert not isinstance(events.get_nowait(), CallbackRequested)


async def test_a_callback_is_placed_to_the_number_the_caller_confirmed(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S7
    await switchboard.phone("2002")
    await switchboard.phone("0611000021", talk=0.5)
    # The caller presses 1, hears their number read back and confirms it with 1.
    await switchboard.call("0189000004", "0611000021", dtmf="1")
    requested = await next_event(events, CallbackRequested, timeout=20)
    assert requested.number == "+33611000021"
    await ready(server, "2002")
    ended = await next_event(events, CallEnded, lambda e: e.uniqueid == requested.call_id)
    assert ended.outcome == "callback"
    await until(lambda: server.telephony.calls == {})
