"""FastAGI server: Asterisk hands each inbound call to the server's IVR here.

Our own reader rather than panoramisk's: its header loop spins the event loop at 100 %
CPU once a client closes before the blank line, and it bounds nothing. Here every read
has a size limit and a deadline and EOF ends the session (see `acd.ami.agi`); only
Asterisk's addresses are served, the number of sessions is capped, and a session must
name a call the server knows before its script runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import structlog

from acd.ami.agi import (
    MAX_DIGITS,
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    MAX_INTERIM_REPLIES,
    MAX_LINE_BYTES,
    MAX_USAGE_LINES,
    AgiChannel,
    AgiCommandFailed,
    AgiProtocolError,
    AgiReply,
    UnsafeAgiValue,
    _AgiLink,
    parse_reply,
    quoted,
    read_headers,
    script_name,
)
from acd.telephony.ivr import CallerHungUp

if TYPE_CHECKING:
    from acd.config import FastAgiSettings

log = structlog.get_logger(__name__)

# The protocol's names stay importable from the server's module, where callers find them.
__all__ = [
    "MAX_DIGITS",
    "MAX_HEADERS",
    "MAX_HEADER_BYTES",
    "MAX_INTERIM_REPLIES",
    "MAX_LINE_BYTES",
    "MAX_USAGE_LINES",
    "AgiChannel",
    "AgiCommandFailed",
    "AgiHandler",
    "AgiProtocolError",
    "AgiReply",
    "FastAgiServer",
    "IpNetwork",
    "KnownCall",
    "UnsafeAgiValue",
    "_AgiLink",
    "parse_reply",
    "quoted",
    "read_headers",
    "script_name",
]


AgiHandler = Callable[[AgiChannel, dict[str, str]], Awaitable[None]]
# Whether a call (by Asterisk uniqueid) is known, waiting up to the given seconds.
KnownCall = Callable[[str, float], Awaitable[bool]]

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FastAgiServer:
    """Serves AGI scripts by name (`agi://host:port/<name>`); `port=0` picks a free port.

    Connections from outside `allowed_peers`, and those over `max_sessions` at once, are
    closed unread. With `known_call`, a session naming a call the server does not know
    (after `known_call_wait` seconds) is hung up and its script never runs.
    """

    def __init__(
        self,
        host: str,
        port: int,
        scripts: dict[str, AgiHandler],
        *,
        allowed_peers: Iterable[str | IpNetwork] = ("127.0.0.1", "::1"),
        max_sessions: int = 100,
        header_timeout: float = 5.0,
        command_timeout: float = 60.0,
        known_call: KnownCall | None = None,
        known_call_wait: float = 2.0,
    ) -> None:
        self._host = host
        self._port = port
        self._scripts = scripts
        self._allowed = tuple(ipaddress.ip_network(p) for p in allowed_peers)
        self._max_sessions = max_sessions
        self._header_timeout = header_timeout
        self._command_timeout = command_timeout
        self._known_call = known_call
        self._known_call_wait = known_call_wait
        self._sessions: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None

    @classmethod
    def from_settings(
        cls,
        settings: FastAgiSettings,
        scripts: dict[str, AgiHandler],
        known_call: KnownCall | None = None,
    ) -> FastAgiServer:
        return cls(
            settings.host,
            settings.port,
            scripts,
            allowed_peers=settings.allowed_peers,
            max_sessions=settings.max_sessions,
            header_timeout=settings.header_timeout,
            command_timeout=settings.command_timeout,
            known_call=known_call,
            known_call_wait=settings.known_call_wait,
        )

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def session_count(self) -> int:
        return len(self._sessions)

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self._host, self._port, limit=MAX_LINE_BYTES
        )

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        sessions = list(self._sessions)
        for task in sessions:
            task.cancel()
        await asyncio.gather(*sessions, return_exceptions=True)
        await self._server.wait_closed()

    def _peer_allowed(self, peer: Any) -> bool:
        try:
            address = ipaddress.ip_address(peer[0])
        except (TypeError, ValueError, IndexError):
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self._allowed)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if not self._peer_allowed(peer):
            log.warning("fastagi_peer_refused", peer=peer)
            writer.transport.abort()
            return
        if len(self._sessions) >= self._max_sessions:
            log.warning("fastagi_sessions_full", peer=peer, max_sessions=self._max_sessions)
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        try:
            await self._session(reader, writer, peer)
        finally:
            self._sessions.discard(task)
            await _close(writer)

    async def _session(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Any
    ) -> None:
        link = _AgiLink(reader)
        script = uniqueid = ""
        try:
            headers = await read_headers(link, self._header_timeout)
            script = script_name(headers)
            uniqueid = headers.get("agi_uniqueid", "")
            handler = self._scripts.get(script)
            if handler is None:
                log.warning("fastagi_unknown_script", script=script[:80], peer=peer)
                return
            channel = AgiChannel(headers, link, writer, self._command_timeout)
            if self._known_call is not None and not (
                uniqueid and await self._known_call(uniqueid, self._known_call_wait)
            ):
                log.warning(
                    "fastagi_unknown_call", script=script, uniqueid=uniqueid[:80], peer=peer
                )
                with contextlib.suppress(CallerHungUp, AgiProtocolError, AgiCommandFailed):
                    await channel.hang_up(timeout=1.0)
                return
            await handler(channel, headers)
        except CallerHungUp:
            log.info("agi_caller_hung_up", script=script, uniqueid=uniqueid[:80])
        except AgiProtocolError as exc:
            log.warning("fastagi_session_dropped", reason=str(exc), peer=peer, script=script[:80])
        except Exception:
            log.exception("fastagi_script_failed", script=script, uniqueid=uniqueid[:80])


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close, and drop the socket outright if the peer does not take its last bytes."""
    writer.close()
    try:
        async with asyncio.timeout(1.0):
            await writer.wait_closed()
    except (TimeoutError, ConnectionError):
        writer.transport.abort()
