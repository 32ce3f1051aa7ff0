"""The reporting queries: journal pages and the rows the statistics are computed from.

Read-only, each in its own short transaction, so a long export never holds one open
(on SQLite a long reader would keep the WAL from being checkpointed)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Float,
    Select,
    String,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.db.models import AgentStateChange, Call, Case, CaseEvent, UtcDateTime
from crm.domain.journal import CallOutcome, Direction
from crm.domain.mail_rules import SURVEY_SCORE_FIELD
from crm.domain.queue_log import LoggedCall, StateChange
from crm.domain.reporting import CallFact, CallFilter, QueueTotals, ReportRules

Transitions = list[tuple[str, datetime]]


class ReportRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def calls_page(
        self,
        columns: Sequence[str],
        where: CallFilter,
        after: tuple[datetime, int] | None,
        limit: int,
    ) -> list[tuple[Any, ...]]:
        """Up to `limit` journal rows newest first, those strictly older than `after`
        (a row's (started_at, id)) when given: plain tuples of `columns` then the row's
        id (no ORM objects, no mappings)."""
        table = Call.__table__.c
        return await self._page([table[name] for name in columns], where, after, limit)

    async def export_page(
        self,
        columns: Sequence[str],
        where: CallFilter,
        after: tuple[datetime, int] | None,
        limit: int,
    ) -> list[tuple[Any, ...]]:
        """`calls_page` for an export of hundreds of thousands of rows: each time comes
        as the text `isoformat()` writes of the aware UTC time, written by the database,
        and on SQLite JSON lists of strings are read from their text. The column types' own
        conversion of each value (on SQLite a time parsed, given its zone, then written
        back by the caller) was a third of an export's time."""
        table = Call.__table__.c
        dialect = self._engine.dialect.name
        # asyncpg decodes JSON itself; SQLite gives its text.
        lists = [i for i, name in enumerate(columns) if name in _JSON_COLUMNS]
        if dialect != "sqlite":
            lists = []
        selected = [
            _iso_text(table[name], dialect)
            if name in _TIME_COLUMNS
            else type_coerce(table[name], String)
            if i in lists
            else table[name]
            for i, name in enumerate(columns)
        ]
        rows = await self._page(selected, where, after, limit)
        if not lists:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for i in lists:
                values[i] = _json_strings(values[i])
            converted.append(tuple(values))
        return converted

    async def _page(
        self,
        selected: Sequence[ColumnElement[Any]],
        where: CallFilter,
        after: tuple[datetime, int] | None,
        limit: int,
    ) -> list[tuple[Any, ...]]:
        stmt = _filtered(select(*selected, Call.id), where)
        if after is not None:
            at, row_id = after
            # `started_at <= at` is implied by the OR; stated, it bounds the index range
            # scan, so each page reads its own rows and not every row after the cursor.
            stmt = stmt.where(
                Call.started_at <= at,
                or_(Call.started_at < at, (Call.started_at == at) & (Call.id < row_id)),
            )
        stmt = stmt.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit)
        async with self._engine.connect() as connection:
            result = await connection.execute(stmt)
            return [tuple(row) for row in result]

    async def call(self, columns: Sequence[str], call_id: str) -> tuple[Any, ...] | None:
        table = Call.__table__.c
        stmt = select(*(table[name] for name in columns)).where(Call.call_id == call_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(stmt)).first()
        return tuple(row) if row is not None else None

    async def queue_totals(
        self, start: datetime, end: datetime, rules: ReportRules
    ) -> dict[str, QueueTotals]:
        """Per queue, the totals of the calls started in [start, end) and ended, added up by the
        database in one GROUP BY: the same definitions as `crm.domain.reporting.
        queue_totals` (tests/integration/crm/test_crm_report_totals.py compares them)."""
        columns = _totals_columns(rules)
        stmt = (
            select(Call.queue, *(expr.label(name) for name, expr in columns.items()))
            .where(
                Call.started_at >= start,
                Call.started_at < end,
                Call.queue.is_not(None),
                Call.ended_at.is_not(None),  # a call in progress counts once it ends
            )
            .group_by(Call.queue)
        )
        async with self._engine.connect() as connection:
            result = await connection.execute(stmt)
            return {
                queue: QueueTotals(**dict(zip(columns, totals, strict=True)))
                for queue, *totals in result
            }

    async def call_facts(
        self, start: datetime, end: datetime, *, agent_id: str | None = None
    ) -> list[CallFact]:
        """The calls started in [start, end) and ended, with what the figures need of
        them: a call in progress has no outcome yet, and is counted once it ends."""
        stmt = select(
            Call.direction,
            Call.queue,
            Call.agent_id,
            Call.outcome,
            Call.started_at,
            Call.wait_s,
            Call.talk_s,
            Call.wrapup_s,
        ).where(Call.started_at >= start, Call.started_at < end, Call.ended_at.is_not(None))
        if agent_id is not None:
            stmt = stmt.where(Call.agent_id == agent_id)
        async with self._engine.connect() as connection:
            result = await connection.execute(stmt)
            return [CallFact(*row) for row in result]

    async def agent_transitions(
        self, start: datetime, end: datetime, agent_ids: Iterable[str] | None = None
    ) -> dict[str, tuple[str | None, Transitions]]:
        """Per agent: the state they were in at `start` and their transitions in
        [start, end), in order. Agents with neither are left out."""
        agents = None if agent_ids is None else list(agent_ids)
        before = _states_before(start)
        during = (
            select(AgentStateChange.agent_id, AgentStateChange.state, AgentStateChange.at)
            .where(AgentStateChange.at >= start, AgentStateChange.at < end)
            .order_by(AgentStateChange.agent_id, AgentStateChange.at, AgentStateChange.id)
        )
        if agents is not None:
            before = before.where(before.selected_columns.agent_id.in_(agents))
            during = during.where(AgentStateChange.agent_id.in_(agents))
        found: dict[str, tuple[str | None, Transitions]] = {}
        async with self._engine.connect() as connection:
            for agent_id, state in await connection.execute(before):
                found[agent_id] = (state, [])
            for agent_id, state, at in await connection.execute(during):
                found.setdefault(agent_id, (None, []))[1].append((state, at))
        return found

    async def survey_scores(self, start: datetime, end: datetime) -> list[tuple[str | None, int]]:
        """Q4: the survey answers given in [start, end), each with its case's queue."""
        stmt = (
            select(Case.queue, CaseEvent.new_value)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(
                CaseEvent.field == SURVEY_SCORE_FIELD,
                CaseEvent.at >= start,
                CaseEvent.at < end,
            )
        )
        async with self._engine.connect() as connection:
            rows = await connection.execute(stmt)
            return [(queue, int(score)) for queue, score in rows if score and score.isdigit()]

    async def queue_log_facts(
        self, start: datetime, end: datetime
    ) -> tuple[list[LoggedCall], dict[str, str], list[StateChange]]:
        """What the queue_log of [start, end) is written from: the calls that started
        in it, each agent's state at `start`, and the state changes in it, in order."""
        calls = (
            select(*(Call.__table__.c[name] for name in _LOGGED_CALL_COLUMNS))
            .where(Call.started_at >= start, Call.started_at < end)
            .order_by(Call.started_at, Call.id)
        )
        changes = (
            select(
                AgentStateChange.agent_id,
                AgentStateChange.state,
                AgentStateChange.reason,
                AgentStateChange.at,
            )
            .where(AgentStateChange.at >= start, AgentStateChange.at < end)
            .order_by(AgentStateChange.at, AgentStateChange.id)
        )
        async with self._engine.connect() as connection:
            logged = [LoggedCall(*row) for row in await connection.execute(calls)]
            before = {a: st for a, st in await connection.execute(_states_before(start))}
            moves = [StateChange(*row) for row in await connection.execute(changes)]
        return logged, before, moves


