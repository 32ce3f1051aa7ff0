"""The AGI protocol as Asterisk speaks it: the `agi_*` header block, reply lines, and
one call's conversation (`AgiChannel`).

Every read has a size limit (and the header block a deadline) and EOF ends the session.
What Asterisk sends is parsed into `AgiReply` before the IVR sees it, and nothing from
outside is written into a command unchecked.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import structlog

from acd.telephony.ivr import CallerHungUp

log = structlog.get_logger(__name__)

# Asterisk sends about twenty `agi_*` lines of a few dozen bytes, plus one per AGI() argument.
MAX_LINE_BYTES = 2048
MAX_HEADER_BYTES = 16 * 1024
MAX_HEADERS = 64
# A `520-` usage reply is a dozen lines; `100 Trying...` precedes a reply at most once.
MAX_USAGE_LINES = 64
MAX_INTERIM_REPLIES = 4
# Keys one GET DATA may collect (a phone number).
MAX_DIGITS = 40

_HEADER_LINE = re.compile(r"(agi_[a-z0-9_]{1,60}): ?(.*)")
_REPLY_LINE = re.compile(r"(\d{3})([ -])(.*)")
_RESULT = re.compile(r"result=(\S*)(?: \((.*)\))?(?: endpos=(-?\d+))?\s*")
_TOKEN = re.compile(r"[A-Za-z0-9_./:-]{1,200}")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")
_DIGIT = re.compile(r"[0-9*#]")
_KEYS = re.compile(r"[0-9*#]{1,40}")
_PHONE_DIGITS = re.compile(r"[0-9]{1,40}")
# Inside a quoted AGI argument Asterisk ends the line at CR/LF and the argument at a
# quote; a backslash escapes the next character (a trailing one would eat the quote).
_UNSAFE_IN_QUOTES = frozenset('\r\n\x00"\\')


class AgiProtocolError(Exception):
    """The peer broke the AGI protocol (oversized, malformed or too slow); the session ends."""


class AgiCommandFailed(Exception):
    """Asterisk refused a command (510 unknown command, 520 usage): a bug on our side."""

    def __init__(self, command: str, reply: AgiReply) -> None:
        super().__init__(f"{command}: {reply.code} {reply.data or ''}".rstrip())
        self.reply = reply


class UnsafeAgiValue(ValueError):
    """A value that would change the meaning of the AGI command it is put in."""


@dataclass(frozen=True, slots=True)
class AgiReply:
    """One reply line: `200 result=<result> [(<data>)] [endpos=<n>]`, or an error code."""

    code: int
    result: str = ""
    data: str | None = None
    endpos: int | None = None


def parse_reply(line: str) -> AgiReply:
    """Parse one reply line (without its newline); raise AgiProtocolError if it is none."""
    match = _REPLY_LINE.fullmatch(line)
    if match is None:
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code, rest = int(match[1]), match[3]
    if code in (100, 200):
        result = _RESULT.fullmatch(rest)
        if result is None:
            if code == 100:  # "100 result=0 Trying..."
                return AgiReply(100, data=rest)
            raise AgiProtocolError(f"not an AGI result: {line[:80]!r}")
        endpos = int(result[3]) if result[3] is not None else None
        return AgiReply(code, result[1], result[2], endpos)
    return AgiReply(code, data=rest)


def quoted(value: str) -> str:
    """`value` as one double-quoted AGI argument; refuses what could break out of it."""
    if _UNSAFE_IN_QUOTES.intersection(value):
        raise UnsafeAgiValue(f"refused in an AGI argument: {value[:80]!r}")
    return f'"{value}"'


def _token(value: str, pattern: re.Pattern[str] = _TOKEN) -> str:
    """A bare AGI argument (a prompt or variable name): no spaces, quotes or controls."""
    if pattern.fullmatch(value) is None:
        raise UnsafeAgiValue(f"refused as an AGI token: {value[:80]!r}")
    return value


class _AgiLink:
    """Line reads from Asterisk, each bounded by `MAX_LINE_BYTES` (the stream's limit)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def line(self) -> str:
        try:
            raw = await self._reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            # EOF: Asterisk ended the session (or a stray client left); never retried.
            raise CallerHungUp("the AGI link closed") from exc
        except asyncio.LimitOverrunError as exc:
            raise AgiProtocolError(f"line longer than {MAX_LINE_BYTES} bytes") from exc
        return raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")


async def read_headers(link: _AgiLink, timeout: float) -> dict[str, str]:
    """The `agi_*` block up to its blank line, within `timeout` seconds and the size limits."""
    headers: dict[str, str] = {}
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                line = await link.line()
                size += len(line) + 1
                if size > MAX_HEADER_BYTES:
                    raise AgiProtocolError(f"header block over {MAX_HEADER_BYTES} bytes")
                if not line:
                    return headers
                match = _HEADER_LINE.fullmatch(line)
                if match is None:
                    raise AgiProtocolError(f"not an AGI header: {line[:80]!r}")
                if len(headers) >= MAX_HEADERS:
                    raise AgiProtocolError(f"more than {MAX_HEADERS} headers")
                headers[match[1]] = match[2]
    except TimeoutError:
        raise AgiProtocolError(f"no complete header block within {timeout} s") from None


def script_name(headers: Mapping[str, str]) -> str:
    """The script asked for: `agi_network_script`, else the path of `agi_request`'s URL."""
    name = headers.get("agi_network_script") or urlsplit(headers.get("agi_request", "")).path
    return name.strip("/").partition("?")[0]


class AgiChannel:
    """One call's AGI conversation, as the IVR sees it."""

    def __init__(
        self,
        headers: dict[str, str],
        link: _AgiLink,
        writer: asyncio.StreamWriter,
        command_timeout: float,
    ) -> None:
        self.headers = headers
        self._link = link
        self._writer = writer
        self._command_timeout = command_timeout

    async def _command(self, command: str, timeout: float | None = None) -> AgiReply:
        self._writer.write(command.encode() + b"\n")
        timeout = self._command_timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(timeout):
                await self._writer.drain()
                reply = await self._read_reply()
        except TimeoutError:
            raise AgiProtocolError(f"{command}: no reply within {timeout} s") from None
        except ConnectionError as exc:
            raise CallerHungUp(f"{command}: {exc}") from exc
        log.debug("agi_reply", command=command, reply=reply)
        if reply.code == 511:  # "Command Not Permitted on a dead channel"
            raise CallerHungUp(f"{command}: the channel is gone")
        if reply.code != 200:
            raise AgiCommandFailed(command, reply)
        if reply.result == "-1":  # the application failed: the caller hung up
            raise CallerHungUp(f"{command}: result=-1")
        return reply

    async def _read_reply(self) -> AgiReply:
        for _ in range(MAX_INTERIM_REPLIES + 1):
            line = await self._link.line()
            if line == "HANGUP":  # sent by Asterisk when the caller hangs up
                raise CallerHungUp("Asterisk reported the hang-up")
            reply = parse_reply(line)
            if line.startswith("520-"):
                return await self._usage_reply()
            if reply.code != 100:
                return reply
        raise AgiProtocolError(f"more than {MAX_INTERIM_REPLIES} interim replies")

    async def _usage_reply(self) -> AgiReply:
        """A 520 reply spans lines up to `520 End of proper usage.`: read them all, bounded."""
        usage: list[str] = []
        for _ in range(MAX_USAGE_LINES):
            line = await self._link.line()
            if line.startswith("520 "):
                return AgiReply(520, data=" ".join(usage)[:MAX_LINE_BYTES])
            usage.append(line)
        raise AgiProtocolError(f"usage reply longer than {MAX_USAGE_LINES} lines")

    async def play(self, prompt: str) -> None:
        await self._command(f'STREAM FILE {_token(prompt)} ""')

    async def ask_digit(self, prompt: str, timeout: float) -> str | None:
        reply = await self._command(
            f"GET DATA {_token(prompt)} {int(timeout * 1000)} 1",
            timeout=self._command_timeout + timeout,
        )
        if not reply.result:  # "200 result= (timeout)"
            return None
        if _DIGIT.fullmatch(reply.result) is None:
            raise AgiProtocolError(f"GET DATA: not a key: {reply.result[:20]!r}")
        return reply.result

    async def ask_digits(self, prompt: str, timeout: float, max_digits: int) -> str | None:
        if not 1 <= max_digits <= MAX_DIGITS:
            raise UnsafeAgiValue(f"GET DATA: max_digits {max_digits} out of 1..{MAX_DIGITS}")
        reply = await self._command(
            f"GET DATA {_token(prompt)} {int(timeout * 1000)} {int(max_digits)}",
            timeout=self._command_timeout + timeout * (max_digits + 1),
        )
        if not reply.result:
            return None
        if len(reply.result) > max_digits or _KEYS.fullmatch(reply.result) is None:
            raise AgiProtocolError(f"GET DATA: not keys: {reply.result[:20]!r}")
        return reply.result

    async def say_digits(self, digits: str, escape: str = "") -> str | None:
        if _PHONE_DIGITS.fullmatch(digits) is None or (escape and _KEYS.fullmatch(escape) is None):
            raise UnsafeAgiValue(f"SAY DIGITS takes digits: {digits[:40]!r}")
        reply = await self._command(
            f'SAY DIGITS {digits} "{escape}"', timeout=self._command_timeout + len(digits)
        )
        # result=0: read out whole; otherwise the code of the key that stopped it.
        if reply.result == "0":
            return None
        key = chr(int(reply.result)) if re.fullmatch(r"[0-9]{1,3}", reply.result) else ""
        if _DIGIT.fullmatch(key) is None:
            raise AgiProtocolError(f"SAY DIGITS: not a key: {reply.result[:20]!r}")
        return key

    async def set_variable(self, name: str, value: str) -> None:
        await self._command(f"SET VARIABLE {_token(name, _VARIABLE_NAME)} {quoted(value)}")

    async def hang_up(self, timeout: float | None = None) -> None:
        await self._command("HANGUP", timeout)
