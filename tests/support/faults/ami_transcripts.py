"""Recorded AMI transcripts (tests/data/ami/, see scripts/ami-capture) and the faults
that can be made of them, each with what the server must make of it.

A transcript is a list of frames (bytes without their blank line). A mutation turns one
frame into the bytes put on the wire and says what the reader must deliver for them:
a translated event (or None for an event the server ignores), or MALFORMED when the
frame must be dropped and counted. That expectation is computed from the AMI spec as
the server reads it, independently of the reader: split on the blank line, one header
a line, the first value of a header given twice wins, invalid UTF-8 replaced.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol

from acd.ami.events import MalformedEvent, translate
from acd.ami.reader import GuardedAmiProtocol, MalformedMessages

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "ami"
END = b"\r\n\r\n"
# The frame limit the fault tests give the reader (real Asterisk events are < 4 KB).
MAX_FRAME_BYTES = 8192
MALFORMED = "malformed"


def transcript(name: str) -> list[bytes]:
    frames = (DATA / name).read_bytes().split(END)
    assert frames[-1] == b"", f"{name} does not end with a whole frame"
    return frames[:-1]


def transcripts() -> list[str]:
    return sorted(path.name for path in DATA.glob("*.ami"))


def expected(frame: bytes) -> Any:
    """What the reader must deliver for one frame on the wire (its blank line excluded)."""
    if len(frame) > MAX_FRAME_BYTES:
        return MALFORMED
    text = frame.decode("utf-8", "replace").strip()
    if not text:
        return None
    headers: dict[str, str] = {}
    for line in text.split("\r\n"):
        key, separator, value = line.partition(": ")
        if separator:
            headers.setdefault(key.lower(), value)
    if "event" not in headers and "response" not in headers:
        return MALFORMED
    try:
        return translate(_Headers(headers))
    except MalformedEvent:
        return MALFORMED


class _Headers(dict[str, str]):
    """Case-insensitive look-ups, as AMI headers are read."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


def as_record(event: Any) -> dict[str, Any]:
    """A translated event as plain data, for comparisons and the golden files."""
    return {"type": type(event).__name__, **dataclasses.asdict(event)}


# --- the reader without a socket ---------------------------------------------------


class _Transport:
    def __init__(self) -> None:
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True


class ProtocolReplay:
    """A guarded protocol on a transport that goes nowhere, its events translated the way
    the telephony service's sink does (a MalformedEvent raises out of the callback)."""

    def __init__(
        self, max_frame_bytes: int = MAX_FRAME_BYTES, protocol: type[AMIProtocol] | None = None
    ):
        self.malformed = MalformedMessages()
        self.protocol = (
            GuardedAmiProtocol(self.malformed, max_frame_bytes) if protocol is None else protocol()
        )
        self.transport = _Transport()
        self.protocol.connection_made(self.transport)
        self.manager = Manager()
        self.manager.register_event("*", self._on_event)
        self.protocol.factory = self.manager
        self.events: list[Any] = []

    def _on_event(self, _: Manager, message: Any) -> None:
        event = translate(message)
        if event is not None:
            self.events.append(event)

    def feed(self, *chunks: bytes) -> None:
        for chunk in chunks:
            self.protocol.data_received(chunk)


# --- faults -------------------------------------------------------------------------

Mutation = Callable[[bytes], bytes]
# Bytes that cannot form a header or end a line: junk the reader must skip over.
junk = st.binary(min_size=1, max_size=300).map(
    lambda b: b"junk " + b.replace(b":", b"").replace(b"\r", b"").replace(b"\n", b"")
)


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    """One fault made of one frame."""
    kind = draw(
        st.sampled_from(
            [
                "duplicate_header",
                "junk_frame_before",
                "junk_line_before",
                "missing_colon",
                "huge_value",
                "nul_in_value",
                "control_in_value",
                "invalid_utf8",
                "cut_short",
                "oversized_frame",
            ]
        )
    )
    line_at = draw(st.integers(min_value=0, max_value=10**6))
    cut_at = draw(st.integers(min_value=1, max_value=10**6))
    blob = draw(junk)
    huge = draw(st.integers(min_value=256, max_value=MAX_FRAME_BYTES // 2))

    def on_line(frame: bytes, change: Callable[[bytes], list[bytes]]) -> bytes:
        lines = frame.split(b"\r\n")
        at = line_at % len(lines)
        return b"\r\n".join([*lines[:at], *change(lines[at]), *lines[at + 1 :]])

    def in_value(frame: bytes, inserted: bytes) -> bytes:
        return on_line(frame, lambda line: [line + inserted])

    faults: dict[str, Mutation] = {
        "duplicate_header": lambda f: on_line(f, lambda line: [line, line + b"-second"]),
        "junk_frame_before": lambda f: blob + END + f,
        "junk_line_before": lambda f: blob + b"\r\n" + f,
        "missing_colon": lambda f: on_line(f, lambda line: [line.replace(b": ", b" ", 1)]),
        "huge_value": lambda f: in_value(f, b"x" * huge),
        "nul_in_value": lambda f: in_value(f, b"\x00"),
        "control_in_value": lambda f: in_value(f, b"\x1b[2J\n"),
        "invalid_utf8": lambda f: in_value(f, b"\xff\xfe\xc3"),
        "cut_short": lambda f: f[: cut_at % len(f) + 1],
        "oversized_frame": lambda f: f + b"\r\nPadding: " + b"p" * MAX_FRAME_BYTES,
    }
    fault = faults[kind]
    fault.__name__ = kind
    return fault


@st.composite
def faulty_streams(draw: st.DrawFn, frames: list[bytes]) -> tuple[list[bytes], list[Any]]:
    """The transcript with some frames replaced by faults: the wire frames, and what the
    reader must deliver for each."""
    chosen = draw(
        st.dictionaries(
            st.integers(min_value=0, max_value=len(frames) - 1), mutations(), max_size=8
        )
    )
    wire: list[bytes] = []
    for index, frame in enumerate(frames):
        wire.append(chosen[index](frame) if index in chosen else frame)
    return wire, [expected(frame) for part in wire for frame in part.split(END)]


def on_the_wire(frames: list[bytes]) -> bytes:
    return b"".join(frame + END for frame in frames)


def write_goldens() -> None:
    """Rewrite each transcript's golden file from what the reader makes of it today."""
    for name in transcripts():
        replay = ProtocolReplay()
        replay.feed(on_the_wire(transcript(name)))
        records = [as_record(event) for event in replay.events]
        golden = (DATA / name).with_suffix(".golden.json")
        golden.write_text(json.dumps(records, indent=1) + "\n")
        print(f"{golden}: {len(records)} events, {replay.malformed.count} malformed")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--golden"]:
        sys.exit("usage: python -m tests.support.faults.ami_transcripts --golden")
    write_goldens()
