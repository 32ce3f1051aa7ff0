"""Callers already waiting in Asterisk are not stranded when the server dies and starts
again, nor when its AMI link drops and comes back (D2): the server reads Asterisk's
channels at every login and takes its callers up, in their order and with their wait.
On SQLite and PostgreSQL, as the journal the restarted server reads its agents from."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from acd.ami import actions
from acd.ami import events as ami
from acd.bootstrap import Server, start_server
from acd.config import Settings
from acd.telephony.events import (
    CallConnected,
    CallEnded,
    CallOffered,
    CallQueuedEvent,
)
from crm.db.migrate import upgrade_async
from tests.support.accounts import Accounts
from tests.support.faults.tcp_proxy import CuttableProxy
from tests.support.sandbox import Switchboard
from tests.support.server import ready, running_server
from tests.support.waiting import next_event, until

SUPPORT_DID = "0189000003"


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    return settings.model_copy(update={"database_url": database_url})


async def _noop() -> None:
    return None


async def _started(settings: Settings) -> Server:
    """A server logged in to Asterisk, past its first channel list."""
    await upgrade_async(settings.database_url)
    server = await start_server(settings)
    await server.ami.wait_connected(10)
    await _caught_up(server)
    return server


async def _caught_up(server: Server) -> None:
    """The login's channel list read and handled."""
    await server.telephony.execute(_noop)  # the login itself handled
    await until(lambda: not server.telephony.reading_channels)


async def _killed(server: Server) -> None:
    """What a SIGKILL leaves Asterisk: the AMI socket dropped mid-stream, nothing said
    on the way out (no hang-up, no logoff). The rest is released so the test can start
    the next server in this process."""
    server.ami.drop_link()
    await server.stop()


async def _channels(switchboard: Switchboard) -> list[ami.ListedChannel]:
    reply = await switchboard.ami.send(actions.status(ami.LISTED_VARIABLES))
    return ami.channel_list(reply).channels


async def _live_calls(accounts: Accounts) -> list[dict[str, Any]]:
    client = await accounts.client("sup")
    async with client.get(accounts.url("/api/v1/calls/live")) as r:
        assert r.status == 200
        calls: list[dict[str, Any]] = await r.json()
        return calls


async def _support_waits(accounts: Accounts) -> dict[str, float]:
    client = await accounts.client("sup")
    async with client.get(accounts.url("/api/v1/queues")) as r:
        assert r.status == 200
        [support] = [q for q in await r.json() if q["name"] == "support"]
        return {c["call_id"]: c["wait"] for c in support["calls"]}


async def test_callers_waiting_when_the_server_dies_are_served_in_their_order_after_a_restart(
    settings: Settings, switchboard: Switchboard
) -> None:  # D2
    await switchboard.phone("2001")
    await switchboard.phone("2002")
    server = await _started(settings)
    try:
        accounts = Accounts(server)
        await accounts.add_users()
        await accounts.close()
        with server.bus.subscribe() as events:
            await switchboard.call(SUPPORT_DID, "0611000101")
            first = await next_event(events, CallQueuedEvent)
            queued_at = asyncio.get_running_loop().time()
            await switchboard.call(SUPPORT_DID, "0611000102")
            second = await next_event(events, CallQueuedEvent)
        # No agent is ready: both wait, their time queued on their channels.
        await until(
            lambda: _have_queued_at(switchboard, {first.call_id, second.call_id}), timeout=5
        )
    finally:
        await _killed(server)

    async with running_server(settings) as server:
        await _caught_up(server)
        accounts = Accounts(server)
        try:
            live = await _live_calls(accounts)
            assert [(c["call_id"], c["queue"], c["phase"]) for c in live] == [
                (first.call_id, "support", "waiting"),
                (second.call_id, "support", "waiting"),
            ]
            assert [c["caller"] for c in live] == ["0611000101", "0611000102"]
            waits = await _support_waits(accounts)
            # The first caller's wait runs from before the restart, not from it.
            assert waits[first.call_id] >= asyncio.get_running_loop().time() - queued_at - 0.2
            assert waits[first.call_id] > waits[second.call_id]
        finally:
            await accounts.close()

        with server.bus.subscribe() as events:
            await ready(server, "2002")
            connected = await next_event(events, CallConnected)
            assert (connected.call_id, connected.agent_id) == (first.call_id, "2002")
            await ready(server, "2001")
            connected = await next_event(events, CallConnected)
            assert (connected.call_id, connected.agent_id) == (second.call_id, "2001")


