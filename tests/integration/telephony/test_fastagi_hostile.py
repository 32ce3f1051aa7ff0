"""Hostile clients on the FastAGI port: the server drops them at once or at its deadline,
keeps answering HTTP, keeps its event loop idle and keeps routing real calls.

The test plays the part of Asterisk (or of a stray client) on a real socket; the calls
routed meanwhile are real calls through the sandbox Asterisk.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import aiohttp
import pytest
from structlog.testing import capture_logs

from acd.ami import events as ami
from acd.ami.fastagi import AgiChannel, FastAgiServer
from acd.bootstrap import Server
from acd.telephony.events import CallConnected
from tests.support.sandbox import Switchboard
from tests.support.server import ready
from tests.support.waiting import next_event, until

# The event loop of a server at rest uses a few milliseconds of CPU a second; a spinning
# one uses the whole second.
MAX_IDLE_CPU_S = 0.3
MAX_LOOP_LAG_S = 0.2
MAX_HEALTH_S = 0.5


def agi_headers(uniqueid: str, script: str = "ivr", extension: str = "0189000001") -> bytes:
    """The block Asterisk sends when a channel runs `AGI(agi://host:port/<script>)`."""
    return (
        "agi_network: yes\n"
        f"agi_network_script: {script}\n"
        f"agi_request: agi://127.0.0.1:4573/{script}\n"
        f"agi_channel: Local/{extension}@from-trunk-00000001;2\n"
        "agi_language: en\n"
        "agi_type: Local\n"
        f"agi_uniqueid: {uniqueid}\n"
        "agi_callerid: 0611000099\n"
        f"agi_extension: {extension}\n"
        "agi_context: from-trunk\n"
        "\n"
    ).encode()


class LoopFrozen(Exception):
    """The event loop made no progress before the watchdog fired."""


@contextlib.contextmanager
def loop_watchdog(seconds: float) -> Iterator[None]:
    """Break a frozen event loop: a loop spinning in one coroutine never reaches a timeout,
    but a signal handler still runs between its bytecodes, so the test fails instead of
    hanging for ever."""

    def fire(signum: int, frame: FrameType | None) -> None:
        raise LoopFrozen(f"the event loop was stuck for {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class LoopHealth:
    cpu_s: float
    worst_lag_s: float
    health_s: float
    health_status: int


async def measure_loop(server: Server, window: float = 1.0) -> LoopHealth:
    """This process's CPU time and the loop's worst lag over `window` seconds (ticks of
    10 ms), then how long `/health` takes to answer."""
    loop = asyncio.get_running_loop()
    cpu_before = time.process_time()
    started = loop.time()
    worst_lag = 0.0
    while loop.time() - started < window:
        tick = loop.time()
        await asyncio.sleep(0.01)  # the probe's tick, not a wait for an event
        worst_lag = max(worst_lag, loop.time() - tick - 0.01)
    cpu = time.process_time() - cpu_before
    async with aiohttp.ClientSession() as http:
        asked = loop.time()
        async with http.get(
            f"http://127.0.0.1:{server.http_port}/health", timeout=aiohttp.ClientTimeout(total=5)
        ) as response:
            status = response.status
        answered = loop.time() - asked
    return LoopHealth(cpu, worst_lag, answered, status)


def assert_serving(health: LoopHealth) -> None:
    assert health.cpu_s < MAX_IDLE_CPU_S, f"the event loop spins: {health}"
    assert health.worst_lag_s < MAX_LOOP_LAG_S, f"the event loop stalls: {health}"
    assert health.health_status == 200 and health.health_s < MAX_HEALTH_S, health


async def route_a_real_call(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any], caller: str
) -> None:
    """A call from the trunk goes through the IVR to the sales queue and agent 2001."""
    await switchboard.call("0189000002", caller)
    connected = await next_event(events, CallConnected, timeout=10)
    assert connected.agent_id == "2001" and connected.queue == "sales"


async def connect(server: Server, local_host: str | None = None) -> tuple[Any, Any]:
    local_addr = (local_host, 0) if local_host else None
    return await asyncio.open_connection("127.0.0.1", server.fastagi.port, local_addr=local_addr)


async def closed_by_server(reader: asyncio.StreamReader, timeout: float) -> bool:
    """Whether the server closes the connection within `timeout` (EOF or reset)."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


# Random bytes with no newline: one endless "line".
JUNK = random.Random(20).randbytes(10_000).replace(b"\n", b"")
PARTIAL = b"agi_network: yes\nagi_network_script: iv"
OVERSIZED = b"".join(b"agi_arg_%d: %s\n" % (n, b"a" * 500) for n in range(40))


