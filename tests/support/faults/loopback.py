"""A TCP server on a free loopback port, the base of the fault-injecting stand-ins."""

from __future__ import annotations

import asyncio


class LoopbackServer:
    """Listens on 127.0.0.1:<port> once started; subclasses handle each connection."""

    _server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def _close_listener(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
