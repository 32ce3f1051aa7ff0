"""Reporting: the call journal by filters and pages, and the contact-centre statistics
per queue, per agent and per interval in the centre's time zone.

Figures are computed by `crm.domain.reporting` from the rows `crm.db.reports` reads
(a period's queue figures from the sums the database adds up, under the same definitions);
this module parses what callers give (numbers, cursors, periods) and shapes answers."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm.clock import Clock
from crm.db.reports import ReportRepository
from crm.domain.agent_stats import time_in_states
from crm.domain.journal import CallOutcome, Direction
from crm.domain.queue_log import call_lines, state_lines
from crm.domain.reporting import (
    AgentFigures,
    CallFilter,
    IntervalSize,
    QueueFigures,
    QueueTotals,
    ReportRules,
    SatisfactionFigures,
    agent_figures,
    bucket_calls,
    figures_of,
    interval_starts,
    queue_figures,
    satisfaction_figures,
)
from crm.errors import InvalidValue, NotFound
from crm.phone import normalize_or_raw
from crm.views import CallEntry

SERVICE_LEVEL_DEFINITION = (
    "answered within the target / (offered - short abandons), per call's queue target"
)
# More intervals than this in one answer is a mistake (a year of quarter hours).
MAX_INTERVALS = 10_000
MAX_QUEUE_LOG_DAYS = 366


# `ReportRepository.calls_page` or `export_page`.
PageReader = Callable[
    [Sequence[str], CallFilter, tuple[datetime, int] | None, int],
    Coroutine[Any, Any, list[tuple[Any, ...]]],
]


class UnknownStoredCall(NotFound):
    code = "unknown_call"


@dataclass(frozen=True)
class ReportSettings:
    timezone: str = "UTC"
    default_region: str = "FR"
    rules: ReportRules = field(default_factory=ReportRules)


@dataclass(frozen=True)
class CallPage:
    calls: list[CallEntry]
    # Give it back as `cursor` for the next (older) page; None on the last page.
    next_cursor: str | None


@dataclass(frozen=True)
class Period:
    start: datetime  # in the centre's time zone
    end: datetime
    timezone: str


@dataclass(frozen=True)
class QueueRow:
    queue: str | None  # None: every queue together
    figures: QueueFigures


@dataclass(frozen=True)
class AgentRow:
    agent_id: str
    figures: AgentFigures


@dataclass(frozen=True)
class IntervalRow:
    start: datetime
    end: datetime
    figures: QueueFigures


@dataclass(frozen=True)
class QueueStats:
    period: Period
    short_abandon_s: float
    service_level_definition: str
    queues: list[QueueRow]
    total: QueueFigures


@dataclass(frozen=True)
class SatisfactionRow:
    queue: str | None  # None: cases of no queue (opened by hand without one)
    figures: SatisfactionFigures


@dataclass(frozen=True)
class SatisfactionStats:
    period: Period
    queues: list[SatisfactionRow]
    total: SatisfactionFigures


@dataclass(frozen=True)
class AgentStats:
    period: Period
    agents: list[AgentRow]


@dataclass(frozen=True)
class IntervalStats:
    period: Period
    size: str
    queue: str | None
    short_abandon_s: float
    service_level_definition: str
    intervals: list[IntervalRow]


class ReportingService:
    def __init__(self, store: ReportRepository, clock: Clock, settings: ReportSettings) -> None:
        self._store = store
        self._clock = clock
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)

    # ------------------------------------------------------------------- the journal

    def call_filter(
        self,
        *,
        number: str | None = None,
        agent_id: str | None = None,
        queue: str | None = None,
        direction: Direction | None = None,
        outcome: CallOutcome | None = None,
        case_number: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> CallFilter:
        """A filter from what a caller typed: the number in any format, as the journal
        normalised it when it was written."""
        start = _in_zone(start, self.zone, "from")
        end = _in_zone(end, self.zone, "to")
        if start is not None and end is not None and start >= end:
            raise InvalidValue("'from' must be before 'to'", field="from")
        return CallFilter(
            number=normalize_or_raw(number, self.settings.default_region) if number else None,
            agent_id=agent_id,
            queue=queue,
            direction=direction.value if direction else None,
            outcome=outcome.value if outcome else None,
            case_number=case_number,
            start=start,
            end=end,
        )

    async def calls(self, where: CallFilter, *, cursor: str | None, limit: int) -> CallPage:
        """A page of the journal, newest first; `cursor` is the previous page's
        `next_cursor`."""
        after = _decode_cursor(cursor) if cursor else None
        rows = await self._store.calls_page(ENTRY_COLUMNS, where, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = _encode_cursor(*_cursor_of(rows[-1])) if more else None
        return CallPage([call_entry_of(row) for row in rows], next_cursor)

    def export_rows(
        self, where: CallFilter, batch: int = 5000
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every matching call, newest first, for an export: tuples of `ENTRY_COLUMNS`
        as stored (direction and outcome as their text, `agent_ids` a list, times as
        ISO 8601 text) then the row's id, `batch` rows at a time."""
        return self._batches(self._store.export_page, where, batch)

    async def all_calls(self, where: CallFilter, batch: int = 1000) -> AsyncIterator[CallEntry]:
        """Every matching call, newest first."""
        async for rows in self._batches(self._store.calls_page, where, batch):
            for row in rows:
                yield call_entry_of(row)

    async def _batches(
        self, read: PageReader, where: CallFilter, batch: int
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """The rows `batch` at a time, one short read each, so an export of any size
        holds two batches in memory: the next one is read while the caller writes this
        one (the database's and the driver's work overlaps the caller's)."""
        rows = await read(ENTRY_COLUMNS, where, None, batch)
        while len(rows) == batch:
            following = asyncio.create_task(read(ENTRY_COLUMNS, where, _cursor_of(rows[-1]), batch))
            try:
                yield rows
            except BaseException:
                following.cancel()
                raise
            rows = await following
        if rows:
            yield rows

    async def call(self, call_id: str) -> CallEntry:
        row = await self._store.call(ENTRY_COLUMNS, call_id)
        if row is None:
            raise UnknownStoredCall(f"no call {call_id!r} in the journal", call_id=call_id)
        return call_entry_of(row)

    # -------------------------------------------------------------------- statistics

    def period(self, start: datetime | None, end: datetime | None) -> Period:
        """[start, end); by default today in the centre's time zone."""
        today = self._clock.now().astimezone(self.zone).date()
        start = _in_zone(start, self.zone, "from") or datetime.combine(today, time(0), self.zone)
        end = _in_zone(end, self.zone, "to") or datetime.combine(
            today + timedelta(days=1), time(0), self.zone
        )
        if start >= end:
            raise InvalidValue("'from' must be before 'to'", field="from")
        return Period(start, end, self.zone.key)

    async def queue_stats(self, period: Period) -> QueueStats:
        """The queues that had a call in the period (offered or not), each with its own
        target, and every queue together. Added up by the database: a month is some
        80,000 calls."""
        rules = self.settings.rules
        totals = await self._store.queue_totals(period.start, period.end, rules)
        rows = [
            QueueRow(name, figures_of(queue, rules.target_for(name)))
            for name, queue in sorted(totals.items())
        ]
        return QueueStats(
            period,
            rules.short_abandon_s,
            SERVICE_LEVEL_DEFINITION,
            rows,
            total=figures_of(sum(totals.values(), QueueTotals()), None),
        )

    async def satisfaction(self, period: Period) -> SatisfactionStats:
        """Q4: the survey answers given in the period, per queue of their case and in all."""
        answers = await self._store.survey_scores(period.start, period.end)
        by_queue: dict[str | None, list[int]] = {}
        for queue, score in answers:
            by_queue.setdefault(queue, []).append(score)
        rows = [
            SatisfactionRow(queue, satisfaction_figures(scores))
            for queue, scores in sorted(by_queue.items(), key=lambda item: item[0] or "")
        ]
        return SatisfactionStats(period, rows, satisfaction_figures(s for _, s in answers))

    async def agent_stats(self, period: Period, agent_id: str | None = None) -> AgentStats:
        """Every agent who handled a call or changed state in the period (or one)."""
        facts = await self._store.call_facts(period.start, period.end, agent_id=agent_id)
        states = await self._store.agent_transitions(
            period.start, period.end, None if agent_id is None else [agent_id]
        )
        calls_of: dict[str, list[Any]] = {}
        for fact in facts:
            if fact.agent_id is not None:
                calls_of.setdefault(fact.agent_id, []).append(fact)
        agents = sorted({*calls_of, *states} if agent_id is None else {agent_id})
        rows = []
        for agent in agents:
            at_start, transitions = states.get(agent, (None, []))
            # Time in a state stops now: today's figures hold no time yet to come.
            until = max(period.start, min(period.end, self._clock.now()))
            seconds = time_in_states(transitions, period.start, until, at_start)
            rows.append(AgentRow(agent, agent_figures(calls_of.get(agent, []), seconds)))
        return AgentStats(period, rows)

    async def interval_stats(
        self, period: Period, size: IntervalSize, queue: str | None = None
    ) -> IntervalStats:
        rules = self.settings.rules
        step = timedelta(days=1) if size == "day" else timedelta(minutes=int(size))
        # Checked before the intervals are made: a period of centuries would take long.
        if (period.end - period.start) / step > MAX_INTERVALS:
            raise InvalidValue(
                f"at most {MAX_INTERVALS} intervals; pick a shorter period or a larger size",
                field="size",
            )
        starts = interval_starts(period.start, period.end, size, self.zone)
        facts = await self._store.call_facts(period.start, period.end)
        if queue is not None:
            facts = [f for f in facts if f.queue == queue]
        target = rules.target_for(queue) if queue is not None else None
        buckets = bucket_calls(facts, starts)
        ends = [*starts[1:], period.end]
        rows = [
            IntervalRow(s, e, queue_figures(calls, rules, target))
            for s, e, calls in zip(starts, ends, buckets, strict=True)
        ]
        return IntervalStats(
            period, size, queue, rules.short_abandon_s, SERVICE_LEVEL_DEFINITION, rows
        )

    def queue_log(self, period: Period) -> AsyncIterator[str]:
        """The period's journal as app_queue's queue_log lines, in time order, read a
        day at a time so a year's export holds one day in memory. The period is
        checked here, before anything is streamed."""
        if period.end - period.start > timedelta(days=MAX_QUEUE_LOG_DAYS):
            raise InvalidValue(
                f"at most {MAX_QUEUE_LOG_DAYS} days of queue_log at a time", field="to"
            )
        return self._queue_log_lines(period)

    async def _queue_log_lines(self, period: Period) -> AsyncIterator[str]:
        day = timedelta(days=1)
        chunk_start = period.start
        while chunk_start < period.end:
            chunk_end = min(chunk_start + day, period.end)
            calls, before, changes = await self._store.queue_log_facts(chunk_start, chunk_end)
            lines = [line for call in calls for line in call_lines(call)]
            lines.extend(state_lines(changes, before))
            lines.sort(key=lambda line: line.at)
            for line in lines:
                yield line.render()
            chunk_start = chunk_end


# The journal's columns a CallEntry is made of, in its order (the CSV export's too).
ENTRY_COLUMNS = tuple(f.name for f in fields(CallEntry))
_STARTED_AT = ENTRY_COLUMNS.index("started_at")
_DIRECTION = ENTRY_COLUMNS.index("direction")
_AGENT_IDS = ENTRY_COLUMNS.index("agent_ids")
_OUTCOME = ENTRY_COLUMNS.index("outcome")


def call_entry_of(row: Sequence[Any]) -> CallEntry:
    """A journal row (`ENTRY_COLUMNS` first) as the API shows it."""
    values = list(row[: len(ENTRY_COLUMNS)])
    values[_DIRECTION] = Direction(values[_DIRECTION])
    values[_AGENT_IDS] = tuple(values[_AGENT_IDS] or ())
    values[_OUTCOME] = CallOutcome(values[_OUTCOME]) if values[_OUTCOME] else None
    return CallEntry(*values)


def _cursor_of(row: Sequence[Any]) -> tuple[datetime, int]:
    """A page's row's (started_at, id): where the next, older page starts."""
    at = row[_STARTED_AT]
    return (datetime.fromisoformat(at) if isinstance(at, str) else at), row[-1]


def _in_zone(value: datetime | None, zone: ZoneInfo, name: str) -> datetime | None:
    """`value` on the centre's clock; a time at the calendar's edge (year 1 or 9999)
    that no clock can show is refused."""
    if value is None:
        return None
    try:
        return value.astimezone(UTC).astimezone(zone)
    except OverflowError:
        raise InvalidValue(f"'{name}' is out of range", field=name) from None


def _encode_cursor(started_at: datetime, row_id: int) -> str:
    raw = json.dumps([started_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        started_at = datetime.fromisoformat(at).astimezone(UTC)
        if started_at.tzinfo is None or not isinstance(row_id, int) or not 0 < row_id < 2**31:
            raise ValueError(cursor)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise InvalidValue(
            "cursor is not one this server gave (use a page's next_cursor)", field="cursor"
        ) from None
    return started_at, row_id