async def _have_queued_at(switchboard: Switchboard, call_ids: set[str]) -> bool:
    channels = await _channels(switchboard)
    return call_ids <= {c.ids.uniqueid for c in channels if c.queued_at is not None}


async def test_a_call_in_progress_when_the_server_dies_keeps_its_agent_on_call(
    settings: Settings, switchboard: Switchboard
) -> None:  # D8
    await switchboard.phone("2002")
    await switchboard.phone("2001")
    server = await _started(settings)
    try:
        with server.bus.subscribe() as events:
            await ready(server, "2002")
            await switchboard.call(SUPPORT_DID, "0611000103")
            talking = await next_event(events, CallConnected)
    finally:
        await _killed(server)

    async with running_server(settings) as server:
        await _caught_up(server)
        # The journal put Ben back ready; the bridge in Asterisk says he is talking.
        assert server.telephony.router.agent("2002").state.value == "on_call"
        assert server.telephony.calls[talking.call_id].agent_id == "2002"
        with server.bus.subscribe() as events:
            await ready(server, "2001")
            await switchboard.call(SUPPORT_DID, "0611000104")
            connected = await next_event(events, CallConnected)
            assert connected.agent_id == "2001"
            # The call taken up ends as any other: journaled answered, Ben in wrap-up.
            caller = server.telephony.calls[talking.call_id].ids
            assert caller is not None
            await switchboard.hangup(caller.channel)
            ended = await next_event(events, CallEnded, lambda e: e.uniqueid == talking.call_id)
            assert (ended.outcome, ended.agent_id) == ("answered", "2002")
            assert server.telephony.router.agent("2002").state.value == "wrap_up"


@pytest.fixture
async def proxied(
    settings: Settings, switchboard: Switchboard
) -> AsyncIterator[tuple[Server, CuttableProxy]]:
    proxy = CuttableProxy(settings.ami.host, settings.ami.port)
    await proxy.start()
    ami_settings = settings.ami.model_copy(update={"port": proxy.port})
    server = await _started(settings.model_copy(update={"ami": ami_settings}))
    try:
        yield server, proxy
    finally:
        await server.stop()
        await proxy.stop()


async def test_after_an_ami_reconnect_a_waiting_caller_is_in_the_core_once_and_offered_once(
    proxied: tuple[Server, CuttableProxy], switchboard: Switchboard
) -> None:  # D2
    server, proxy = proxied
    await switchboard.phone("2002")
    with server.bus.subscribe() as events, server.bus.subscribe((CallOffered,)) as offers:
        await switchboard.call(SUPPORT_DID, "0611000105")
        waiting = await next_event(events, CallQueuedEvent)
        logins = server.ami.logins
        proxy.cut()
        await until(lambda: not server.ami.connected)
        proxy.restore()
        await until(lambda: server.ami.logins == logins + 1)
        await _caught_up(server)  # its channel list holds the caller again
        assert [c.call_id for c in server.telephony.router.calls()] == [waiting.call_id]
        assert list(server.telephony.calls) == [waiting.call_id]
        await ready(server, "2002")
        connected = await next_event(events, CallConnected)
        assert connected.call_id == waiting.call_id
        assert [e.call_id for e in _drained(offers)] == [waiting.call_id]


