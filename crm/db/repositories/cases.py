"""Cases and their timeline: audit events, follow-ups, intake answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import Base, Case, CaseEvent, FollowUp, IntakeAnswer, UtcDateTime
from crm.db.repositories.customers import latest_customer_id

_AnySelect = TypeVar("_AnySelect", bound="Select[*tuple[Any, ...]]")


def format_case_number(case_id: int, created_at: datetime) -> str:
    """Readable over the phone: year, dash, six digits ("2025-000042")."""
    return f"{created_at.year}-{case_id:06d}"


@dataclass(frozen=True)
class TicketFacts:
    """What a ticket for a call reads before it writes, in one statement."""

    customer_id: int | None  # most recent customer holding the caller's number
    latest_case_id: int | None  # their newest case (the number's, for an unknown caller)
    recent_cases: int  # the customer's cases created within the repeat-contact window
    agent_active: int  # cases the answering agent owns in an active status


@dataclass(frozen=True)
class CaseState:
    status: str
    last_activity_at: datetime
    owner_agent_id: str | None


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, case_: Case) -> Case:
        self.session.add(case_)
        await self.session.flush()  # the number is made of the id
        case_.number = format_case_number(case_.id, case_.created_at)  # written at next flush
        return case_

    async def get(self, case_id: int) -> Case | None:
        return await self.session.get(Case, case_id)

    async def get_by_number(self, number: str, *, for_update: bool = False) -> Case | None:
        stmt = select(Case).where(Case.number == number)
        if for_update:
            stmt = stmt.with_for_update()
        result = await self.session.scalars(stmt)
        return result.first()

    async def lock(self, case_id: int) -> Case | None:
        result = await self.session.scalars(
            select(Case).where(Case.id == case_id).with_for_update()
        )
        return result.first()

    async def latest_state_for(
        self, *, customer_id: int | None, contact_number: str | None
    ) -> CaseState | None:
        """The newest case's state without loading the case: what deciding join-or-open
        needs (the IVR asks this for every known caller)."""
        params: dict[str, Any]
        if customer_id is not None:
            params = {"customer_id": customer_id}
        elif contact_number is not None:
            params = {"number": contact_number}
        else:
            return None
        stmt = _latest_case_state_statement(customer_id is not None)
        row = (await self.session.execute(stmt, params)).first()
        return CaseState(*row) if row is not None else None

    async def for_customer(self, customer_id: int) -> list[Case]:
        result = await self.session.scalars(
            select(Case)
            .where(Case.customer_id == customer_id)
            .order_by(Case.created_at.desc(), Case.id.desc())
        )
        return list(result)

    async def listing(
        self,
        *,
        statuses: Sequence[str],
        priority_order: Sequence[str],
        owner: str | None,
        unassigned: bool,
        queues: Iterable[str] | None,
        level: int | None,
        subject: str | None,
        limit: int,
    ) -> list[Case]:
        """A work list: the most urgent first (`priority_order` lists the priorities
        lowest first), then the longest waiting."""
        stmt = select(Case).where(Case.status.in_(list(statuses)))
        if owner is not None:
            stmt = stmt.where(Case.owner_agent_id == owner)
        if unassigned:
            stmt = stmt.where(Case.owner_agent_id.is_(None))
        if queues is not None:
            stmt = stmt.where(Case.queue.in_(list(queues)))
        if level is not None:
            stmt = stmt.where(Case.escalation_level == level)
        if subject is not None:
            stmt = stmt.where(Case.subject == subject)
        rank = sql_case({p: i for i, p in enumerate(priority_order)}, value=Case.priority)
        result = await self.session.scalars(
            stmt.order_by(rank.desc(), Case.created_at, Case.id).limit(limit)
        )
        return list(result)

    async def for_unknown_number(self, number: str) -> list[Case]:
        """The cases opened for a number no customer held at the time, newest first."""
        result = await self.session.scalars(
            select(Case)
            .where(Case.customer_id.is_(None), Case.contact_number == number)
            .order_by(Case.created_at.desc(), Case.id.desc())
        )
        return list(result)

    async def ticket_facts(
        self, number: str | None, agent_id: str, statuses: Iterable[str], created_since: datetime
    ) -> TicketFacts:
        """What opening or joining a ticket for a call needs, as scalar subqueries of one
        SELECT: the caller's customer, their newest case (by customer, or by number for an
        unknown caller), their recent cases and the answering agent's active cases."""
        stmt = _ticket_facts_statement(tuple(statuses), number is not None)
        params: dict[str, Any] = {"agent_id": agent_id}
        if number is None:
            (agent_active,) = (await self.session.execute(stmt, params)).one()
            return TicketFacts(None, None, 0, int(agent_active))
        params |= {"number": number, "created_since": created_since}
        result = await self.session.execute(stmt, params)
        customer_id, customer_case, number_case, recent_cases, agent_active = result.one()
        return TicketFacts(
            customer_id,
            customer_case if customer_id is not None else number_case,
            int(recent_cases),
            int(agent_active),
        )

    async def count_created_since(
        self, customer_id: int, since: datetime, exclude_id: int | None = None
    ) -> int:
        stmt = _cases_created_since(customer_id, since)
        if exclude_id is not None:
            stmt = stmt.where(Case.id != exclude_id)
        return int(await self.session.scalar(stmt) or 0)

    async def active_counts(
        self, agent_ids: Iterable[str], statuses: Iterable[str]
    ) -> dict[str, int]:
        ids = list(agent_ids)
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Case.owner_agent_id, func.count())
            .where(Case.owner_agent_id.in_(ids), Case.status.in_(list(statuses)))
            .group_by(Case.owner_agent_id)
        )
        return {str(agent): int(n) for agent, n in rows}

    async def due_auto_close(self, now: datetime, status: str, limit: int = 100) -> list[Case]:
        result = await self.session.scalars(
            select(Case)
            .where(Case.auto_close_at <= now, Case.status == status)
            .order_by(Case.auto_close_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(result)

    async def add_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Audit rows in one Core executemany (the ORM would insert them one by one to
        read back ids nobody needs)."""
        if events:
            await self.session.execute(insert(Base.metadata.tables["case_events"]), list(events))

    async def events(self, case_id: int) -> list[CaseEvent]:
        result = await self.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
        return list(result)

    async def add_intake_answers(self, answers: Iterable[IntakeAnswer]) -> None:
        self.session.add_all(list(answers))

    async def intake_answers(self, case_id: int) -> list[IntakeAnswer]:
        result = await self.session.scalars(
            select(IntakeAnswer)
            .where(IntakeAnswer.case_id == case_id)
            .order_by(IntakeAnswer.answered_at, IntakeAnswer.position, IntakeAnswer.id)
        )
        return list(result)

    async def add_follow_up(self, follow_up: FollowUp) -> FollowUp:
        """Written (and numbered) at the next flush or the commit."""
        self.session.add(follow_up)
        return follow_up

    async def follow_ups(self, case_id: int) -> list[FollowUp]:
        result = await self.session.scalars(
            select(FollowUp).where(FollowUp.case_id == case_id).order_by(FollowUp.at, FollowUp.id)
        )
        return list(result)


@cache
def _latest_case_state_statement(
    by_customer: bool,
) -> Select[str, datetime, str | None]:
    columns = select(Case.status, Case.last_activity_at, Case.owner_agent_id)
    stmt = (
        _latest_case(columns, bindparam("customer_id", type_=Integer()), None)
        if by_customer
        else _latest_case(columns, None, bindparam("number", type_=String()))
    )
    assert stmt is not None
    return stmt


@cache
def _ticket_facts_statement(statuses: tuple[str, ...], with_number: bool) -> Select[Any]:
    active = select(func.count()).where(
        Case.owner_agent_id == bindparam("agent_id", type_=String()),
        Case.status.in_(list(statuses)),
    )
    if not with_number:
        return select(active.scalar_subquery())
    number = bindparam("number", type_=String())
    customer = latest_customer_id(number).scalar_subquery()
    by_customer = _latest_case(select(Case.id), customer, None)
    by_number = _latest_case(select(Case.id), None, number)
    assert by_customer is not None and by_number is not None
    recent = _cases_created_since(customer, bindparam("created_since", type_=UtcDateTime()))
    return select(
        customer,
        by_customer.scalar_subquery(),
        by_number.scalar_subquery(),
        recent.scalar_subquery(),
        active.scalar_subquery(),
    )


def _cases_created_since(
    customer_id: int | ColumnElement[Any], since: datetime | ColumnElement[Any]
) -> Select[Any]:
    """How many cases the customer opened since `since` (S1's repeat contacts)."""
    return select(func.count()).where(Case.customer_id == customer_id, Case.created_at >= since)


def _latest_case(
    stmt: _AnySelect,
    customer_id: int | ColumnElement[Any] | None,
    contact_number: str | ColumnElement[Any] | None,
) -> _AnySelect | None:
    """`stmt` narrowed to the customer's newest case, or for an unknown caller (no
    customer) the number's; None when there is neither."""
    if customer_id is not None:
        stmt = stmt.where(Case.customer_id == customer_id)
    elif contact_number is not None:
        stmt = stmt.where(Case.customer_id.is_(None), Case.contact_number == contact_number)
    else:
        return None
    return stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(1)


def latest_follow_up_author(
    customers: Sequence[int] | Select[Any],
    since: datetime | ColumnElement[Any],
    kinds: Iterable[str],
) -> Select[Any]:
    """P5: the newest contact follow-up after `since` on any of these customers."""
    return (
        select(FollowUp.author)
        .where(
            FollowUp.customer_id.in_(customers),
            FollowUp.at > since,
            FollowUp.kind.in_(list(kinds)),
        )
        .order_by(FollowUp.at.desc(), FollowUp.id.desc())
        .limit(1)
    )


__all__ = [
    "CaseRepository",
    "CaseState",
    "TicketFacts",
    "format_case_number",
    "latest_follow_up_author",
]
