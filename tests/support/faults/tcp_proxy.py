"""A TCP proxy that can cut the link on demand: the one fault Asterisk won't produce."""

from __future__ import annotations

import asyncio
import contextlib

from tests.support.faults.loopback import LoopbackServer


class CuttableProxy(LoopbackServer):
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and
    refuses new ones until `restore()`; `freeze()` silently swallows everything
    on the current connections (a peer that hangs) while new ones work."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._writers: set[asyncio.StreamWriter] = set()
        self._frozen: set[asyncio.StreamWriter] = set()
        self._up = True
        self.connections = 0

    async def stop(self) -> None:
        self.cut()
        await self._close_listener()

    def cut(self) -> None:
        self._up = False
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def freeze(self) -> None:
        self._frozen.update(self._writers)

    def restore(self) -> None:
        self._up = True

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._up:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if writer in self._frozen:
                    continue
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self._writers.discard(writer)