def _drained(queue: asyncio.Queue[Any]) -> list[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def _journal_rows(server: Server, caller: str) -> list[dict[str, Any]]:
    """The journal's rows of `caller`'s calls, as GET /api/v1/calls shows them once the
    journal has written what it holds."""
    await server.journal.drain()
    accounts = Accounts(server)
    try:
        client = await accounts.client("sup")
        async with client.get(accounts.url("/api/v1/calls"), params={"number": caller}) as r:
            assert r.status == 200, await r.text()
            rows: list[dict[str, Any]] = (await r.json())["calls"]
            return rows
    finally:
        await accounts.close()


async def _waiting_caller(server: Server, switchboard: Switchboard, caller: str) -> str:
    """`caller` queued on support, their time queued on their channel; their call id."""
    with server.bus.subscribe() as events:
        await switchboard.call(SUPPORT_DID, caller)
        queued = await next_event(events, CallQueuedEvent)
    await until(lambda: _have_queued_at(switchboard, {queued.call_id}), timeout=5)
    return queued.call_id


async def _hang_up_caller(server: Server, switchboard: Switchboard, call_id: str) -> CallEnded:
    ids = server.telephony.calls[call_id].ids
    assert ids is not None
    with server.bus.subscribe((CallEnded,)) as events:
        await switchboard.hangup(ids.channel)
        return await next_event(events, CallEnded, lambda e: e.uniqueid == call_id)


async def test_a_call_has_one_journal_row_from_its_start_completed_when_it_ends(
    settings: Settings, switchboard: Switchboard
) -> None:  # S7
    await switchboard.phone("2002")
    server = await _started(settings)
    try:
        accounts = Accounts(server)
        await accounts.add_users()
        await accounts.close()
        call_id = await _waiting_caller(server, switchboard, "0611000106")
        [waiting] = await _journal_rows(server, "0611000106")
        assert (waiting["call_id"], waiting["queue"], waiting["ended_at"]) == (
            call_id,
            "support",
            None,
        )
        assert waiting["enqueued_at"] is not None and waiting["outcome"] is None
        with server.bus.subscribe((CallConnected,)) as events:
            await ready(server, "2002")
            await next_event(events, CallConnected)
        [talking] = await _journal_rows(server, "0611000106")
        assert (talking["agent_id"], talking["ended_at"]) == ("2002", None)
        assert talking["answered_at"] is not None
        await _hang_up_caller(server, switchboard, call_id)
        [ended] = await _journal_rows(server, "0611000106")
        assert (ended["call_id"], ended["outcome"], ended["agent_id"]) == (
            call_id,
            "answered",
            "2002",
        )
        assert ended["ended_at"] is not None and ended["started_at"] == waiting["started_at"]
    finally:
        await server.stop()


async def test_a_caller_waiting_through_a_restart_keeps_one_row_completed_at_the_end(
    settings: Settings, switchboard: Switchboard
) -> None:  # S7, D2
    await switchboard.phone("2002")
    server = await _started(settings)
    try:
        accounts = Accounts(server)
        await accounts.add_users()
        await accounts.close()
        call_id = await _waiting_caller(server, switchboard, "0611000107")
        [before] = await _journal_rows(server, "0611000107")
    finally:
        await _killed(server)

    async with running_server(settings) as server:
        await _caught_up(server)
        [waiting] = await _journal_rows(server, "0611000107")
        assert (waiting["call_id"], waiting["ended_at"]) == (call_id, None)
        with server.bus.subscribe((CallConnected,)) as events:
            await ready(server, "2002")
            await next_event(events, CallConnected)
        await _hang_up_caller(server, switchboard, call_id)
        [ended] = await _journal_rows(server, "0611000107")
        assert (ended["call_id"], ended["outcome"], ended["agent_id"]) == (
            call_id,
            "answered",
            "2002",
        )
        # The row is the first server's, completed: its start is kept.
        assert ended["ended_at"] is not None and ended["started_at"] == before["started_at"]


async def test_a_caller_who_hung_up_while_no_server_ran_has_their_row_closed_as_lost(
    settings: Settings, switchboard: Switchboard
) -> None:  # S7
    server = await _started(settings)
    try:
        accounts = Accounts(server)
        await accounts.add_users()
        await accounts.close()
        call_id = await _waiting_caller(server, switchboard, "0611000108")
        [open_row] = await _journal_rows(server, "0611000108")
        assert open_row["ended_at"] is None
        ids = server.telephony.calls[call_id].ids
        assert ids is not None
    finally:
        await _killed(server)
    await switchboard.hangup(ids.channel)
    await until(lambda: _gone(switchboard, call_id), timeout=5)

    async with running_server(settings) as server:
        await _caught_up(server)
        [closed] = await _journal_rows(server, "0611000108")
        assert (closed["call_id"], closed["outcome"]) == (call_id, "lost")
        assert closed["ended_at"] is not None
        assert server.telephony.router.calls() == []


async def _gone(switchboard: Switchboard, call_id: str) -> bool:
    return call_id not in {c.ids.uniqueid for c in await _channels(switchboard)}
