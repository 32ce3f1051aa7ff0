"""Event ingest: AMI events per second the server processes end to end, against the
ceiling of parsing alone.

    .venv/bin/python scripts/bench/ingest.py [--quick] [--rounds N] [--no-report]

A small AMI server on loopback (this process) answers every action with Success
and, once the client has logged in, streams a recorded-
shape call load: per call the events the server subscribes to (acd.ami.events.
SUBSCRIBED_EVENTS) as Asterisk sends them for a caller who arrives, is parked in
[acd-wait] and hangs up while waiting (no agent is logged in, so there is no
Originate round trip to wait for).

- parse only: panoramisk behind our AmiClient, the sink only counts messages;
- end to end: the real server (`start_server`: AMI client, event translation, the
  single writer and the routing core, the journal writer to a temporary SQLite file,
  the bus with one subscriber): timed until every call's CallEnded is on the bus and
  its journal row is written.

This machine is shared and noisy: one pair of runs gave anywhere from 27 % to 79 %.
So the two paths alternate for several rounds, each round on calls of its own (new
numbers and channel ids: nothing one round parsed or normalised is cached for the
next), after one warm-up round that is not counted; the medians are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]

import _common as common  # noqa: E402
from acd_server import bench_centre  # noqa: E402

from acd.ami.client import AmiClient  # noqa: E402
from acd.bootstrap import freeze_startup_heap, start_server  # noqa: E402
from acd.config import load_settings  # noqa: E402
from acd.logs import configure_logging  # noqa: E402
from acd.telephony.events import CallEnded  # noqa: E402
from crm.db.migrate import upgrade_async  # noqa: E402


def _event(name: str, stamp: float, **fields: str) -> bytes:
    head = {
        "Event": name,
        "Privilege": "call,all",
        "Timestamp": f"{stamp:.6f}",
        "SystemName": "aiguilleur",
    }
    lines = [f"{k}: {v}" for k, v in {**head, **fields}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def call_events(n: int, stamp: float) -> list[bytes]:
    """The subscribed events of one caller who waits and hangs up (shape of a real trace)."""
    uid1, uid2 = f"aiguilleur-{stamp:.0f}.{2 * n}", f"aiguilleur-{stamp:.0f}.{2 * n + 1}"
    chan = f"Local/{common.BENCH_DID}@from-trunk-{n:08x}"
    caller = f"06{n:08d}"

    def chan_fields(c: str, uid: str, exten: str = common.BENCH_DID) -> dict[str, str]:
        return {
            "Channel": c,
            "ChannelState": "6",
            "ChannelStateDesc": "Up",
            "CallerIDNum": caller,
            "CallerIDName": "<unknown>",
            "ConnectedLineNum": "<unknown>",
            "ConnectedLineName": "<unknown>",
            "Language": "en",
            "AccountCode": "",
            "Context": "from-trunk",
            "Exten": exten,
            "Priority": "1",
            "Uniqueid": uid,
            "Linkedid": uid1,
        }

    return [
        _event("Newchannel", stamp, **chan_fields(chan + ";1", uid1)),
        _event("Newchannel", stamp, **chan_fields(chan + ";2", uid2)),
        _event(
            "DeviceStateChange", stamp, Device=f"Local/{common.BENCH_DID}@from-trunk", State="INUSE"
        ),
        _event(
            "UserEvent",
            stamp,
            **chan_fields(chan + ";2", uid2),
            UserEvent="AcdInbound",
            DID=common.BENCH_DID,
        ),
        _event(
            "UserEvent",
            stamp,
            **chan_fields(chan + ";2", uid2, "s"),
            UserEvent="AcdWaiting",
            Queue=common.QUEUE,
        ),
        _event(
            "Hangup",
            stamp,
            **chan_fields(chan + ";2", uid2, "s"),
            Cause="16",
            **{"Cause-txt": "Normal Clearing"},
        ),
        _event(
            "Hangup",
            stamp,
            **chan_fields(chan + ";1", uid1),
            Cause="16",
            **{"Cause-txt": "Normal Clearing"},
        ),
        _event(
            "DeviceStateChange",
            stamp,
            Device=f"Local/{common.BENCH_DID}@from-trunk",
            State="NOT_INUSE",
        ),
    ]


class FakeAmi:
    """Answers every action with Success; streams `payload` once the client has logged
    in (the manager user's eventfilter lines, not a Filter action, pick the events)."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.server: asyncio.Server | None = None
        self.sent_at = 0.0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        action: dict[str, str] = {}
        streamed = False
        while line := await reader.readline():
            text = line.decode().strip()
            if text:
                key, _, value = text.partition(":")
                action[key.strip().lower()] = value.strip()
                continue
            reply = f"Response: Success\r\nActionID: {action.get('actionid', '')}\r\nMessage: ok\r\n\r\n"
            writer.write(reply.encode())
            name = action.get("action", "").lower()
            action = {}
            if not streamed and name == "login":
                streamed = True
                await writer.drain()
                self.sent_at = time.perf_counter()
                asyncio.get_running_loop().create_task(self._stream(writer))

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        step = 1 << 16
        for start in range(0, len(self.payload), step):
            writer.write(self.payload[start : start + step])
            await writer.drain()


async def parse_only(payload: bytes, events: int) -> float:
    fake = FakeAmi(payload)
    port = await fake.start()
    done = asyncio.Event()
    count = 0

    def sink(message: Any) -> None:
        nonlocal count
        if hasattr(message, "get") and message.get("Event"):
            count += 1
            if count >= events:
                done.set()

    client = AmiClient(
        host="127.0.0.1", port=port, username="bench", secret="x", sink=sink, events=None
    )
    await client.start()
    await asyncio.wait_for(done.wait(), 600)
    elapsed = time.perf_counter() - fake.sent_at
    await client.close()
    await fake.stop()
    return events / elapsed


async def end_to_end(payload: bytes, events: int, calls: int) -> float:
    fake = FakeAmi(payload)
    port = await fake.start()
    with tempfile.TemporaryDirectory(prefix="aiguilleur-ingest-") as workdir:
        settings = load_settings(
            env={},
            overrides={
                "http.port": 0,
                "fastagi.port": 0,
                "ami.port": port,
                "ami.secret": "x",
                "database_url": f"sqlite+aiosqlite:///{Path(workdir) / 'journal.sqlite3'}",
            },
        )
        await upgrade_async(settings.database_url)
        server = await start_server(settings, bench_centre(0, 1.0))
        freeze_startup_heap()  # as `acd serve` does
        ended = 0
        try:
            # The bench waits for the ends of calls only (the bus filters by kind).
            with server.bus.subscribe((CallEnded,)) as queue:
                async with asyncio.timeout(600):
                    while ended < calls:
                        await queue.get()
                        ended += 1
                await server.journal.drain()
            elapsed = time.perf_counter() - fake.sent_at
        finally:
            await server.stop()
            await fake.stop()
    return events / elapsed


def payload_of_round(index: int, calls: int, stamp: float) -> list[bytes]:
    """The events of `calls` calls that no other round shares (numbers, channel ids)."""
    first = index * calls
    return [e for n in range(first, first + calls) for e in call_events(n, stamp)]


async def main_async(calls: int, rounds: int) -> dict[str, Any]:
    stamp = time.time()
    configure_logging("json", "warning")
    parse: list[float] = []
    e2e: list[float] = []
    for index in range(rounds + 1):  # round 0 warms up and is not counted
        chunks = payload_of_round(2 * index, calls, stamp)
        parse_rate = await parse_only(b"".join(chunks), len(chunks))
        chunks = payload_of_round(2 * index + 1, calls, stamp)
        payload = b"".join(chunks)
        e2e_rate = await end_to_end(payload, len(chunks), calls)
        if index:
            parse.append(parse_rate)
            e2e.append(e2e_rate)
    return {
        "calls": calls,
        "events": len(chunks),
        "bytes_per_event": len(payload) / len(chunks),
        "events_per_s": statistics.median(e2e),
        "parse_only_events_per_s": statistics.median(parse),
        "shares": [e / p for e, p in zip(e2e, parse, strict=True)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--calls", type=int, default=5000, help="calls per round and path")
    parser.add_argument("--rounds", type=int, default=11, help="counted rounds (median)")
    parser.add_argument(
        "--no-report", action="store_true", help="do not write the run to var/bench/"
    )
    args = parser.parse_args()
    if args.quick:
        args.calls, args.rounds = 500, 1
    r = asyncio.run(main_async(args.calls, args.rounds))
    share = r["events_per_s"] / r["parse_only_events_per_s"]
    table = common.table(
        ["path", "median events/s", "share of parse-only"],
        [
            ["parse only (panoramisk + AmiClient)", round(r["parse_only_events_per_s"]), "100%"],
            ["end to end (parse, state, journal, bus)", round(r["events_per_s"]), f"{share:.0%}"],
        ],
    )
    shares = ", ".join(f"{x:.0%}" for x in sorted(r["shares"]))
    table += (
        f"\n\nShare of parse-only in each counted round, lowest first: {shares} "
        f"(median {statistics.median(r['shares']):.0%})."
    )
    print(table)
    result = {
        "events_per_s": round(r["events_per_s"]),
        "parse_only_events_per_s": round(r["parse_only_events_per_s"]),
    }
    if not args.no_report:
        common.record_run(
            "Event ingest" + (" (--quick)" if args.quick else ""),
            f"{r['events'] / r['calls']:.0f} subscribed events per call, {r['bytes_per_event']:.0f} bytes "
            f"each; log level warning; {r['calls']:,} calls ({r['events']:,} events) per path "
            f"and round, {args.rounds} rounds after a warm-up, each path on calls of its "
            f"own.\n\n{table}",
            result,
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
