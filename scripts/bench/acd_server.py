"""The Aiguilleur server as its own process, for the benchmarks.

    .venv/bin/python scripts/bench/acd_server.py --agents 200 --wrapup 1 --ready FILE

The bench centre: one DID (BENCH_DID) straight to one queue (no menu, open around
the clock), longest-idle, agents with the queue's skill as primary (80 %) or
secondary (20 %): primary agents first, secondary ones when no primary is ready,
as app_queue does with penalties 0 and 1. Agents are logged in (ready) on
Local/<id>@test-phones; then the ready file gets this process's pid and the
server runs until SIGTERM. The journal goes to a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]

from _common import BENCH_DID, QUEUE, agent_ids, is_primary  # noqa: E402

from acd import routing  # noqa: E402
from acd.bootstrap import freeze_startup_heap, start_server  # noqa: E402
from acd.centre import Centre  # noqa: E402
from acd.config import load_settings  # noqa: E402
from acd.logs import configure_logging  # noqa: E402
from crm.db.migrate import upgrade_async  # noqa: E402


def bench_centre(agents: int, wrapup: float) -> Centre:
    return Centre.model_validate(
        {
            "skills": [QUEUE],
            "agents": {
                agent_id: {
                    "name": f"Agent {agent_id}",
                    "skills": {QUEUE: "primary" if is_primary(n) else "secondary"},
                }
                for n, agent_id in enumerate(agent_ids(agents))
            },
            "queues": {
                QUEUE: {
                    "skill": QUEUE,
                    "strategy": "longest_idle",
                    "ring_timeout": 15,
                    "wrapup_time": wrapup,
                    "steps": [
                        {"target": "primary", "timeout": 3600},
                        {"target": "primary_and_secondary"},
                    ],
                }
            },
            "ivr": {"dids": {BENCH_DID: {"queue": QUEUE}}},
        }
    )


async def run(agents: int, wrapup: float, ready: Path, log_level: str) -> None:
    configure_logging("json", log_level)
    workdir = Path(tempfile.mkdtemp(prefix="aiguilleur-bench-"))
    settings = load_settings(
        env={},
        overrides={
            "http.port": 0,
            "fastagi.port": 0,
            "database_url": f"sqlite+aiosqlite:///{workdir / 'journal.sqlite3'}",
            "telephony.agent_dial": "Local/{agent}@test-phones",
        },
    )
    await upgrade_async(settings.database_url)
    server = await start_server(settings, bench_centre(agents, wrapup))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        await server.ami.wait_connected(10)
        # The first login has set ACD_AGI once the writer has handled it.
        await server.telephony.execute(_noop)
        for agent_id in agent_ids(agents):
            await server.telephony.command(lambda at, a=agent_id: routing.AgentLoggedIn(a, at=at))
        freeze_startup_heap()  # as `acd serve` does
        ready.write_text(  # noqa: ASYNC240
            json.dumps({"pid": os.getpid(), "fastagi": server.telephony.fastagi_url})
        )
        await stop.wait()
    finally:
        await server.stop()


async def _noop() -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--wrapup", type=float, default=1.0)
    parser.add_argument("--ready", type=Path, required=True)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run to this file")
    args = parser.parse_args()
    if args.profile is None:
        asyncio.run(run(args.agents, args.wrapup, args.ready, args.log_level))
        return
    import cProfile

    with cProfile.Profile() as profile:
        asyncio.run(run(args.agents, args.wrapup, args.ready, args.log_level))
    profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