async def connect_and_close(server: Server) -> None:
    _, writer = await connect(server)
    writer.close()


async def junk_then_close(server: Server) -> None:
    _, writer = await connect(server)
    writer.write(JUNK)
    await writer.drain()
    writer.close()


async def partial_header_then_close(server: Server) -> None:
    _, writer = await connect(server)
    writer.write(PARTIAL)
    await writer.drain()
    writer.close()


async def oversized_header_block(server: Server) -> None:
    reader, writer = await connect(server)
    writer.write(OVERSIZED)
    await writer.drain()
    assert await closed_by_server(reader, timeout=1), "an oversized header block was kept open"
    writer.close()


@pytest.mark.parametrize(
    "hostile",
    [connect_and_close, junk_then_close, partial_header_then_close, oversized_header_block],
    ids=lambda f: f.__name__,
)
async def test_a_hostile_fastagi_client_neither_stalls_the_server_nor_stops_calls(
    server: Server,
    switchboard: Switchboard,
    events: asyncio.Queue[Any],
    hostile: Callable[[Server], Awaitable[None]],
) -> None:
    await switchboard.phone("2001")
    await ready(server, "2001")
    with loop_watchdog(5):
        await hostile(server)
        health = await measure_loop(server)
    assert_serving(health)
    await route_a_real_call(server, switchboard, events, "0611000090")
    # The hostile session is gone (the real call's session may still be in its script).
    await until(lambda: server.fastagi.session_count == 0, timeout=5)


async def test_a_client_trickling_its_header_one_byte_every_half_second_is_dropped_at_the_deadline(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:
    await switchboard.phone("2001")
    await ready(server, "2001")
    deadline = server.settings.fastagi.header_timeout
    loop = asyncio.get_running_loop()
    reader, writer = await connect(server)
    opened = loop.time()

    async def trickle() -> None:
        with contextlib.suppress(ConnectionError):
            for byte in agi_headers("1712345678.1"):
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.5)  # the attacker's pace

    trickling = asyncio.create_task(trickle())
    try:
        with loop_watchdog(5):
            health = await measure_loop(server)
        assert_serving(health)
        await route_a_real_call(server, switchboard, events, "0611000091")
        assert await closed_by_server(reader, timeout=deadline + 2)
        dropped_after = loop.time() - opened
        assert deadline - 0.2 <= dropped_after <= deadline + 1.0
    finally:
        trickling.cancel()
        writer.close()


