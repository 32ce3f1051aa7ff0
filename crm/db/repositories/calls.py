"""The call journal: one row per call, written in batches, and what routing reads of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Update,
    and_,
    bindparam,
    case,
    func,
    insert,
    null,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import Base, Call, CustomerPhone, UtcDateTime
from crm.db.repositories.cases import latest_follow_up_author
from crm.db.repositories.customers import latest_customer_id


@dataclass(frozen=True)
class CallerFacts:
    """What routing asks of a caller's number, read in one statement."""

    follow_up_author: str | None  # newest follow-up on their customer since the window
    customer_id: int | None  # most recent customer holding the number
    last_agent: str | None  # agent of their last handled call since the window


@dataclass(frozen=True)
class CallStatsRow:
    key: str | None
    calls: int
    answered: int
    abandoned: int
    avg_wait_s: float | None
    avg_talk_s: float | None
    answered_within_sl: int


# A new journal row has every column but `id`, which the database assigns.
_NEW_CALL_COLUMNS = tuple(c.key for c in Call.__table__.columns if c.key != "id")


def new_call_row(**values: Any) -> dict[str, Any]:
    """A journal row to insert: `values`, every other column None."""
    row: dict[str, Any] = dict.fromkeys(_NEW_CALL_COLUMNS)
    row.update(values)
    return row


class CallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last_handler(self, customer_id: int | None, number: str | None) -> str | None:
        """Q3's "smart" step: the agent of the contact's latest answered call, by customer
        or, for a caller no customer holds, by number."""
        if customer_id is not None:
            contact = Call.customer_id == customer_id
        elif number is not None:
            contact = Call.remote_number == number
        else:
            return None
        return await self.session.scalar(
            select(Call.agent_id)
            .where(contact, Call.agent_id.is_not(None), Call.answered_at.is_not(None))
            .order_by(Call.answered_at.desc())
            .limit(1)
        )

    # The journal's write path is Core on plain dicts: a batch of hundreds of rows costs a
    # few statements instead of an ORM flush per row.
    async def rows_by_call_id(self, call_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        table = Base.metadata.tables["calls"]
        result = await self.session.execute(
            select(table).where(table.c.call_id.in_(list(call_ids)))
        )
        return {row.call_id: dict(row._mapping) for row in result}

    async def insert_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """New rows, each with the same keys and no `id` (the database numbers them)."""
        if rows:
            await self.session.execute(insert(Base.metadata.tables["calls"]), list(rows))

    async def update_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows keyed by their `id`: every other column of each row is written."""
        if not rows:
            return
        table = Base.metadata.tables["calls"]
        params = [{("row_id" if k == "id" else k): v for k, v in row.items()} for row in rows]
        await self.session.execute(update(table).where(table.c.id == bindparam("row_id")), params)

    async def open_call_ids(self, started_before: datetime) -> set[str]:
        """Calls started before `started_before` whose row has no end yet."""
        stmt = select(Call.call_id).where(Call.ended_at.is_(None), Call.started_at < started_before)
        return set(await self.session.scalars(stmt))

    async def history(self, number: str, limit: int) -> list[Call]:
        result = await self.session.scalars(
            select(Call)
            .where(Call.remote_number == number)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(limit)
        )
        return list(result)

    async def caller_facts(
        self,
        number: str,
        *,
        follow_up_since: datetime,
        follow_up_kinds: Iterable[str],
        handled_outcomes: Iterable[str],
        last_agent_since: datetime | None,
        with_last_agent: bool,
    ) -> CallerFacts:
        """P5, P1 and S9's look-ups for one caller as scalar subqueries of one SELECT:
        one round trip to the database while the caller is in the IVR."""
        with_since = with_last_agent and last_agent_since is not None
        stmt = _caller_facts_statement(
            tuple(follow_up_kinds), tuple(handled_outcomes), with_last_agent, with_since
        )
        params = {"number": number, "follow_up_since": follow_up_since}
        if with_since:
            params["last_agent_since"] = last_agent_since
        follow_up_author, customer_id, agent = (await self.session.execute(stmt, params)).one()
        return CallerFacts(follow_up_author, customer_id, agent)

    async def stats(
        self,
        *,
        start: datetime,
        end: datetime,
        group_by: str,
        service_level_s: float,
        answered: str,
        abandoned: str,
        queue: str | None = None,
        agent_id: str | None = None,
    ) -> list[CallStatsRow]:
        key = Call.queue if group_by == "queue" else Call.agent_id
        is_answered = Call.outcome == answered
        stmt = (
            select(
                key,
                func.count(),
                func.sum(case((is_answered, 1), else_=0)),
                func.sum(case((Call.outcome == abandoned, 1), else_=0)),
                func.avg(Call.wait_s),
                func.avg(case((is_answered, Call.talk_s), else_=None)),
                func.sum(case((and_(is_answered, Call.wait_s <= service_level_s), 1), else_=0)),
            )
            # A call in progress (no end, no outcome yet) is counted once it ends.
            .where(Call.started_at >= start, Call.started_at < end, Call.ended_at.is_not(None))
            .group_by(key)
            .order_by(key)
        )
        if queue is not None:
            stmt = stmt.where(Call.queue == queue)
        if agent_id is not None:
            stmt = stmt.where(Call.agent_id == agent_id)
        rows = await self.session.execute(stmt)
        return [
            CallStatsRow(
                key=k,
                calls=int(n),
                answered=int(a or 0),
                abandoned=int(ab or 0),
                avg_wait_s=float(w) if w is not None else None,
                avg_talk_s=float(t) if t is not None else None,
                answered_within_sl=int(sl or 0),
            )
            for k, n, a, ab, w, t, sl in rows
        ]

    async def link_case(self, call_id: str, case_id: int, customer_id: int | None) -> bool:
        """Link the call's row to its case (and customer, when known); False when the
        call has no row yet."""
        params: dict[str, Any] = {"the_call_id": call_id, "the_case_id": case_id}
        if customer_id is not None:
            params["the_customer_id"] = customer_id
        result = await self.session.execute(_link_case_statement(customer_id is not None), params)
        return bool(result.rowcount)  # type: ignore[attr-defined]


# The look-ups every call makes (the IVR's, the ticket's) are built once, with their
# values bound at execution: building and keying a SELECT of several scalar subqueries
# costs more than running it.
@cache
def _caller_facts_statement(
    kinds: tuple[str, ...], outcomes: tuple[str, ...], with_last_agent: bool, with_since: bool
) -> Select[Any]:
    number = bindparam("number", type_=String())
    customers = select(CustomerPhone.customer_id).where(CustomerPhone.number == number)
    follow_up = latest_follow_up_author(
        customers, bindparam("follow_up_since", type_=UtcDateTime()), kinds
    )
    last_agent = (
        _last_handling_agent(
            number,
            outcomes,
            bindparam("last_agent_since", type_=UtcDateTime()) if with_since else None,
        )
        if with_last_agent
        else select(null())
    )
    return select(
        follow_up.scalar_subquery(),
        latest_customer_id(number).scalar_subquery(),
        last_agent.scalar_subquery(),
    )


@cache
def _link_case_statement(with_customer: bool) -> Update:
    table = Base.metadata.tables["calls"]
    values = {"case_id": bindparam("the_case_id", type_=Integer())}
    if with_customer:
        values["customer_id"] = bindparam("the_customer_id", type_=Integer())
    return (
        update(table)
        .where(table.c.call_id == bindparam("the_call_id", type_=String()))
        .values(values)
    )


def _last_handling_agent(
    number: str | ColumnElement[Any],
    outcomes: Iterable[str],
    since: datetime | ColumnElement[Any] | None,
) -> Select[Any]:
    stmt = select(Call.agent_id).where(
        Call.remote_number == number,
        Call.agent_id.is_not(None),
        Call.outcome.in_(list(outcomes)),
    )
    if since is not None:
        stmt = stmt.where(Call.started_at >= since)
    return stmt.order_by(Call.started_at.desc(), Call.id.desc()).limit(1)


__all__ = ["CallRepository", "CallStatsRow", "CallerFacts", "new_call_row"]
