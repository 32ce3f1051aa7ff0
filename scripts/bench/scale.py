"""Scale: memory and CPU of the routing core with 5,000 agents and 20,000 waiting calls.

    .venv/bin/python scripts/bench/scale.py [--quick] [--no-report]

Builds the server's core (acd.routing.Router) from the bench centre of
scripts/bench/acd_server.py scaled up (one queue, 80 % primary / 20 % secondary
agents), logs every agent in, pauses them, queues the calls, then readies agents one
by one so each picks the longest-waiting call. Memory is what tracemalloc counts for
the core's own objects (per agent, per waiting call) plus the process RSS; CPU is the
time of each `Router.handle()` at that size. No Asterisk, no sockets.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]

import _common as common  # noqa: E402
from acd_server import bench_centre  # noqa: E402

from acd import routing  # noqa: E402
from acd.centre import agent_specs, queue_specs  # noqa: E402


def measure(agents: int, calls: int, offers: int) -> dict[str, float]:
    centre = bench_centre(agents, wrapup=1.0)
    specs_q, specs_a = queue_specs(centre), agent_specs(centre)
    ids = common.agent_ids(agents)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    router = routing.Router(specs_q, specs_a)
    now = 0.0
    for agent_id in ids:
        now += 0.001
        router.handle(routing.AgentLoggedIn(agent_id, at=now))
        router.handle(routing.AgentPaused(agent_id, "bench", at=now))
    gc.collect()
    after_agents = tracemalloc.get_traced_memory()[0]
    queued_ns: list[int] = []
    for n in range(calls):
        now += 0.001
        event = routing.CallQueued(f"call-{n}", common.QUEUE, caller=f"06{n:08d}", at=now)
        t = time.perf_counter_ns()
        router.handle(event)
        queued_ns.append(time.perf_counter_ns() - t)
    gc.collect()
    after_calls = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rss = common.rss_bytes(os.getpid())
    # Each readied agent is offered the head call: the dispatch decision at full size.
    offer_ns: list[int] = []
    cpu0 = time.process_time()
    for agent_id in ids[:offers]:
        now += 0.001
        event = routing.MakeAgentReady(agent_id, at=now)
        t = time.perf_counter_ns()
        decisions = router.handle(event)
        offer_ns.append(time.perf_counter_ns() - t)
        assert any(isinstance(d, routing.OfferCall) for d in decisions), decisions
    cpu = time.process_time() - cpu0
    return {
        "agents": agents,
        "waiting_calls": calls,
        "bytes_per_agent": (after_agents - base) / agents,
        "bytes_per_waiting_call": (after_calls - after_agents) / calls,
        "core_mib": (after_calls - base) / 2**20,
        "rss_mib": rss / 2**20,
        "queue_p50_us": common.percentile([n / 1000 for n in queued_ns], 50),
        "queue_p99_us": common.percentile([n / 1000 for n in queued_ns], 99),
        "offer_p50_us": common.percentile([n / 1000 for n in offer_ns], 50),
        "offer_p99_us": common.percentile([n / 1000 for n in offer_ns], 99),
        "offers_per_cpu_s": offers / cpu if cpu else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--agents", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument(
        "--no-report", action="store_true", help="do not write the run to var/bench/"
    )
    args = parser.parse_args()
    if args.quick:
        args.agents, args.calls = 500, 2000
    r = measure(args.agents, args.calls, offers=min(args.agents, 2000))
    rows = [
        [
            r["agents"],
            r["waiting_calls"],
            round(r["bytes_per_agent"]),
            round(r["bytes_per_waiting_call"]),
            round(r["core_mib"], 1),
            round(r["rss_mib"], 1),
            round(r["queue_p50_us"], 1),
            round(r["queue_p99_us"], 1),
            round(r["offer_p50_us"], 1),
            round(r["offer_p99_us"], 1),
            round(r["offers_per_cpu_s"]),
        ]
    ]
    table = common.table(
        [
            "agents",
            "waiting calls",
            "B/agent",
            "B/waiting call",
            "core MiB",
            "process RSS MiB",
            "queue p50 µs",
            "queue p99 µs",
            "offer p50 µs",
            "offer p99 µs",
            "offers/CPU-s",
        ],
        rows,
    )
    print(table)
    result = {
        "agents": r["agents"],
        "waiting_calls": r["waiting_calls"],
        "bytes_per_agent": round(r["bytes_per_agent"]),
        "bytes_per_waiting_call": round(r["bytes_per_waiting_call"]),
        "rss_mib": round(r["rss_mib"], 1),
        "offer_p99_us": round(r["offer_p99_us"], 1),
    }
    if not args.no_report:
        common.record_run(
            "Scale of the routing core" + (" (--quick)" if args.quick else ""),
            "Memory by tracemalloc (the core's objects only; the shell's LiveCall per "
            "waiting call is not included), CPU per `Router.handle()`.\n\n" + table,
            result,
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
