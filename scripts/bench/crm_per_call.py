"""CPU of the CRM work every inbound call makes, through the real service API.

- IVR look-up: `CrmService.preferred_agent_for_number` (P5, P1, S9) for a caller who
  has a case, as the FastAGI IVR asks it before the caller queues;
- ticket: `CrmService.open_or_join_case_for_call` (D4) for a new caller, as the ticket
  desk runs it when an agent answers.

Process CPU per call (the event loop's thread and aiosqlite's), on a fresh SQLite file:

    .venv/bin/python scripts/bench/crm_per_call.py [--calls 1000]

Prints one JSON object and writes no file: run it before and after a
change, alternating, on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crm.clock import SystemClock
from crm.db.engine import create_engine
from crm.db.migrate import upgrade_async
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.services import CrmService


async def run(calls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="aiguilleur-crm-bench-") as workdir:
        url = f"sqlite+aiosqlite:///{Path(workdir) / 'crm.sqlite3'}"
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            crm = CrmService(UnitOfWorkFactory(engine), SystemClock())

            async def tickets(first: int) -> float:
                start = time.process_time()
                for n in range(first, first + calls):
                    await crm.open_or_join_case_for_call(
                        call_id=f"call-{n}",
                        caller_number=f"06{n:08d}",
                        agent_id=f"agent{n % 50:03d}",
                        queue="support",
                    )
                return (time.process_time() - start) / calls

            async def look_ups(first: int) -> float:
                start = time.process_time()
                for n in range(first, first + calls):
                    await crm.preferred_agent_for_number(
                        f"06{n:08d}", last_agent_within=timedelta(hours=1)
                    )
                return (time.process_time() - start) / calls

            await tickets(0)  # warm-up; these callers now have a case each
            ticket_s = await tickets(calls)
            look_up_s = await look_ups(0)
        finally:
            await engine.dispose()
    return {"calls": calls, "ticket_us": ticket_s * 1e6, "ivr_look_up_us": look_up_s * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    result = asyncio.run(run(args.calls))
    print(json.dumps({k: round(v) for k, v in result.items()}))


if __name__ == "__main__":
    main()
