"""A period's queue figures are added up by the database (one GROUP BY); on SQLite and
PostgreSQL they must equal the pure reference (`crm.domain.reporting.queue_figures`, the
definitions of docs/metrics.md, checked by hand in tests/unit/crm/test_crm_reporting.py)
over the same calls, on random journals with the edge cases drawn often: no outcome, no
wait, a wait exactly at the short-abandon threshold or at the queue's target, outbound
calls and calls out of hours with a queue, a queue with no offered call."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest

from crm.clock import FakeClock
from crm.db.reports import ReportRepository
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.domain.journal import CallOutcome, Direction
from crm.domain.reporting import QueueFigures, ReportRules, queue_figures, queue_totals
from crm.reports import ReportingService, ReportSettings
from crm.services import CrmService
from crm.views import CallRecord

START = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
# "quiet" has a call of its own out of hours only; "default" has no target of its own.
QUEUES = ["sales", "support", "vip", "default", None]
RULES = ReportRules(
    short_abandon_s=5, service_level_target_s=20, service_level_targets={"sales": 30, "vip": 10}
)
WAITS = [None, 0.0, 4.999, 5.0, 5.001, 10.0, 20.0, 30.0, 30.25, 600.0]


def _random_calls(rng: random.Random, count: int) -> list[CallRecord]:
    calls = []
    for n in range(count):
        direction = rng.choice([Direction.INBOUND] * 4 + [Direction.OUTBOUND])
        started = START + timedelta(seconds=rng.randrange(3 * 86400))
        # One call in ten is still in progress: neither side may count it.
        ended = None if rng.random() < 0.1 else started + timedelta(minutes=5)
        calls.append(
            CallRecord(
                f"c{n}",
                direction=direction,
                caller_number="0612345678",
                queue=rng.choice(QUEUES),
                started_at=started,
                ended_at=ended,
                wait_s=rng.choice([*WAITS, rng.uniform(0, 120)]),
                talk_s=rng.choice([None, 0.0, rng.lognormvariate(5, 0.7)]),
                wrapup_s=rng.choice([None, rng.uniform(0, 60)]),
                outcome=rng.choice([None, *CallOutcome]),
            )
        )
    calls.append(
        CallRecord(
            "out-of-hours",
            direction=Direction.INBOUND,
            queue="quiet",
            started_at=START,
            ended_at=START,
            outcome=CallOutcome.CLOSED_HOURS,
        )
    )
    return calls


def _assert_same(got: QueueFigures, expected: QueueFigures) -> None:
    for name, value in dataclasses.asdict(expected).items():
        if isinstance(value, float):
            assert getattr(got, name) == pytest.approx(value, rel=1e-9), name
        else:
            assert getattr(got, name) == value, name


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_queue_stats_added_up_by_the_database_equal_the_pure_figures(
    seed: int, service: CrmService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await service.record_calls(_random_calls(random.Random(seed), 400))
    store = ReportRepository(uow_factory.engine)
    reports = ReportingService(store, clock, ReportSettings(rules=RULES))
    # Two of the three days: some calls are outside the period.
    period = reports.period(START, START + timedelta(days=2))

    stats = await reports.queue_stats(period)

    facts = await store.call_facts(period.start, period.end)
    names = sorted({f.queue for f in facts if f.queue is not None})
    assert [row.queue for row in stats.queues] == names
    assert "quiet" in names  # listed, with nothing offered
    for row in stats.queues:
        mine = [f for f in facts if f.queue == row.queue]
        _assert_same(row.figures, queue_figures(mine, RULES, RULES.target_for(row.queue)))
    _assert_same(stats.total, queue_figures(facts, RULES, None))
    # Every kind of call was drawn: the comparison covers each figure.
    total = queue_totals(facts, RULES, None)
    counts = dataclasses.astuple(total)[:8]
    assert all(count > 0 for count in counts), total
