"""Reporting benchmark (issue 14): the statistics, the journal's pages and its CSV export.

Loads N calls over the year 2025 (six queues, 200 agents, answered, abandoned, overflowed
and outbound calls with their waits and talk times, in time order as the journal writes
them) and the day's state changes of the 200 agents into a fresh, migrated database,
then times, through the code the HTTP routes run (crm.reports.ReportingService and the
CSV writer of acd/api/report_routes.py):
- a month's per-queue statistics      (GET /api/v1/stats/queues, p99)
- a day's 15-minute intervals          (GET /api/v1/stats/intervals?size=15, p99)
- a day's per-agent statistics        (GET /api/v1/stats/agents, printed only)
- journal pages by queue and week    (GET /api/v1/calls?queue=…&from=…&to=…, limit 50, the
  first page and four older ones by their cursor, p99)
- a CSV export of the newest 100,000 calls (GET /api/v1/calls?format=csv): rows/s, the
  process's peak RSS while it streams and how much RSS grew.

    python scripts/bench/reports.py                   # 1,000,000 calls, SQLite
    python scripts/bench/reports.py --calls 100000    # smaller
    python scripts/bench/reports.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The database of --url must exist and be empty. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]

import _common as common  # noqa: E402
from aiohttp.test_utils import make_mocked_request  # noqa: E402
from journal import bulk_insert  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from acd.api.report_routes import _stream_csv  # noqa: E402
from crm.clock import SystemClock  # noqa: E402
from crm.db.engine import create_engine  # noqa: E402
from crm.db.migrate import upgrade_async  # noqa: E402
from crm.db.models import Call  # noqa: E402
from crm.db.reports import ReportRepository  # noqa: E402
from crm.db.unit_of_work import UnitOfWorkFactory  # noqa: E402
from crm.domain.journal import CallOutcome, Direction  # noqa: E402
from crm.domain.reporting import CallFilter, ReportRules  # noqa: E402
from crm.reports import ReportingService, ReportSettings  # noqa: E402

ZONE = ZoneInfo("Europe/Paris")
YEAR = 2025
# The day and the month whose figures are timed (a Tuesday in June).
BENCH_DAY = date(YEAR, 6, 17)
# Queue: (share of inbound calls, service-level target in seconds).
QUEUES = {
    "support-office": (30, 20.0),
    "support-hotel": (25, 20.0),
    "sales": (20, 30.0),
    "billing": (12, 60.0),
    "retention": (8, 30.0),
    "vip": (5, 10.0),
}
AGENTS = common.agent_ids(200)
INBOUND_OUTCOMES = {
    CallOutcome.ANSWERED: 78,
    CallOutcome.ABANDONED: 12,
    CallOutcome.OVERFLOWED: 4,
    CallOutcome.NO_ANSWER: 2,
    CallOutcome.CALLBACK: 1,
    CallOutcome.CLOSED_HOURS: 3,
}
OUTBOUND_OUTCOMES = {
    CallOutcome.OUTBOUND_ANSWERED: 70,
    CallOutcome.OUTBOUND_BUSY: 15,
    CallOutcome.OUTBOUND_FAILED: 15,
}
OUTBOUND_SHARE = 0.1
# Calls per hour of the local day (08:00-20:00 open) and per weekday (Monday first).
HOUR_WEIGHTS = [0, 0, 0, 0, 0, 0, 1, 2, 8, 12, 13, 12, 8, 9, 12, 12, 10, 8, 6, 4, 1, 1, 0, 0]
WEEKDAY_WEIGHTS = [1.2, 1.0, 1.0, 1.0, 0.9, 0.4, 0.1]
CENTRE_NUMBER = "+33189900000"
SETTINGS = ReportSettings(
    timezone=ZONE.key,
    rules=ReportRules(
        short_abandon_s=5.0,
        service_level_targets={queue: target for queue, (_, target) in QUEUES.items()},
    ),
)


def calls_per_day(calls: int) -> list[tuple[date, int]]:
    """`calls` shared among the year's days by weekday (largest remainder)."""
    days = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    weights = [WEEKDAY_WEIGHTS[d.weekday()] for d in days]
    total = sum(weights)
    exact = [calls * w / total for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(days)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: calls - sum(counts)]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))


