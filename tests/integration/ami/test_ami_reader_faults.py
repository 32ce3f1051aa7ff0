"""Faults in the AMI stream never drop the link: the real AmiClient, over loopback, reads
recorded transcripts with faults a real Asterisk cannot be made to produce (a fake AMI
server sends them). No Asterisk needed, so no lock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acd.ami import actions
from acd.ami.client import AmiClient, AmiLink
from acd.ami.events import CallerWaiting, ChannelIds, translate
from tests.support.faults.ami_transcripts import (
    END,
    MALFORMED,
    MAX_FRAME_BYTES,
    faulty_streams,
    on_the_wire,
    transcript,
    transcripts,
)
from tests.support.faults.fake_ami import FakeAmiServer

# The last frame of every replay: once it is read, everything before it was.
LAST = (
    b"Event: UserEvent\r\nChannel: Local/s@acd-wait-00000099;2\r\nUniqueid: 99.9\r\n"
    b"UserEvent: AcdWaiting\r\nQueue: end-of-replay" + END
)
LAST_EVENT = CallerWaiting(
    ChannelIds("Local/s@acd-wait-00000099;2", "99.9", "99.9"), "end-of-replay"
)


class Received:
    """The client's sink, doing what the telephony service's does: translate at once
    (a MalformedEvent raises back into the reader, which counts it) and queue."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[Any] = asyncio.Queue()
        self.links: list[Any] = []

    def __call__(self, item: Any) -> None:
        if isinstance(item, AmiLink.Up | AmiLink.Down | AmiLink.LoginRefused):
            self.links.append(item)
            return
        event = translate(item)
        if event is not None:
            self.events.put_nowait(event)

    async def until_last(self, timeout: float = 5) -> list[Any]:
        seen: list[Any] = []
        async with asyncio.timeout(timeout):
            while (event := await self.events.get()) != LAST_EVENT:
                seen.append(event)
        return seen


@asynccontextmanager
async def connected() -> AsyncIterator[tuple[FakeAmiServer, AmiClient, Received]]:
    server = FakeAmiServer()
    await server.start()
    received = Received()
    client = AmiClient(
        host="127.0.0.1",
        port=server.port,
        username="aiguilleur",
        secret="secret",
        sink=received,
        ping_interval=3600,
        max_frame_bytes=MAX_FRAME_BYTES,
    )
    await client.start()
    try:
        await client.wait_connected(5)
        yield server, client, received
    finally:
        await client.close()
        await server.stop()


async def _replay_with_faults(wire: list[bytes], expected: list[Any]) -> None:
    async with connected() as (server, client, received):
        await server.push(on_the_wire(wire) + LAST)
        assert await received.until_last() == [
            e for e in expected if e is not None and e != MALFORMED
        ]
        assert client.malformed_messages == expected.count(MALFORMED)
        # An action sent afterwards still gets its reply, on the same link.
        reply = await client.send(actions.ping())
        assert reply.success and reply["Ping"] == "Pong"
        assert client.connected and server.connections == 1
        assert not any(isinstance(link, AmiLink.Down) for link in received.links)


@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_faults_in_the_ami_stream_drop_only_the_bad_frames_and_never_the_link(
    data: st.DataObject,
) -> None:
    name = data.draw(st.sampled_from(transcripts()))
    frames = transcript(name)
    wire, expected = data.draw(faulty_streams(frames))
    asyncio.run(_replay_with_faults(wire, expected))


async def test_a_duplicated_event_header_is_read_with_its_first_value_and_the_link_stays_up() -> (
    None
):
    async with connected() as (server, client, received):
        await server.push(
            LAST.replace(b"Event: UserEvent", b"Event: UserEvent\r\nEvent: Hangup").replace(
                b"Queue: end-of-replay", b"Queue: end-of-replay\r\nQueue: x"
            )
        )
        await server.push(LAST)
        assert await asyncio.wait_for(received.events.get(), 5) == LAST_EVENT
        assert await received.until_last() == []
        assert client.malformed_messages == 0 and server.connections == 1


async def test_a_frame_that_never_ends_is_dropped_counted_and_the_link_stays_up() -> None:
    async with connected() as (server, client, received):
        await server.push(b"Event: Hangup\r\nPadding: ")
        for _ in range(64):
            await server.push(b"p" * MAX_FRAME_BYTES)
        await server.push(END + LAST)
        assert await received.until_last() == []
        assert client.malformed_messages == 1
        reply = await client.send(actions.ping())
        assert reply.success and server.connections == 1