async def test_two_hundred_connections_at_once_are_capped_the_extra_ones_closed_at_once(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:
    cap = server.settings.fastagi.max_sessions
    assert cap == 100  # the default
    await switchboard.phone("2001")
    await ready(server, "2001")
    with loop_watchdog(5):
        connections = await asyncio.gather(*(connect(server) for _ in range(200)))
        closed = await asyncio.gather(*(closed_by_server(r, timeout=0.5) for r, _ in connections))
        health = await measure_loop(server)
    assert sum(closed) == 200 - cap
    assert server.fastagi.session_count == cap
    assert_serving(health)
    # The idle ones hold the cap until their header deadline; then calls get through again.
    await until(
        lambda: server.fastagi.session_count == 0,
        timeout=server.settings.fastagi.header_timeout + 2,
    )
    await route_a_real_call(server, switchboard, events, "0611000092")
    for _, writer in connections:
        writer.close()


async def test_a_fastagi_session_from_an_address_not_allowed_is_closed_unread_and_logged(
    server: Server,
) -> None:
    with capture_logs() as logs:
        reader, writer = await connect(server, local_host="127.0.0.2")
        assert await closed_by_server(reader, timeout=0.5)
        writer.close()
    [refused] = [e for e in logs if e["event"] == "fastagi_peer_refused"]
    assert refused["peer"][0] == "127.0.0.2"
    assert server.fastagi.session_count == 0


async def test_a_session_naming_a_call_the_server_does_not_know_is_hung_up_without_its_script(
    server: Server,
) -> None:
    reader, writer = await connect(server)
    writer.write(agi_headers("1712345678.999", extension="0189000001"))
    await writer.drain()
    loop = asyncio.get_running_loop()
    asked = loop.time()
    # The IVR script would first ask for a key (GET DATA); a refusal hangs up instead.
    command = await asyncio.wait_for(reader.readline(), timeout=5)
    assert command == b"HANGUP\n"
    assert loop.time() - asked >= server.settings.fastagi.known_call_wait - 0.1
    writer.write(b"200 result=1\n")
    await writer.drain()
    assert await closed_by_server(reader, timeout=2)
    writer.close()


async def test_a_session_opening_just_before_its_call_is_known_waits_for_it(
    server: Server,
) -> None:
    waiting = asyncio.create_task(server.telephony.wait_known_call("1712345678.5", 2))
    await asyncio.sleep(0)  # let the waiter subscribe: the call becomes known after
    assert not waiting.done()
    server.telephony.on_ami(
        ami.InboundCallArrived(
            ami.ChannelIds(
                "Local/0189000002@from-trunk-0000abcd;2", "1712345678.5", "1712345678.5"
            ),
            "0189000002",
            "0611000093",
        )
    )
    assert await asyncio.wait_for(waiting, timeout=1)
    assert not await server.telephony.wait_known_call("1712345678.6", 0.05)


# --- the server alone, with a stand-in for the telephony service --------------------------


@contextlib.asynccontextmanager
async def standalone_fastagi(**options: Any) -> Any:
    ran: list[dict[str, str]] = []

    async def ivr(channel: AgiChannel, headers: dict[str, str]) -> None:
        ran.append(headers)
        await channel.set_variable("ACD_QUEUE", "sales")

    fastagi = FastAgiServer("127.0.0.1", 0, {"ivr": ivr}, **options)
    await fastagi.start()
    try:
        yield fastagi, ran
    finally:
        await fastagi.stop()


async def _known(calls: set[str], uniqueid: str, timeout: float) -> bool:
    return uniqueid in calls


async def test_the_script_of_a_session_naming_an_unknown_call_is_never_run() -> None:
    calls = {"1712345678.1"}
    async with standalone_fastagi(
        known_call=lambda u, t: _known(calls, u, t), known_call_wait=0
    ) as (fastagi, ran):
        for uniqueid, expected in (("1712345678.2", b"HANGUP\n"), ("1712345678.1", b"SET")):
            reader, writer = await asyncio.open_connection("127.0.0.1", fastagi.port)
            writer.write(agi_headers(uniqueid))
            command = await asyncio.wait_for(reader.readline(), timeout=2)
            assert command.startswith(expected)
            writer.write(b"200 result=1\n")
            assert await closed_by_server(reader, timeout=2)
            writer.close()
    assert [h["agi_uniqueid"] for h in ran] == ["1712345678.1"]


async def test_only_the_configured_asterisk_addresses_are_served() -> None:
    async with standalone_fastagi(allowed_peers=["127.0.0.2"]) as (fastagi, ran):
        for local_host, served in (("127.0.0.1", False), ("127.0.0.2", True)):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", fastagi.port, local_addr=(local_host, 0)
            )
            writer.write(agi_headers("1712345678.1"))
            if served:
                assert (await asyncio.wait_for(reader.readline(), 2)).startswith(b"SET VARIABLE")
                writer.write(b"200 result=1\n")
            assert await closed_by_server(reader, timeout=2)
            writer.close()
    assert len(ran) == 1


async def test_a_hang_up_reported_by_asterisk_ends_the_script_quietly() -> None:
    async with standalone_fastagi() as (fastagi, ran):
        reader, writer = await asyncio.open_connection("127.0.0.1", fastagi.port)
        with capture_logs() as logs:
            writer.write(agi_headers("1712345678.1"))
            await asyncio.wait_for(reader.readline(), 2)
            writer.write(b"HANGUP\n")
            assert await closed_by_server(reader, timeout=2)
        writer.close()
    assert [e["event"] for e in logs] == ["agi_caller_hung_up"]
    assert len(ran) == 1


async def test_a_reply_that_never_comes_ends_the_session_at_the_command_timeout() -> None:
    async with standalone_fastagi(command_timeout=0.3) as (fastagi, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", fastagi.port)
        writer.write(agi_headers("1712345678.1"))
        await asyncio.wait_for(reader.readline(), 2)
        assert await closed_by_server(reader, timeout=1)
        writer.close()
        await until(lambda: fastagi.session_count == 0, timeout=1)


async def test_a_value_holding_a_quote_or_newline_is_never_written_into_a_command() -> None:
    async def ivr(channel: AgiChannel, headers: dict[str, str]) -> None:
        await channel.set_variable("ACD_QUEUE", 'sales"\nEXEC System "id')

    fastagi = FastAgiServer("127.0.0.1", 0, {"ivr": ivr})
    await fastagi.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", fastagi.port)
        with capture_logs() as logs:
            writer.write(agi_headers("1712345678.1"))
            written = await asyncio.wait_for(reader.read(), timeout=2)
        writer.close()
    finally:
        await fastagi.stop()
    assert written == b""
    assert [e["event"] for e in logs] == ["fastagi_script_failed"]
