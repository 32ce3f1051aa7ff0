"""FastAGI server: Asterisk hands each inbound call to the server's IVR here."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from panoramisk.fast_agi import Application, Request

from acd.telephony.ivr import CallerHungUp

log = structlog.get_logger(__name__)


class AgiChannel:
    """One call's AGI conversation, as the IVR sees it."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self.headers: dict[str, str] = dict(request.headers)

    async def _command(self, command: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._request.send_command(command)
        log.debug("agi_result", command=command, result=result)
        # AGIResultHangup, or AGIAppError (result=-1): the channel is gone.
        if "error" in result:
            raise CallerHungUp(f"{command}: {result.get('msg')}")
        return result

    async def play(self, prompt: str) -> None:
        await self._command(f'STREAM FILE {prompt} ""')

    async def ask_digit(self, prompt: str, timeout: float) -> str | None:
        result = await self._command(f"GET DATA {prompt} {int(timeout * 1000)} 1")
        digits, _ = result.get("result", ("", ""))
        return digits or None

    async def set_variable(self, name: str, value: str) -> None:
        await self._command(f'SET VARIABLE {name} "{value}"')


AgiHandler = Callable[[AgiChannel, dict[str, str]], Awaitable[None]]


class FastAgiServer:
    """Serves AGI scripts by name (`agi://host:port/<name>`); `port=0` picks a free port."""

    def __init__(self, host: str, port: int, scripts: dict[str, AgiHandler]) -> None:
        self._host = host
        self._port = port
        self._scripts = scripts
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        app = Application(loop=asyncio.get_running_loop())
        for name, handler in self._scripts.items():
            app.add_route(name, self._wrap(name, handler))
        self._server = await asyncio.start_server(app.handler, self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @staticmethod
    def _wrap(name: str, handler: AgiHandler) -> Callable[[Request], Awaitable[None]]:
        async def serve(request: Request) -> None:
            channel = AgiChannel(request)
            try:
                await handler(channel, channel.headers)
            except CallerHungUp:
                log.info(
                    "agi_caller_hung_up", script=name, uniqueid=channel.headers.get("agi_uniqueid")
                )

        return serve
