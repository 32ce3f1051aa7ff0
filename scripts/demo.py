"""A burst of calls against the sandbox Asterisk, with a handful of agents.

    scripts/asterisk-sandbox up && .venv/bin/python scripts/demo.py [--calls 12] [--agents 4]

Runs the real server (IVR over FastAGI, routing, AMI, journal in a temporary
SQLite file) with the example centre of ivr-config/, open around the clock,
agents on auto-answering sandbox phones; then prints what happened to each call.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from pathlib import Path

# The test devices live with the tests (tests/support/sandbox.py), not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from acd import routing
from acd.bootstrap import start_server
from acd.centre import load_centre
from acd.config import REPO_ROOT, load_settings
from acd.logs import configure_logging
from acd.telephony.events import CallEnded
from crm.db.migrate import upgrade_async
from tests.support.sandbox import open_switchboard, switchboard_settings


async def demo(calls: int, agents: int, talk: float, rate: float, seed: int) -> int:
    rng = random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix="aiguilleur-demo-"))
    settings = load_settings(
        overrides={
            "http.port": 0,
            "fastagi.port": 0,
            "database_url": f"sqlite+aiosqlite:///{workdir / 'demo.sqlite3'}",
            "telephony.agent_dial": "Local/{agent}@test-phones",
            "telephony.outbound_dial": "Local/{number}@test-phones",
        }
    )
    configure_logging("console", "warning")
    # The example centre, open around the clock, with a short wrap-up so the demo is brisk.
    centre = load_centre(REPO_ROOT / "ivr-config")
    queues = {
        name: queue.model_copy(update={"wrapup_time": 1.0, "callback_after": None})
        for name, queue in centre.queues.items()
    }
    centre = centre.model_copy(
        update={"queues": queues, "ivr": centre.ivr.model_copy(update={"business_hours": None})}
    )
    await upgrade_async(settings.database_url)
    server = await start_server(settings, centre)
    try:
        async with open_switchboard(switchboard_settings(settings.ami)) as board:
            await server.ami.wait_connected(10)
            agent_ids = list(centre.agents)[:agents]
            for agent_id in agent_ids:
                await board.phone(agent_id, talk=talk)
                await server.telephony.command(
                    lambda at, a=agent_id: routing.AgentLoggedIn(a, at=at)
                )
            print(f"{len(agent_ids)} agents ready: {', '.join(agent_ids)}; placing {calls} calls")
            with server.bus.subscribe() as events:
                main_did = next(iter(centre.ivr.dids))
                for n in range(calls):
                    await board.call(main_did, f"06{11000000 + n:08d}", dtmf=rng.choice("12"))
                    await asyncio.sleep(rng.expovariate(rate))
                ended = 0
                async with asyncio.timeout(calls * talk + 120):
                    while ended < calls:
                        if isinstance(await events.get(), CallEnded):
                            ended += 1
            await server.journal.drain()
            print(f"\n{'caller':<14}{'path':<44}{'agent':<7}{'wait s':>8}{'talk s':>8}  outcome")
            for n in range(calls):
                for entry in await server.crm.call_history(f"06{11000000 + n:08d}", limit=1):
                    print(
                        f"{entry.caller_number or '':<14}{(entry.ivr_path or '')[:43]:<44}"
                        f"{entry.agent_id or '-':<7}{entry.wait_s or 0:>8.1f}{entry.talk_s or 0:>8.1f}"
                        f"  {entry.outcome}"
                    )
            return 0
    finally:
        await server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--talk", type=float, default=2.0, help="seconds each agent talks")
    parser.add_argument("--rate", type=float, default=4.0, help="new calls per second (Poisson)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        return asyncio.run(demo(args.calls, args.agents, args.talk, args.rate, args.seed))
    except TimeoutError:
        print(
            "demo: Asterisk's AMI did not answer; run scripts/asterisk-sandbox up", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
