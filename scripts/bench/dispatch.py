"""Dispatch latency and sustained call rate on the sandbox Asterisk, ours vs app_queue.

    scripts/asterisk-sandbox up && .venv/bin/python scripts/bench/dispatch.py [--quick]

Both ACDs run on the same Asterisk in the same run, one after the other, with the
same seeded Poisson arrivals and the same auto-answering Local-channel phones:

- ours: the server as its own process (scripts/bench/acd_server.py): callers dial a
  DID that goes straight to one queue (FastAGI IVR, then parked in [acd-wait]);
- app_queue: callers enter [bench-appqueue] (Answer, Queue(bench)); the members are
  the same phones, added over AMI with penalty 0 (primary) or 1 (secondary).

A caller's wait runs from entering the queue (our AcdWaiting UserEvent, app_queue's
QueueCallerJoin) to its BridgeEnter, on Asterisk's own event timestamps, read by
this driver over its own AMI session. CPU is read from /proc for the server and
Asterisk separately. Each system's call-rate steps start on a restarted sandbox
Asterisk. The last line is one JSON object (95 % load, largest size).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]

import _common as common  # noqa: E402
from _common import BENCH_DID, agent_ids, is_primary  # noqa: E402

from acd.ami import actions  # noqa: E402
from acd.ami.client import AmiClient, AmiError, AmiLink  # noqa: E402

# The phones' Answer() holds the channel ~0.5 s before Wait() starts (ASTERISK-NOTES).
ANSWER_DELAY = 0.5
# The rest after each call, the same for both. queues.conf has [bench] wrapuptime = 1,
# but app_queue compares it with whole seconds (time(NULL) against the member's last
# call, a time_t), so a member rests between 0 and 1 s, 0.5 s on average; the server
# gets that average.
WRAPUP = 0.5
DRIVER_EVENTS = "UserEvent|QueueCallerJoin|QueueCallerAbandon|BridgeEnter|Hangup|OriginateResponse"


@dataclass
class Caller:
    uid: str
    offset: float  # planned arrival, seconds after the run's start
    sent: float = 0.0  # wall clock when originated
    channel: str = ""
    joined: float | None = None
    bridged: float | None = None
    hung: float | None = None
    failed: bool = False


@dataclass
class Tracker:
    """Everything the driver's AMI session sees about the current run's callers."""

    callers: dict[str, Caller] = field(default_factory=dict)
    drops: int = 0
    on_up: Any = None

    def sink(self, message: Any) -> None:
        if isinstance(message, AmiLink.Down):
            self.drops += 1
        if isinstance(message, AmiLink.Up) and self.on_up is not None:
            self.on_up()
        if not hasattr(message, "get"):
            return
        caller = self.callers.get(message.get("Uniqueid", ""))
        if caller is None:
            return
        name = message.get("Event")
        stamp = float(message.get("Timestamp") or time.time())
        if name == "BridgeEnter":
            if caller.bridged is None:
                caller.bridged = stamp
        elif name == "QueueCallerJoin" or (
            name == "UserEvent" and message.get("UserEvent") == "AcdWaiting"
        ):
            caller.joined = caller.joined or stamp
            caller.channel = message.get("Channel", caller.channel)
        elif name == "Hangup":
            caller.hung = stamp


@dataclass
class RunResult:
    system: str
    agents: int
    load: float
    rate: float
    offered: int
    measured: int
    waits_ms: list[float]
    bridged: int
    lost: int
    stuck: int
    duration: float
    cpu_ours: float | None
    cpu_asterisk: float
    hold_s: float
    backlog_start: int
    backlog_end: int
    bridged_in_window: int
    window: float
    disrupted: bool = False

    def pct(self, p: float) -> float:
        return common.percentile(self.waits_ms, p)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tracker = Tracker()
        self.ami = AmiClient(
            host="127.0.0.1",
            port=5038,
            username=common.AMI_TEST_USER,
            secret=common.ami_test_secret(),
            sink=self.tracker.sink,
            action_timeout=10,
        )
        self.server: subprocess.Popen[bytes] | None = None
        self.server_pid: int | None = None
        self.run_no = 0
        self.members = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self.fastagi = ""

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.tracker.on_up = lambda: self._spawn(loop.create_task(self._filter()))
        await self.ami.start()
        await self.ami.wait_connected(10)
        await asyncio.sleep(0.5)

    def _spawn(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _filter(self) -> None:
        # This session only needs its own callers' milestones (lost on reconnect).
        await self.ami.send(actions.filter_add(f"Event: ({DRIVER_EVENTS})[[:space:]]"))

    async def close(self) -> None:
        await self.stop_server()
        await self.remove_members()
        await self.ami.close()

    # --- the two ACDs -------------------------------------------------------------

    async def phones(self, count: int, talk: float) -> None:
        for agent_id in agent_ids(count):
            await self.ami.send(actions.db_put("testphone", f"{agent_id}/mode", "answer"))
            await self.ami.send(
                actions.db_put(
                    "testphone", f"{agent_id}/talk", f"{max(0.05, talk - ANSWER_DELAY):.2f}"
                )
            )

    async def start_server(self, agents: int) -> None:
        await self.stop_server()
        ready = Path(tempfile.mkdtemp(prefix="aiguilleur-bench-")) / "ready.json"
        log = open(ready.with_name("server.log"), "wb")  # noqa: SIM115, ASYNC230
        self.server = subprocess.Popen(  # noqa: ASYNC220
            [
                sys.executable,
                str(Path(__file__).with_name("acd_server.py")),
                "--agents",
                str(agents),
                "--wrapup",
                str(WRAPUP),
                "--ready",
                str(ready),
                "--log-level",
                self.args.server_log_level,
                *(["--profile", str(self.args.server_profile)] if self.args.server_profile else []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not ready.exists():
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the bench server did not start; see {log.name}")
            await asyncio.sleep(0.1)
        self.server_pid = self.server.pid
        # Pin this run's callers to this server's IVR: the global ACD_AGI belongs to
        # whichever server logged in last (the sandbox is shared with the tests).
        self.fastagi = json.loads(ready.read_text())["fastagi"]

    async def stop_server(self) -> None:
        if self.server is not None:
            self.server.send_signal(signal.SIGTERM)
            for _ in range(100):
                if self.server.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                self.server.kill()
            self.server = None
            self.server_pid = None

    async def add_members(self, agents: int) -> None:
        # QueueAdd over the CLI: panoramisk waits for an event after QueueAdd's reply.
        await self.remove_members(max(agents, 2000))
        for n, agent_id in enumerate(agent_ids(agents)):
            penalty = 0 if is_primary(n) else 1
            await self._cli(
                f"queue add member Local/{agent_id}@test-phones to bench penalty {penalty} as {agent_id}"
            )
        self.members = agents

    async def remove_members(self, count: int | None = None) -> None:
        for agent_id in agent_ids(self.members if count is None else count):
            with contextlib.suppress(AmiError):
                await self._cli(f"queue remove member Local/{agent_id}@test-phones from bench")
        self.members = 0

    async def restart_asterisk(self) -> None:
        """A freshly started sandbox Asterisk: a step past the machine's capacity can
        leave thousands of channels behind and Asterisk busy with them for minutes,
        which the next system's steps would inherit."""
        for verb in ("down", "up"):
            process = await asyncio.create_subprocess_exec(
                str(common.REPO / "scripts" / "asterisk-sandbox"),
                verb,
                stdout=asyncio.subprocess.DEVNULL,
            )
            await process.wait()
        await self.ami.wait_connected(120)
        await asyncio.sleep(2)

    async def _cli(self, command: str) -> None:
        await self.ami.send(actions.command(command))

    # --- one run ------------------------------------------------------------------

    async def _originate(self, system: str, caller: Caller, number: str) -> None:
        caller.sent = time.time()
        target = (
            f"Local/{BENCH_DID}@from-trunk"
            if system == "ours"
            else f"Local/{number}@bench-appqueue"
        )
        try:
            await self.ami.send(
                actions.originate_wait(
                    target,
                    caller_id=f"<{number}>",
                    channel_id="o" + caller.uid,
                    other_channel_id=caller.uid,
                    # Inherited by the dialplan side (;2), where it shadows the global.
                    variable=f"__ACD_AGI={self.fastagi}" if system == "ours" else "BENCH=1",
                ),
                timeout=30,
            )
        except AmiError:
            caller.failed = True

    async def run(
        self,
        system: str,
        agents: int,
        rate: float,
        duration: float,
        seed: int,
        load: float,
        warm: float,
    ) -> RunResult:
        self.run_no += 1
        offsets = arrivals(rate, duration, seed)
        prefix = f"bench{os.getpid()}r{self.run_no}c"
        callers = [Caller(f"{prefix}{n}", offset) for n, offset in enumerate(offsets)]
        self.tracker.callers = {c.uid: c for c in callers}
        tasks: set[asyncio.Task[None]] = set()
        await self.ami.wait_connected(120)
        drops = self.tracker.drops
        ast_pid = common.asterisk_pid()
        cpu0 = (common.cpu_seconds(ast_pid), self._server_cpu())
        t0 = time.time()
        backlog: list[int] = []
        next_sample = 1.0
        for n, caller in enumerate(callers):
            delay = t0 + caller.offset - time.time()
            while delay > 0:
                if t0 + next_sample <= time.time():
                    backlog.append(self._waiting())
                    next_sample += 1.0
                await asyncio.sleep(min(delay, 0.05))
                delay = t0 + caller.offset - time.time()
            # Every caller is a new customer: a number seen before would bring the
            # server's affinity rules (S9, P5) into play, which app_queue lacks.
            number = f"06{self.run_no % 100:02d}{n:06d}"
            task = asyncio.create_task(self._originate(system, caller, number))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        while time.time() < t0 + duration:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.time() - t0
        cpu1 = (common.cpu_seconds(ast_pid), self._server_cpu())
        backlog.append(self._waiting())
        # Drain: every caller bridged (or gone), then every caller hung up.
        hold = self.args.talk
        deadline = time.time() + max(30.0, 3 * (hold + WRAPUP))
        while time.time() < deadline and any(  # noqa: ASYNC110
            c.bridged is None and c.hung is None and not c.failed for c in callers
        ):
            await asyncio.sleep(0.1)
        deadline = time.time() + hold + WRAPUP + 10
        while time.time() < deadline and any(c.hung is None and not c.failed for c in callers):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        stuck = [c for c in callers if c.hung is None and not c.failed]
        for caller in stuck:  # leave a clean Asterisk for the next run
            if caller.channel:
                with contextlib.suppress(AmiError):
                    await self.ami.send(actions.hangup(caller.channel))
        await asyncio.sleep(WRAPUP + 0.5)  # agents back from wrap-up before the next run
        measured = [c for c in callers if c.offset >= warm and c.joined and c.bridged]
        holds = [
            c.hung - c.bridged for c in callers if c.bridged is not None and c.hung is not None
        ]
        window_start, window_end = t0 + warm, t0 + duration
        return RunResult(
            system=system,
            agents=agents,
            load=load,
            rate=rate,
            offered=len(callers),
            measured=len(measured),
            waits_ms=[(c.bridged - c.joined) * 1000 for c in measured],  # type: ignore[operator]
            bridged=sum(1 for c in callers if c.bridged is not None),
            lost=sum(1 for c in callers if c.failed or (c.bridged is None and c.hung is not None)),
            stuck=len(stuck),
            duration=elapsed,
            cpu_ours=(cpu1[1] - cpu0[1]) / elapsed
            if cpu0[1] is not None and cpu1[1] is not None
            else None,
            cpu_asterisk=(cpu1[0] - cpu0[0]) / elapsed,
            hold_s=common.mean(holds),
            backlog_start=backlog[len(backlog) // 3] if backlog else 0,
            backlog_end=backlog[-1] if backlog else 0,
            bridged_in_window=sum(
                1
                for c in callers
                if c.bridged is not None and window_start <= c.bridged < window_end
            ),
            window=duration - warm,
            disrupted=self.tracker.drops != drops or common.asterisk_pid() != ast_pid,
        )

    async def run_valid(self, *args: Any) -> RunResult:
        """A run, repeated once when Asterisk restarted under it (shared sandbox)."""
        result = await self.run(*args)
        if result.disrupted:
            print("  (Asterisk restarted during the run: repeating it)", flush=True)
            await self.ami.wait_connected(120)
            await asyncio.sleep(2)
            result = await self.run(*args)
        return result

    def _waiting(self) -> int:
        return sum(
            1
            for c in self.tracker.callers.values()
            if c.sent and c.bridged is None and c.hung is None and not c.failed
        )

    def _server_cpu(self) -> float | None:
        return common.cpu_seconds(self.server_pid) if self.server_pid else None


def arrivals(rate: float, duration: float, seed: int) -> list[float]:
    """Seeded Poisson arrival offsets, in seconds from the run's start."""
    rng = random.Random(seed)
    offsets, t = [], rng.expovariate(rate)
    while t < duration:
        offsets.append(t)
        t += rng.expovariate(rate)
    return offsets


def ideal_waits_ms(
    agents: int, rate: float, duration: float, seed: int, warm: float, service: float
) -> list[float]:
    """The waits a zero-overhead ACD would give the same arrivals: each caller goes to
    the first agent free, at once, and every call holds its agent `service` seconds.
    No ACD can do better, so a row's waits are read against these."""
    free_at = [0.0] * agents
    waits = []
    for offset in arrivals(rate, duration, seed):
        start = max(offset, heapq.heappop(free_at))
        heapq.heappush(free_at, start + service)
        if offset >= warm:
            waits.append((start - offset) * 1000)
    return waits


# --- the two benchmarks ---------------------------------------------------------------------


def row_duration(args: argparse.Namespace, rate: float) -> float:
    """Arrivals long enough for `--min-timed` callers after the warm-up: a p99 of ~100
    waits is their second-longest, and two runs of the same row disagree by a factor."""
    return max(args.duration, args.warm + args.min_timed / rate)


async def latency_matrix(bench: Bench, args: argparse.Namespace) -> list[RunResult]:
    """Benchmark 1: waits at 70/85/95 % of capacity N/(talk + wrap-up), plus saturation."""
    results: list[RunResult] = []
    service = args.talk + WRAPUP
    for agents in args.agents:
        saturation = [args.saturation] if args.saturation and agents == max(args.agents) else []
        loads = [*args.loads, *saturation]
        await bench.phones(agents, args.talk)
        for system in ("ours", "app_queue"):
            if system == "ours":
                await bench.remove_members()
                await bench.start_server(agents)
            else:
                await bench.stop_server()
                await bench.add_members(agents)
            await asyncio.sleep(1)
            for load in loads:
                rate = load * agents / service
                result = await bench.run_valid(
                    system, agents, rate, row_duration(args, rate), args.seed, load, args.warm
                )
                _print_run(result)
                results.append(result)
        await bench.stop_server()
        await bench.remove_members()
    return results


async def rate_search(bench: Bench, args: argparse.Namespace) -> list[RunResult]:
    """Benchmark 2: rising call rates with short calls until one is not sustained."""
    results: list[RunResult] = []
    agents = args.rate_agents
    saved_talk = args.talk
    args.talk = args.rate_talk
    try:
        for system in ("ours", "app_queue"):
            await bench.stop_server()
            await bench.restart_asterisk()  # members and servers are gone with it
            await bench.phones(agents, args.rate_talk)
            if system == "ours":
                await bench.start_server(agents)
            else:
                await bench.add_members(agents)
            await asyncio.sleep(1)
            for rate in args.rates:
                load = rate * (args.rate_talk + WRAPUP) / agents
                result = await bench.run_valid(
                    system,
                    agents,
                    rate,
                    args.rate_duration,
                    args.seed,
                    load,
                    args.rate_duration / 3,
                )
                _print_run(result, sustained=sustained(result))
                results.append(result)
                if not sustained(result):
                    break
        await bench.stop_server()
        await bench.remove_members()
    finally:
        args.talk = saved_talk
    return results


def sustained(result: RunResult) -> bool:
    """Zero lost or stuck calls, every caller connected, and no backlog building up."""
    return (
        result.lost == 0
        and result.stuck == 0
        and result.bridged == result.offered
        and result.backlog_end <= max(5, result.backlog_start + result.rate)
        and result.pct(99) < 2000
    )


def _print_run(result: RunResult, sustained: bool | None = None) -> None:
    extra = "" if sustained is None else f" sustained={sustained}"
    extra += " DISRUPTED" if result.disrupted else ""
    print(
        f"  {result.system:<9} agents={result.agents} load={result.load:.0%} rate={result.rate:.1f}/s "
        f"offered={result.offered} bridged={result.bridged} lost={result.lost} stuck={result.stuck} "
        f"p50={result.pct(50):.1f}ms p99={result.pct(99):.1f}ms hold={result.hold_s:.2f}s "
        f"backlog={result.backlog_start}->{result.backlog_end} cpu ours={_cpu(result.cpu_ours)} "
        f"asterisk={_cpu(result.cpu_asterisk)}{extra}",
        flush=True,
    )


def _cpu(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def report(
    args: argparse.Namespace, matrix: list[RunResult], rates: list[RunResult]
) -> dict[str, Any]:
    service = args.talk + WRAPUP
    rows = []
    for r in matrix:
        share = r.bridged_in_window * service / (r.agents * r.window)
        duration = row_duration(args, r.rate)
        ideal = ideal_waits_ms(r.agents, r.rate, duration, args.seed, args.warm, service)
        rows.append(
            [
                r.system,
                r.agents,
                f"{r.load:.0%}",
                round(r.rate, 1),
                r.offered,
                r.measured,
                round(r.pct(50), 1),
                round(r.pct(95), 1),
                round(r.pct(99), 1),
                round(common.percentile(ideal, 99), 1),
                round(max(r.waits_ms, default=float("nan")), 1),
                r.lost,
                r.stuck,
                f"{min(share, 9.99):.1%}" if r.load > 1 else "",
                _cpu(r.cpu_ours),
                _cpu(r.cpu_asterisk),
            ]
        )
    latency_table = common.table(
        [
            "ACD",
            "agents",
            "load",
            "calls/s",
            "offered",
            "timed",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "ideal p99 ms",
            "max ms",
            "lost",
            "stuck",
            "work done",
            "server CPU",
            "Asterisk CPU",
        ],
        rows,
    )
    rate_rows = [
        [
            r.system,
            round(r.rate, 1),
            r.offered,
            r.bridged,
            r.lost,
            r.stuck,
            f"{r.backlog_start}→{r.backlog_end}",
            round(r.pct(50), 1),
            round(r.pct(99), 1),
            _cpu(r.cpu_ours),
            _cpu(r.cpu_asterisk),
            "yes" if sustained(r) else "no",
        ]
        for r in rates
    ]
    rate_table = common.table(
        [
            "ACD",
            "calls/s",
            "offered",
            "bridged",
            "lost",
            "stuck",
            "waiting",
            "p50 ms",
            "p99 ms",
            "server CPU",
            "Asterisk CPU",
            "sustained",
        ],
        rate_rows,
    )

    def best(system: str) -> float:
        ok = [r.rate for r in rates if r.system == system and sustained(r)]
        return max(ok, default=0.0)

    top = max(args.agents)
    key = [r for r in matrix if r.agents == top and abs(r.load - 0.95) < 1e-6]
    ours = next((r for r in key if r.system == "ours"), None)
    theirs = next((r for r in key if r.system == "app_queue"), None)
    near50 = [r for r in rates if r.system == "ours" and r.cpu_ours is not None]
    at50 = min(near50, key=lambda r: abs(r.rate - 50), default=None)
    result = {
        "agents": top,
        "load": 0.95,
        "ours_p50_ms": round(ours.pct(50), 2) if ours else None,
        "ours_p99_ms": round(ours.pct(99), 2) if ours else None,
        "app_queue_p50_ms": round(theirs.pct(50), 2) if theirs else None,
        "app_queue_p99_ms": round(theirs.pct(99), 2) if theirs else None,
        "ours_max_cps": best("ours"),
        "app_queue_max_cps": best("app_queue"),
        "ours_cpu_pct": round(ours.cpu_ours * 100, 1)
        if ours and ours.cpu_ours is not None
        else None,
        "ours_cpu_pct_at_cps": (
            {"cps": round(at50.rate, 1), "cpu_pct": round((at50.cpu_ours or 0) * 100, 1)}
            if at50
            else None
        ),
    }
    body = (
        f"Talk {args.talk:g} s + wrap-up {WRAPUP:g} s per call (capacity = agents / {service:g} s), "
        f"Poisson arrivals for {args.duration:g} s per row, longer where that times fewer than "
        f"{args.min_timed} callers (seed {args.seed}); waits of callers "
        f'arriving after the first {args.warm:g} s. "work done" (saturation rows only): calls '
        f"connected during the measured window × {service:g} s / (agents × window). "
        f'"ideal p99": a zero-overhead ACD on the same arrivals (the first free agent at once, '
        f"every call holding its agent {service:g} s), the floor for any ACD.\n\n"
        f"{latency_table}\n\n"
        f"Sustained call rate: {args.rate_agents} agents, talk {args.rate_talk:g} s + wrap-up "
        f"{WRAPUP:g} s, {args.rate_duration:g} s per step, rising until a step is not sustained "
        f"(a lost or stuck call, a caller never connected, a growing backlog or p99 ≥ 2 s).\n\n"
        f"{rate_table}"
    )
    if not args.no_report:
        common.record_run(
            "Dispatch latency and call rate" + (" (--quick)" if args.quick else ""), body, result
        )
    print()
    print(latency_table)
    print()
    print(rate_table)
    return result


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench(args)
    await bench.start()
    try:
        matrix = await latency_matrix(bench, args)
        rates = await rate_search(bench, args)
    finally:
        await bench.close()
    return report(args, matrix, rates)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a ~1-minute smoke run")
    parser.add_argument("--agents", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--loads", type=float, nargs="+", default=[0.70, 0.85, 0.95])
    parser.add_argument(
        "--saturation", type=float, default=1.10, help="offered load of the saturation row"
    )
    parser.add_argument("--talk", type=float, default=6.0, help="seconds each agent talks")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of arrivals per row")
    parser.add_argument("--warm", type=float, default=8.0, help="seconds of arrivals not timed")
    parser.add_argument("--min-timed", type=int, default=300, help="callers timed per row at least")
    parser.add_argument("--rate-agents", type=int, default=400)
    parser.add_argument("--rate-talk", type=float, default=1.0)
    parser.add_argument("--rate-duration", type=float, default=10.0)
    parser.add_argument("--rates", type=float, nargs="+", default=[25, 50, 100, 150, 200])
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--server-log-level", default="info")
    parser.add_argument("--server-profile", type=Path, help="cProfile the server into this file")
    parser.add_argument(
        "--no-report", action="store_true", help="do not write the run to var/bench/"
    )
    args = parser.parse_args()
    if args.quick:
        args.agents, args.loads, args.duration, args.warm = [20], [0.95], 12.0, 3.0
        args.min_timed = 0
        args.talk, args.saturation = 3.0, 1.1
        args.rate_agents, args.rates, args.rate_duration = 100, [10, 25, 50], 6.0
    result = asyncio.run(main_async(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
