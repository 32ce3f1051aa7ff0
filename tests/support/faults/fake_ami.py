"""A fake AMI server: the banner, Login, Filter and Ping, then whatever bytes a test
pushes. For faults a real Asterisk cannot be made to produce (a duplicated header, a
frame cut short, junk bytes)."""

from __future__ import annotations

import asyncio
import contextlib

from tests.support.faults.loopback import LoopbackServer

BANNER = b"Asterisk Call Manager/9.0.0\r\n"


def _headers(frame: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in frame.decode("utf-8", "replace").split("\r\n"):
        key, _, value = line.partition(": ")
        headers.setdefault(key.lower(), value)
    return headers


class FakeAmiServer(LoopbackServer):
    """Listens on 127.0.0.1:<port>; `push` writes raw bytes to the logged-in client."""

    def __init__(self) -> None:
        self._writer: asyncio.StreamWriter | None = None
        self.logged_in = asyncio.Event()
        self.connections = 0
        self.actions: list[str] = []

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.transport.abort()
        await self._close_listener()

    async def push(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writer = writer
        writer.write(BANNER)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                action = _headers(await reader.readuntil(b"\r\n\r\n"))
                name = action.get("action", "").lower()
                self.actions.append(name)
                reply = f"Response: Success\r\nActionID: {action.get('actionid', '')}\r\n"
                if name == "ping":
                    reply += "Ping: Pong\r\n"
                writer.write(reply.encode() + b"\r\n")
                if name == "login":
                    self.logged_in.set()
