"""Benchmark of the pure routing core (acd.routing): decisions per second and latency.

    python scripts/bench/routing.py            # full run (about 30 s)
    python scripts/bench/routing.py --quick    # smoke run (a few seconds)

Drives a `Router` with 200 skills at two sizes, side by side in one run (500 agents /
2,000 waiting calls and 5,000 agents / 20,000 waiting calls), so that their ratio is
measured under the same machine noise. Each agent holds one primary and two secondary
skills; each skill has one queue. "backlog" regime: every agent is busy (on a call or
in wrap-up) and about `waiting_calls` calls wait, so each freed agent picks the best
waiting call. "surplus" regime: half the agents are ready and no call waits, so each
new call picks the best ready agent. One iteration:

  CallEnded(oldest call)  -> the agent goes to wrap-up
  EndWrapUp               -> (every other iteration) it takes the best waiting call
  CallQueued(new call)    -> priority 0-2, 10 % with a preferred agent
  Tick(now)               -> wrap-up timers that fell due: those agents take calls
  OfferAnswered           -> for every OfferCall just decided

Every `handle()` call is timed alone (perf_counter_ns); "decisions/s" is handled events
per second of core time, one core, driver excluded. Latencies are per `handle()` call;
the "offer" line restricts them to calls that picked an agent/call pair. The last line
of output is one JSON object for the larger size.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from acd.routing import (
    AgentLoggedIn,
    AgentSpec,
    CallEnded,
    CallQueued,
    Decision,
    EndWrapUp,
    Event,
    OfferAnswered,
    OfferCall,
    QueueSpec,
    Router,
    SkillLevel,
    Tick,
)

SKILLS = 200
DT = 0.001  # simulated seconds between iterations


@dataclass
class Bench:
    """One router at one size, with its driver state and its measurements."""

    agents: int
    waiting: int
    busy: float = 1.0  # fraction of agents on a call at the start
    seed: int = 1
    router: Router = field(init=False)
    rng: random.Random = field(init=False)
    now: float = 0.0
    next_call: int = 0
    connected: deque[str] = field(default_factory=deque)
    latencies: list[int] = field(default_factory=list)
    offer_latencies: list[int] = field(default_factory=list)
    decisions: int = 0
    iteration: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        # Wrap-up long enough that ~10 % of agents are in it at any time.
        wrapup = max(1, self.agents // 10) * DT * 2
        queues = [
            QueueSpec(f"q{s}", f"s{s}", wrapup_time=wrapup, ring_timeout=15.0)
            for s in range(SKILLS)
        ]
        specs = []
        for i in range(self.agents):
            primary = i % SKILLS
            skills: dict[str, SkillLevel | int] = {f"s{primary}": SkillLevel.PRIMARY}
            for other in self.rng.sample(range(SKILLS), 3):
                if other != primary and len(skills) < 3:
                    skills[f"s{other}"] = SkillLevel.SECONDARY
            specs.append(AgentSpec(f"a{i}", f"Agent {i}", skills))
        self.router = Router(queues, specs, rng_seed=self.seed)
        self.setup()

    def send(self, event: Event, timed: bool = True) -> list[Decision]:
        if not timed:
            return self.router.handle(event)
        t0 = time.perf_counter_ns()
        out = self.router.handle(event)
        elapsed = time.perf_counter_ns() - t0
        self.latencies.append(elapsed)
        self.decisions += len(out)
        for d in out:
            if isinstance(d, OfferCall):
                self.offer_latencies.append(elapsed)
                break
        return out

    def new_call(self, timed: bool = True) -> list[Decision]:
        self.next_call += 1
        preferred = None
        if self.rng.random() < 0.1:
            preferred = f"a{self.rng.randrange(self.agents)}"
        event = CallQueued(
            f"c{self.next_call}",
            f"q{self.rng.randrange(SKILLS)}",
            priority=self.rng.choice((0, 0, 0, 1, 2)),
            preferred_agent=preferred,
            at=self.now,
        )
        return self.send(event, timed)

    def answer(self, decisions: list[Decision], timed: bool = True) -> None:
        for d in decisions:
            if isinstance(d, OfferCall):
                self.send(OfferAnswered(d.call_id, d.agent_id, at=self.now), timed)
                self.connected.append(d.call_id)

    def setup(self) -> None:
        """Every agent logged in and on a call; `waiting` calls in the queues."""
        for i in range(self.agents):
            self.send(AgentLoggedIn(f"a{i}", at=self.now), timed=False)
        backlog = 0
        while len(self.connected) < self.agents * self.busy or backlog < self.waiting:
            out = self.new_call(timed=False)
            if any(isinstance(d, OfferCall) for d in out):
                self.answer(out, timed=False)
            else:
                backlog += 1

    def step(self) -> None:
        """One iteration of the steady state (see the module docstring)."""
        self.iteration += 1
        self.now += DT
        call_id = self.connected.popleft()
        agent_id = self.router.call(call_id).agent_id
        self.send(CallEnded(call_id, at=self.now))
        if self.iteration % 2 == 0 and agent_id is not None:
            self.answer(self.send(EndWrapUp(agent_id, at=self.now)))
        self.answer(self.new_call())
        self.answer(self.send(Tick(at=self.now)))

    def reset_measures(self) -> None:
        self.latencies.clear()
        self.offer_latencies.clear()
        self.decisions = 0

    def waiting_now(self) -> int:
        return sum(len(self.router.queue_snapshot(q).calls) for q in self.router.queue_names())


def pct(values: list[int], q: float) -> float:
    """Percentile `q` (0..100) in microseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
    return ordered[index] / 1000


