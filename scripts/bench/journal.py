"""Call-journal benchmark (S7, C2).

Loads N calls for M customers into a fresh, migrated database, then measures through the
real service API:
- "history of this phone number"   (CrmService.call_history, newest 50)
- "find customer by any phone number" (CrmService.find_customer(phone=...), full profile)
and the bulk insert rate of journal rows.

    python scripts/bench/journal.py                 # 1,000,000 calls, 200,000 customers
    python scripts/bench/journal.py --quick         # smoke run, a few seconds
    python scripts/bench/journal.py --calls 200000 --customers 50000 --url postgresql+asyncpg://...

The last line printed is one JSON object with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crm.clock import SystemClock
from crm.db.engine import create_engine
from crm.db.migrate import upgrade_async
from crm.db.models import Base
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.domain.journal import CallOutcome, Direction
from crm.services import CrmService

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
OUTCOMES = [
    (CallOutcome.ANSWERED, 70),
    (CallOutcome.ABANDONED, 12),
    (CallOutcome.OVERFLOWED, 3),
    (CallOutcome.NO_ANSWER, 3),
    (CallOutcome.CLOSED_HOURS, 2),
    (CallOutcome.OUTBOUND_ANSWERED, 7),
    (CallOutcome.OUTBOUND_BUSY, 3),
]
QUEUES = ["support-office", "support-hotel", "sales", "billing"]
AGENTS = [f"agent{i:03d}" for i in range(120)]


def mobile(i: int) -> str:
    return f"+336{i:08d}"


def landline(i: int) -> str:
    return f"+331{i:08d}"


def national(e164: str) -> str:
    """How a number arrives from a screen or an agent: French national format."""
    digits = "0" + e164[3:]
    return " ".join(digits[k : k + 2] for k in range(0, 10, 2))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def bulk_insert(uow_factory: UnitOfWorkFactory, **tables: list[dict[str, Any]]) -> None:
    """Rows as dicts, ids given by the caller, into each named table in one transaction:
    Core executemany, not the ORM, so large batches load several times faster."""
    async with uow_factory.engine.begin() as connection:
        for table, rows in tables.items():
            if rows:
                await connection.execute(Base.metadata.tables[table].insert(), rows)


async def load_customers(uow_factory: UnitOfWorkFactory, customers: int, batch: int) -> None:
    now = datetime.now(UTC)
    for start in range(0, customers, batch):
        rows: list[dict[str, Any]] = []
        phones: list[dict[str, Any]] = []
        for i in range(start + 1, min(customers, start + batch) + 1):
            rows.append(
                {
                    "id": i,
                    "account_number": f"ACC{i:07d}",
                    "first_name": "Client",
                    "last_name": str(i),
                    "tier": "gold" if i % 20 == 0 else None,
                    "custom_fields": {},
                    "addresses": [],
                    "phones": [mobile(i), landline(i)] if i % 2 == 0 else [mobile(i)],
                    "emails": [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            phones.append({"customer_id": i, "number": mobile(i), "label": "mobile"})
            if i % 2 == 0:
                phones.append({"customer_id": i, "number": landline(i), "label": "home"})
        await bulk_insert(uow_factory, customers=rows, customer_phones=phones)


def call_rows(start: int, count: int, customers: int, rng: random.Random) -> list[dict[str, Any]]:
    outcomes = [o for o, _ in OUTCOMES]
    weights = [w for _, w in OUTCOMES]
    rows = []
    for n in range(start, start + count):
        customer = rng.randint(1, customers)
        number = (
            landline(customer) if customer % 2 == 0 and rng.random() < 0.3 else mobile(customer)
        )
        outcome = rng.choices(outcomes, weights)[0]
        outbound = outcome.value.startswith("outbound")
        started = EPOCH + timedelta(seconds=rng.randint(0, 365 * 86400))
        wait = None if outbound else rng.uniform(0, 120)
        answered = outcome in (CallOutcome.ANSWERED, CallOutcome.OUTBOUND_ANSWERED)
        talk = rng.uniform(20, 900) if answered else None
        agent = rng.choice(AGENTS) if answered else None
        rows.append(
            {
                "call_id": f"{1735689600 + n}.{n}",
                "direction": (Direction.OUTBOUND if outbound else Direction.INBOUND).value,
                "caller_number": "+33899000000" if outbound else number,
                "dialled_number": number if outbound else "+33899000000",
                "remote_number": number,
                "ivr_path": None if outbound else f"main>{rng.randint(1, 3)}",
                "queue": None if outbound else rng.choice(QUEUES),
                "agent_id": agent,
                "agent_ids": [agent] if agent else [],
                "started_at": started,
                "enqueued_at": None if outbound else started,
                "answered_at": started + timedelta(seconds=wait or 5) if answered else None,
                "ended_at": started + timedelta(seconds=(wait or 0) + (talk or 0)),
                "wait_s": wait,
                "talk_s": talk,
                "wrapup_s": rng.uniform(0, 60) if answered else None,
                "outcome": outcome.value,
                "customer_id": customer,
                "uniqueid": f"{1735689600 + n}.{n}",
                "linkedid": f"{1735689600 + n}.{n}",
            }
        )
    return rows


async def load_calls(
    uow_factory: UnitOfWorkFactory, calls: int, customers: int, batch: int, rng: random.Random
) -> float:
    """Returns seconds spent in the database (row generation excluded)."""
    spent = 0.0
    for start in range(0, calls, batch):
        rows = call_rows(start, min(batch, calls - start), customers, rng)
        t0 = time.perf_counter()
        await bulk_insert(uow_factory, calls=rows)
        spent += time.perf_counter() - t0
    return spent


async def measure(label: str, samples: int, action: Any, arguments: list[str]) -> list[float]:
    for argument in arguments[: min(200, len(arguments))]:  # warm caches and pools
        await action(argument)
    timings = []
    for argument in arguments[:samples]:
        t0 = time.perf_counter()
        await action(argument)
        timings.append((time.perf_counter() - t0) * 1000)
    print(
        f"{label:<32} n={len(timings)} p50={percentile(timings, 0.5):.3f} ms "
        f"p99={percentile(timings, 0.99):.3f} ms mean={statistics.fmean(timings):.3f} ms",
        flush=True,
    )
    return timings


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="aiguilleur-bench-") as tmp:
        url = args.url or f"sqlite+aiosqlite:///{Path(tmp) / 'journal.sqlite3'}"
        print(f"database: {url.split('@')[-1]}", flush=True)
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            uow_factory = UnitOfWorkFactory(engine)
            t0 = time.perf_counter()
            await load_customers(uow_factory, args.customers, args.batch)
            print(
                f"customers: {args.customers:,} loaded in {time.perf_counter() - t0:.1f} s",
                flush=True,
            )
            spent = await load_calls(uow_factory, args.calls, args.customers, args.batch, rng)
            rate = args.calls / spent if spent else 0.0
            print(
                f"calls: {args.calls:,} inserted in {spent:.1f} s = {rate:,.0f} rows/s", flush=True
            )
            if engine.dialect.name == "sqlite":
                async with engine.begin() as connection:
                    await connection.exec_driver_sql("ANALYZE")
            else:
                async with engine.connect() as connection:
                    conn = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await conn.exec_driver_sql("ANALYZE")

            # The load phase leaves millions of dead objects behind; collect them now so a
            # full collection of the loader's garbage is not timed as a look-up.
            gc.collect()
            gc.freeze()
            service = CrmService(uow_factory, SystemClock())
            picks = [rng.randint(1, args.customers) for _ in range(args.samples + 200)]
            numbers = [
                national(landline(i) if i % 2 == 0 and rng.random() < 0.5 else mobile(i))
                for i in picks
            ]
            history = await measure(
                "history of this phone number",
                args.samples,
                lambda n: service.call_history(n, limit=50),
                numbers,
            )
            lookup = await measure(
                "find customer by phone number",
                args.samples,
                lambda n: service.find_customer(phone=n),
                numbers,
            )
            found = await service.find_customer(phone=numbers[0])
            assert found is not None, "benchmark data is inconsistent"
        finally:
            await engine.dispose()
    return {
        "calls": args.calls,
        "customers": args.customers,
        "history_p50_ms": round(percentile(history, 0.5), 3),
        "history_p99_ms": round(percentile(history, 0.99), 3),
        "customer_lookup_p50_ms": round(percentile(lookup, 0.5), 3),
        "customer_lookup_p99_ms": round(percentile(lookup, 0.99), 3),
        "insert_rows_per_s": round(rate),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=5_000, help="look-ups measured per kind")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per insert transaction")
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="smoke run: 20k calls, 4k customers")
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.customers, args.samples = 20_000, 4_000, 1_000
    if args.customers < 1 or args.calls < 0:
        parser.error("--customers must be >= 1 and --calls >= 0")
    result = asyncio.run(run(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