def call_rows(calls: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """The journal rows of the year, oldest first (the order the journal writes them)."""
    queue_names = list(QUEUES)
    queue_weights = [share for share, _ in QUEUES.values()]
    inbound, inbound_w = list(INBOUND_OUTCOMES), list(INBOUND_OUTCOMES.values())
    outbound, outbound_w = list(OUTBOUND_OUTCOMES), list(OUTBOUND_OUTCOMES.values())
    n = 0
    for day, count in calls_per_day(calls):
        midnight = datetime.combine(day, clock_time(0), ZONE)
        hours = rng.choices(range(24), HOUR_WEIGHTS, k=count)
        for second in sorted(h * 3600 + rng.randrange(3600) for h in hours):
            n += 1
            started = (midnight + timedelta(seconds=second)).astimezone(UTC)
            number = f"+336{rng.randrange(10**8):08d}"
            if rng.random() < OUTBOUND_SHARE:
                yield _outbound_row(n, started, number, rng.choices(outbound, outbound_w)[0], rng)
            else:
                outcome = rng.choices(inbound, inbound_w)[0]
                queue = rng.choices(queue_names, queue_weights)[0]
                yield _inbound_row(n, started, number, queue, outcome, rng)


def _inbound_row(
    n: int, started: datetime, number: str, queue: str, outcome: CallOutcome, rng: random.Random
) -> dict[str, Any]:
    closed = outcome == CallOutcome.CLOSED_HOURS
    answered = outcome == CallOutcome.ANSWERED
    if outcome == CallOutcome.OVERFLOWED:
        wait = rng.uniform(60, 120)  # the queue's overflow timeout
    elif outcome == CallOutcome.ABANDONED:
        wait = rng.expovariate(1 / 40)  # a third under the 5 s short-abandon threshold
    else:
        wait = min(rng.expovariate(1 / 25), 600)
    talk = rng.lognormvariate(5.3, 0.7) if answered else None  # median about 200 s
    offered = [rng.choice(AGENTS) for _ in range(1 + (rng.random() < 0.1))]
    enqueued = started + timedelta(seconds=rng.uniform(5, 30))  # after the IVR
    ended = enqueued + timedelta(seconds=wait + (talk or 0))
    return _row(
        n,
        started,
        direction=Direction.INBOUND,
        caller_number=number,
        dialled_number=CENTRE_NUMBER,
        remote_number=number,
        ivr_path=f"main>{rng.randint(1, 4)}",
        queue=None if closed else queue,
        agent_id=offered[-1] if answered else None,
        agent_ids=[] if closed else offered,
        enqueued_at=None if closed else enqueued,
        offered_at=None if closed else enqueued + timedelta(seconds=min(wait, 2)),
        answered_at=enqueued + timedelta(seconds=wait) if answered else None,
        ended_at=started + timedelta(seconds=8) if closed else ended,
        wait_s=None if closed else wait,
        talk_s=talk,
        wrapup_s=rng.uniform(5, 90) if answered else None,
        outcome=outcome,
    )


def _outbound_row(
    n: int, started: datetime, number: str, outcome: CallOutcome, rng: random.Random
) -> dict[str, Any]:
    agent = rng.choice(AGENTS)
    answered = outcome == CallOutcome.OUTBOUND_ANSWERED
    ring = rng.uniform(3, 25)
    talk = rng.lognormvariate(5.0, 0.7) if answered else None
    return _row(
        n,
        started,
        direction=Direction.OUTBOUND,
        caller_number=CENTRE_NUMBER,
        dialled_number=number,
        remote_number=number,
        ivr_path=None,
        queue=None,
        agent_id=agent,
        agent_ids=[agent],
        enqueued_at=None,
        offered_at=None,
        answered_at=started + timedelta(seconds=ring) if answered else None,
        ended_at=started + timedelta(seconds=ring + (talk or 0)),
        wait_s=None,
        talk_s=talk,
        wrapup_s=rng.uniform(5, 60) if answered else None,
        outcome=outcome,
    )


def _row(n: int, started: datetime, **columns: Any) -> dict[str, Any]:
    uniqueid = f"{int(started.timestamp())}.{n}"
    columns["direction"] = columns["direction"].value
    columns["outcome"] = columns["outcome"].value
    return {
        "call_id": uniqueid,
        "started_at": started,
        "uniqueid": uniqueid,
        "linkedid": uniqueid,
        **columns,
    }


def state_rows(rng: random.Random) -> list[dict[str, Any]]:
    """The bench day of each agent: an 8-hour shift of ready, ringing, on call and
    wrap-up, a few pauses with a reason, then logged out."""
    rows: list[dict[str, Any]] = []
    midnight = datetime.combine(BENCH_DAY, clock_time(0), ZONE)
    for agent in AGENTS:
        at = (midnight + timedelta(hours=rng.uniform(7.5, 12))).astimezone(UTC)
        shift_end = at + timedelta(hours=8)
        while at < shift_end:
            if rng.random() < 0.08:
                steps = [("paused", rng.choice(["lunch", "break", "training"]), 600)]
            else:
                steps = [("ready", None, 1400), ("ringing", None, 8), ("on_call", None, 220)]
                steps.append(("wrap_up", None, 40))
            for state, reason, mean_s in steps:
                rows.append({"agent_id": agent, "state": state, "reason": reason, "at": at})
                at += timedelta(seconds=rng.expovariate(1 / mean_s))
        rows.append({"agent_id": agent, "state": "logged_out", "reason": None, "at": at})
    return rows


async def load(uow_factory: UnitOfWorkFactory, calls: int, batch: int, seed: int) -> None:
    rng = random.Random(seed)
    t0, spent = time.perf_counter(), 0.0
    rows: list[dict[str, Any]] = []
    for row in call_rows(calls, rng):
        rows.append(row)
        if len(rows) == batch:
            t1 = time.perf_counter()
            await bulk_insert(uow_factory, calls=rows)
            spent, rows = spent + time.perf_counter() - t1, []
    t1 = time.perf_counter()
    await bulk_insert(uow_factory, calls=rows, agent_state_changes=state_rows(rng))
    spent += time.perf_counter() - t1
    print(
        f"calls: {calls:,} loaded in {time.perf_counter() - t0:.1f} s "
        f"({spent:.1f} s in the database = {calls / spent if spent else 0:,.0f} rows/s)",
        flush=True,
    )
    async with uow_factory.engine.connect() as connection:
        conn = await connection.execution_options(isolation_level="AUTOCOMMIT")
        # VACUUM too on PostgreSQL: autovacuum would otherwise start on the fresh table
        # while the queries are timed.
        vacuum = "" if uow_factory.engine.dialect.name == "sqlite" else "VACUUM "
        await conn.exec_driver_sql(f"{vacuum}ANALYZE")


async def timed(
    label: str, action: Callable[[int], Awaitable[object]], warmup: int, samples: int
) -> float:
    """p99 in ms of `samples` runs of `action(i)` after `warmup` untimed ones."""
    for i in range(warmup):
        await action(i)
    timings = []
    for i in range(samples):
        t0 = time.perf_counter()
        await action(i)
        timings.append((time.perf_counter() - t0) * 1000)
    p99 = common.percentile(timings, 99)
    print(
        f"{label:<36} n={samples} p50={common.percentile(timings, 50):.2f} ms "
        f"p99={p99:.2f} ms max={max(timings):.2f} ms mean={statistics.fmean(timings):.2f} ms",
        flush=True,
    )
    return p99


class CsvSink:
    """The HTTP response's payload writer, discarding the body: counts bytes and rows."""

    def __init__(self) -> None:
        self.buffer_size = 0
        self.output_size = 0
        self.length: int | None = None
        self.rows = 0

    def enable_chunking(self) -> None: ...

    def enable_compression(self, *args: object, **kwargs: object) -> None: ...

    def send_headers(self) -> None: ...

    async def write_headers(self, status_line: str, headers: object) -> None: ...

    async def write(self, data: bytes) -> None:
        self.output_size += len(data)
        self.rows += data.count(b"\r\n")

    async def drain(self) -> None: ...

    async def write_eof(self, data: bytes = b"") -> None:
        await self.write(data)


class RssWatch:
    """The process's RSS sampled every few ms in a thread while the block runs."""

    def __init__(self, every_s: float = 0.005) -> None:
        self.every_s = every_s
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append(common.rss_bytes(os.getpid()))
            self._stop.wait(self.every_s)

    def __enter__(self) -> RssWatch:
        self.start = common.rss_bytes(os.getpid())
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(common.rss_bytes(os.getpid()))


async def export_csv(
    engine: AsyncEngine, reports: ReportingService, export_rows: int
) -> tuple[float, float]:
    """Streams the newest `export_rows` calls as the CSV route does; (rows/s, peak MB)."""
    async with engine.connect() as connection:
        since = await connection.scalar(
            select(Call.started_at)
            .order_by(Call.started_at.desc())
            .offset(export_rows - 1)
            .limit(1)
        )
        if since is None:
            since = await connection.scalar(select(func.min(Call.started_at)))
        expected = await connection.scalar(
            select(func.count()).select_from(Call).where(Call.started_at >= since)
        )
    where = reports.call_filter(start=since)
    results = []
    for _ in range(3):
        sink = CsvSink()
        request = make_mocked_request("GET", "/api/v1/calls?format=csv", writer=sink)
        gc.collect()
        with RssWatch() as rss:
            t0 = time.perf_counter()
            await _stream_csv(request, reports, where)
            elapsed = time.perf_counter() - t0
        rows = sink.rows - 1  # the header
        assert rows == expected, f"exported {rows} rows, {expected} match"
        # Growth after the first tenth: the steady state, past the first batches' caches.
        steady = rss.samples[len(rss.samples) // 10]
        mb = 1024 * 1024
        print(
            f"CSV export {rows:,} rows in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s, "
            f"{sink.output_size / mb:.1f} MB; RSS start {rss.start / mb:.1f} MB, "
            f"peak {max(rss.samples) / mb:.1f} MB (+{(max(rss.samples) - rss.start) / mb:.1f}), "
            f"end {rss.samples[-1] / mb:.1f} MB ({(rss.samples[-1] - steady) / mb:+.1f} "
            f"after the first tenth)",
            flush=True,
        )
        results.append((rows / elapsed, max(rss.samples) / mb))
    return statistics.median(r for r, _ in results), max(p for _, p in results)


class JournalWalk:
    """A supervisor reading the journal: a queue's week, then up to four older pages by
    their cursor, then another queue and week."""

    def __init__(self, reports: ReportingService, rng: random.Random) -> None:
        self.reports = reports
        self.rng = rng
        self.where: CallFilter | None = None
        self.cursor: str | None = None
        self.pages = 0

    async def next_page(self, _: int) -> None:
        if self.where is None or self.cursor is None or self.pages == 5:
            day = date(YEAR, 1, 1) + timedelta(days=self.rng.randrange(358))
            start = datetime.combine(day, clock_time(0), ZONE)
            self.where = self.reports.call_filter(
                queue=self.rng.choice(list(QUEUES)), start=start, end=start + timedelta(days=7)
            )
            self.cursor, self.pages = None, 0
        page = await self.reports.calls(self.where, cursor=self.cursor, limit=50)
        self.cursor, self.pages = page.next_cursor, self.pages + 1


def local_day(day: date, days: int = 1) -> tuple[datetime, datetime]:
    start = datetime.combine(day, clock_time(0), ZONE)
    return start, datetime.combine(day + timedelta(days=days), clock_time(0), ZONE)


async def measure(
    engine: AsyncEngine, store: ReportRepository, args: argparse.Namespace
) -> dict[str, Any]:
    rng = random.Random(args.seed + 1)
    reports = ReportingService(store, SystemClock(), SETTINGS)
    month = reports.period(datetime(YEAR, 6, 1, tzinfo=ZONE), datetime(YEAR, 7, 1, tzinfo=ZONE))
    day = reports.period(*local_day(BENCH_DAY))
    in_month = len(await store.call_facts(month.start, month.end))
    in_day = len(await store.call_facts(day.start, day.end))
    print(f"June has {in_month:,} calls, {BENCH_DAY} {in_day:,}", flush=True)
    stats_month = await timed(
        "stats per queue, a month", lambda _: reports.queue_stats(month), 3, args.stats_runs
    )
    # Where a month's time goes: the database's GROUP BY alone.
    await timed(
        "  of which the database's sums",
        lambda _: store.queue_totals(month.start, month.end, SETTINGS.rules),
        1,
        max(1, args.stats_runs // 5),
    )
    intervals = await timed(
        "stats per 15 minutes, a day",
        lambda _: reports.interval_stats(day, "15"),
        10,
        args.stats_runs * 4,
    )
    await timed("stats per agent, a day", lambda _: reports.agent_stats(day), 10, args.stats_runs)

    journal_page = await timed(
        "journal page, a queue's week, 50", JournalWalk(reports, rng).next_page, 200, args.page_runs
    )
    rows_per_s, peak_mb = await export_csv(engine, reports, min(args.export_rows, args.calls))
    return {
        "calls": args.calls,
        "stats_month_p99_ms": round(stats_month, 2),
        "stats_intervals_p99_ms": round(intervals, 2),
        "journal_page_p99_ms": round(journal_page, 3),
        "csv_rows_per_s": round(rows_per_s),
        "csv_peak_rss_mb": round(peak_mb, 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aiguilleur-bench-") as tmp:
        url = args.url or f"sqlite+aiosqlite:///{Path(tmp) / 'reports.sqlite3'}"
        print(f"database: {url.split('@')[-1]}", flush=True)
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            await load(UnitOfWorkFactory(engine), args.calls, args.batch, args.seed)
            # The loader's garbage collected now, so no full collection is timed.
            gc.collect()
            gc.freeze()
            result = await measure(engine, ReportRepository(engine), args)
            return {"calls": result.pop("calls"), "backend": engine.dialect.name, **result}
        finally:
            await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--stats-runs", type=int, default=50, help="timed runs per statistic")
    parser.add_argument("--page-runs", type=int, default=2_000, help="timed journal pages")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per insert transaction")
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.calls < 1 or args.export_rows < 1 or args.stats_runs < 1 or args.page_runs < 1:
        parser.error("--calls, --export-rows, --stats-runs and --page-runs must be >= 1")
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