def report(b: Bench) -> dict[str, float | int]:
    events = len(b.latencies)
    core_s = sum(b.latencies) / 1e9
    return {
        "agents": b.agents,
        "waiting_calls": b.waiting_now(),
        "events": events,
        "decisions_per_s": round(events / core_s) if core_s else 0,
        "outputs_per_s": round(b.decisions / core_s) if core_s else 0,
        "p50_us": round(pct(b.latencies, 50), 2),
        "p99_us": round(pct(b.latencies, 99), 2),
        "offer_p50_us": round(pct(b.offer_latencies, 50), 2),
        "offer_p99_us": round(pct(b.offer_latencies, 99), 2),
        "mean_us": round(statistics.fmean(b.latencies) / 1000, 2) if events else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: a few seconds")
    args = parser.parse_args()
    rounds, per_round = (2, 300) if args.quick else (12, 2500)

    started = time.perf_counter()
    benches = [
        Bench(500, 2_000),
        Bench(5_000, 20_000),
        Bench(500, 0, busy=0.5),
        Bench(5_000, 0, busy=0.5),
    ]
    setup_s = time.perf_counter() - started
    # Warm up, then freeze the setup's objects so the cyclic GC does not rescan them.
    for b in benches:
        for _ in range(per_round // 2):
            b.step()
        b.reset_measures()
    gc.collect()
    gc.freeze()

    for _ in range(rounds):  # interleaved: both sizes see the same machine noise
        for b in benches:
            for _ in range(per_round):
                b.step()
    elapsed = time.perf_counter() - started

    results = [report(b) for b in benches]
    print(f"routing core benchmark: {SKILLS} skills, {rounds} x {per_round} iterations per size")
    print(f"python {sys.version.split()[0]}, setup {setup_s:.1f} s, total {elapsed:.1f} s")
    header = (
        f"{'regime':>8} {'agents':>7} {'waiting':>8} {'events':>8} {'events/s':>9} "
        f"{'p50 us':>7} {'p99 us':>7} {'offer p50':>9} {'offer p99':>9}"
    )
    print(header)
    for b, r in zip(benches, results, strict=True):
        regime = "backlog" if b.waiting else "surplus"
        print(
            f"{regime:>8} {r['agents']:>7} {r['waiting_calls']:>8} {r['events']:>8} "
            f"{r['decisions_per_s']:>9} {r['p50_us']:>7} {r['p99_us']:>7} "
            f"{r['offer_p50_us']:>9} {r['offer_p99_us']:>9}"
        )
    for name, (small, big) in (("backlog", results[0:2]), ("surplus", results[2:4])):
        print(
            f"ratio 5000/500 agents, {name}: "
            f"p50 x{big['p50_us'] / small['p50_us']:.2f}, "
            f"p99 x{big['p99_us'] / small['p99_us']:.2f}, "
            f"events/s x{big['decisions_per_s'] / small['decisions_per_s']:.2f}"
        )
    large = results[1]
    print(
        json.dumps(
            {
                "agents": large["agents"],
                "waiting_calls": large["waiting_calls"],
                "decisions_per_s": large["decisions_per_s"],
                "p50_us": large["p50_us"],
                "p99_us": large["p99_us"],
            }
        )
    )


if __name__ == "__main__":
    main()
