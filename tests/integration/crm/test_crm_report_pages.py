"""Journal pages by cursor when calls start in the same second, on SQLite and PostgreSQL:
the page boundary falls between them and no call is repeated or lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.clock import FakeClock
from crm.db.reports import ReportRepository
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.domain.journal import CallOutcome, Direction
from crm.reports import ReportingService, ReportSettings
from crm.services import CrmService
from crm.views import CallRecord

SECOND = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


async def test_pages_split_calls_of_the_same_second_without_repeats(
    service: CrmService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    # Three calls in one second, between an older and a newer one.
    starts = [SECOND - timedelta(minutes=1), SECOND, SECOND, SECOND, SECOND + timedelta(minutes=1)]
    await service.record_calls(
        [
            CallRecord(
                f"c{n}",
                direction=Direction.INBOUND,
                caller_number="0612345678",
                queue="sales",
                started_at=at,
                ended_at=at + timedelta(seconds=30),
                outcome=CallOutcome.ABANDONED,
            )
            for n, at in enumerate(starts, start=1)
        ]
    )
    reports = ReportingService(ReportRepository(uow_factory.engine), clock, ReportSettings())
    where = reports.call_filter(queue="sales")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await reports.calls(where, cursor=cursor, limit=2)
        seen += [call.call_id for call in page.calls]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["c5", "c4", "c3", "c2", "c1"]
    assert [call.call_id async for call in reports.all_calls(where, batch=2)] == seen
