"""The AMI read path: the byte stream cut into frames, each handled in its own try.

panoramisk 1.4's `AMIProtocol.data_received` lets any exception out: a duplicated
header arrives as a list, the first `.lower()` or dict look-up on it raises, asyncio
closes the transport and the link drops, with every message after the bad one in that
read lost. Its read buffer also grows until a blank line arrives, however long that
takes, and it decodes each TCP read on its own, so a UTF-8 character split across two
reads vanishes.

`GuardedAmiProtocol` keeps panoramisk's Manager, its replies to actions and its event
callbacks, and replaces the reader:

- the stream is cut on the blank line that ends every AMI frame, before decoding;
- a frame that grows past `max_frame_bytes` before its blank line is discarded up to
  that blank line and counted: memory stays bounded and the link stays up (an action
  whose reply was inside it times out, as every action has a deadline);
- each frame is decoded as UTF-8 with invalid bytes replaced by U+FFFD (Asterisk passes
  caller names through as the trunk sent them; refusing a Hangup over a name would
  leave a call open forever);
- a header given twice keeps its first value (see `parse_frame`);
- parsing and handling (the reply to a pending action, or the event callbacks, where
  the server translates the event and queues it) run inside one try per frame: what
  raises is counted in `MalformedMessages` and logged at most once a second, and the
  next frame is read. A callback raises before it queues anything, so a refused event
  changes nothing.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import unquote

import structlog
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

log = structlog.get_logger(__name__)

FRAME_END = b"\r\n\r\n"
BANNER = b"Asterisk Call Manager/"
# Command output can run to tens of KB (one Output header a line); the events the
# server reads are 350 bytes on average and 535 at most in tests/data/ami.
DEFAULT_MAX_FRAME_BYTES = 1 << 20
# Headers Asterisk repeats on purpose; every other header keeps its first value.
REPEATABLE_HEADERS = frozenset({"output", "chanvariable", "variable"})
# What panoramisk's own parser treats as a reply with a body after the headers.
_HAS_BODY = ("Response: Follows", "Response: Fail")
# Headers panoramisk unquotes (AGI results).
_QUOTED = "result"


class MalformedMessages:
    """How many AMI frames were refused, with a log of them bounded to one line per
    `log_interval` seconds (the line says how many were not logged since the last)."""

    def __init__(self, log_interval: float = 1.0) -> None:
        self.count = 0
        self._log_interval = log_interval
        self._last_logged = -float("inf")
        self._not_logged = 0

    def record(self, reason: str, frame: bytes | bytearray) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self._last_logged < self._log_interval:
            self._not_logged += 1
            return
        log.warning(
            "ami_malformed_message",
            reason=reason,
            frame=repr(bytes(frame[:200])),
            frame_bytes=len(frame),
            not_logged_since_last=self._not_logged,
            total=self.count,
        )
        self._last_logged = now
        self._not_logged = 0


def parse_frame(text: str) -> Message | None:
    """One AMI frame (without its blank line) as a panoramisk Message, or None when it
    is neither an event nor a reply.

    Parsed as panoramisk's `Message.from_line` does, except for a header given twice:
    panoramisk turns it into a list, which breaks every consumer expecting a str; here
    the first value is kept. Asterisk writes the headers it owns (the channel's
    snapshot) before those a dialplan `UserEvent` adds (as in tests/data/ami), so the
    first value is Asterisk's own. Only `REPEATABLE_HEADERS` (Command output lines,
    channel variables, a Status event's variables) become lists, as in panoramisk.
    """
    lines = text.strip().split("\r\n")
    content = ""
    if lines[0].startswith(_HAS_BODY):
        content = lines.pop()
        while not content and lines:
            content = lines.pop()
    pairs = [line.split(": ", 1) for line in lines if ": " in line]
    # Built straight into CaseInsensitiveDict's store (panoramisk is pinned): building
    # the message through its generic `update` is most of panoramisk's parsing cost.
    store: dict[str, tuple[str, Any]] = {key.lower(): (key, value) for key, value in pairs}
    if len(store) < len(pairs):  # a header given twice: the comprehension kept the last
        firsts: dict[str, list[str]] = {}
        for key, value in pairs:
            firsts.setdefault(key.lower(), []).append(value)
        for lower, values in firsts.items():
            if len(values) > 1:
                kept = values if lower in REPEATABLE_HEADERS else values[0]
                store[lower] = (store[lower][0], kept)
    quoted = store.get(_QUOTED)
    if quoted is not None and isinstance(quoted[1], str):
        store[_QUOTED] = (quoted[0], unquote(quoted[1]).strip())
    if "event" not in store and "response" not in store:
        return None
    message = Message({}, content)
    store["content"] = ("content", content)
    message._store = store
    return message


class GuardedAmiProtocol(AMIProtocol):  # type: ignore[misc]
    """panoramisk's AMI protocol with a reader that no frame can break (module docstring)."""

    version: str | None  # from the banner; set to None by `connection_made`
    closed: bool

    def __init__(self, malformed: MalformedMessages, max_frame_bytes: int) -> None:
        super().__init__()
        self._malformed = malformed
        self._max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()
        # Inside a frame that outgrew the limit: skip up to its blank line.
        self._discarding = False

    @property
    def buffered_bytes(self) -> int:
        """Bytes held for an unfinished frame (never much more than `max_frame_bytes`)."""
        return len(self._buffer)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if self.version is None and buffer.startswith(BANNER):
            banner_end = buffer.find(b"\r\n")
            if banner_end >= 0:
                self.version = buffer[len(BANNER) : banner_end].decode("ascii", "replace")
                del buffer[: banner_end + 2]
        if FRAME_END not in buffer:
            frames: list[bytearray] = []
        else:
            *frames, self._buffer = buffer.split(FRAME_END)
            buffer = self._buffer
        for frame in frames:
            if self.closed:
                break
            if self._discarding:
                self._discarding = False  # the end of a frame already counted
            elif len(frame) > self._max_frame_bytes:
                self._malformed.record("frame too long", frame)
            else:
                self._handle_frame(frame)
        # What is left is one unfinished frame, perhaps with the start of its blank line.
        if len(buffer) > self._max_frame_bytes + len(FRAME_END) - 1:
            if not self._discarding:
                self._malformed.record("frame too long", buffer)
                self._discarding = True
            # Keep what could be the start of the blank line that ends the frame.
            del buffer[: -(len(FRAME_END) - 1)]

    def _handle_frame(self, frame: bytearray) -> None:
        try:
            text = frame.decode(getattr(self, "encoding", "utf-8"), "replace")
            if not text.strip():
                return  # a stray blank line between frames
            message = parse_frame(text)
            if message is None:
                self._malformed.record("neither an event nor a reply", frame)
                return
            self.handle_message(message)
        except Exception as exc:
            self._malformed.record(f"{type(exc).__name__}: {exc}", frame)
