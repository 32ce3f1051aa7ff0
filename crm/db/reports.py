"""The reporting queries: journal pages and the rows the statistics are computed from.

Read-only, each in its own short transaction, so a long export never holds one open
(on SQLite a long reader would keep the WAL from being checkpointed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.db.models import AgentStateChange, Call, Case
from crm.domain.queue_log import LoggedCall, StateChange
from crm.domain.reporting import CallFact, CallFilter

Transitions = list[tuple[str, datetime]]


class ReportRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def calls_page(
        self, where: CallFilter, after: tuple[datetime, int] | None, limit: int
    ) -> list[dict[str, Any]]:
        """Up to `limit` journal rows newest first, those strictly older than `after`
        (a row's (started_at, id)) when given; each row's columns by name."""
        stmt = _filtered(select(Call.__table__), where)
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
            return [dict(row._mapping) for row in result]

    async def call(self, call_id: str) -> dict[str, Any] | None:
        async with self._engine.connect() as connection:
            result = await connection.execute(select(Call.__table__).where(Call.call_id == call_id))
            row = result.first()
        return dict(row._mapping) if row is not None else None

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