_LOGGED_CALL_COLUMNS = tuple(f.name for f in fields(LoggedCall))


def _states_before(start: datetime) -> Select[Any]:
    """(agent_id, state) of each agent's last change before `start`."""
    latest = (
        select(
            AgentStateChange.agent_id,
            AgentStateChange.state,
            func.row_number()
            .over(
                partition_by=AgentStateChange.agent_id,
                order_by=(AgentStateChange.at.desc(), AgentStateChange.id.desc()),
            )
            .label("rank"),
        )
        .where(AgentStateChange.at < start)
        .subquery()
    )
    return select(latest.c.agent_id, latest.c.state).where(latest.c.rank == 1)


_TIME_COLUMNS = frozenset(c.name for c in Call.__table__.c if isinstance(c.type, UtcDateTime))
_JSON_COLUMNS = frozenset(c.name for c in Call.__table__.c if isinstance(c.type, JSON))


def _iso_text(column: ColumnElement[Any], dialect: str) -> ColumnElement[str]:
    """The time as `datetime.isoformat()` writes it aware in UTC: "2025-06-17T08:00:00
    +00:00", microseconds only when there are some; NULL stays NULL."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", column, type_=String)
        text = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US', type_=String)
    else:  # SQLite keeps naive UTC text of fixed width, "2025-06-17 08:00:00.000000".
        text = func.replace(type_coerce(column, String), " ", "T", type_=String)
    return func.replace(text, ".000000", "", type_=String) + "+00:00"


def _json_strings(text: str | None) -> list[str] | None:
    """A JSON list of strings from its text. Without a backslash no string holds an
    escape (nor a quote), so the strings are what stands between the quotes."""
    if text is None:
        return None
    if "\\" in text or not (text.startswith("[") and text.endswith("]")):
        loaded: list[str] = json.loads(text)
        return loaded
    return text.split('"')[1::2]


def _totals_columns(rules: ReportRules) -> dict[str, ColumnElement[Any]]:
    """Each field of `QueueTotals` as an aggregate over a queue's calls."""
    outcome = func.coalesce(Call.outcome, "")
    wait = func.coalesce(Call.wait_s, 0.0)
    offered = (Call.direction == Direction.INBOUND.value) & (
        outcome != CallOutcome.CLOSED_HOURS.value
    )
    abandon = offered & (outcome == CallOutcome.ABANDONED.value)
    short = abandon & (wait < rules.short_abandon_s)
    counted = offered & ~short
    answered = offered & (outcome == CallOutcome.ANSWERED.value)

    def total(value: ColumnElement[Any], where: ColumnElement[bool]) -> ColumnElement[Any]:
        # A SUM over no row is NULL; a total of nothing is 0.
        return func.coalesce(func.sum(value).filter(where), 0.0)

    return {
        "offered": func.count().filter(offered),
        "short_abandoned": func.count().filter(short),
        "answered": func.count().filter(answered),
        "abandoned": func.count().filter(abandon & ~short),
        "overflowed": func.count().filter(counted & (outcome == CallOutcome.OVERFLOWED.value)),
        "callbacks": func.count().filter(counted & (outcome == CallOutcome.CALLBACK.value)),
        "answered_within_target": func.count().filter(answered & (wait <= _target_of(rules))),
        "waits": func.count(Call.wait_s).filter(counted),
        "wait_s": total(wait, counted),
        "max_wait_s": func.max(Call.wait_s).filter(counted),
        "answered_wait_s": total(wait, answered),
        "talk_s": total(func.coalesce(Call.talk_s, 0.0), answered),
        "wrapup_s": total(func.coalesce(Call.wrapup_s, 0.0), answered),
    }


def _target_of(rules: ReportRules) -> ColumnElement[float]:
    """Each call's service-level target: its queue's, or the centre's default."""
    default = literal(float(rules.service_level_target_s), Float)
    if not rules.service_level_targets:
        return default
    targets = rules.service_level_targets.items()
    return case(*((Call.queue == q, literal(float(t), Float)) for q, t in targets), else_=default)


def _filtered(stmt: Select[Any], where: CallFilter) -> Select[Any]:
    if where.number is not None:
        stmt = stmt.where(Call.remote_number == where.number)
    if where.agent_id is not None:
        stmt = stmt.where(Call.agent_id == where.agent_id)
    if where.queue is not None:
        stmt = stmt.where(Call.queue == where.queue)
    if where.direction is not None:
        stmt = stmt.where(Call.direction == where.direction)
    if where.outcome is not None:
        stmt = stmt.where(Call.outcome == where.outcome)
    if where.case_number is not None:
        case_id = select(Case.id).where(Case.number == where.case_number).scalar_subquery()
        stmt = stmt.where(Call.case_id == case_id)
    if where.start is not None:
        stmt = stmt.where(Call.started_at >= where.start)
    if where.end is not None:
        stmt = stmt.where(Call.started_at < where.end)
    return stmt
