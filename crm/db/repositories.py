"""Repositories: every query the CRM runs, behind plain methods."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Generic, TypeVar

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

from crm.db.models import (
    AgentStateChange,
    Base,
    Call,
    Case,
    CaseEvent,
    Customer,
    CustomerEmail,
    CustomerPhone,
    FollowUp,
    IntakeAnswer,
    Notification,
    OutboxMail,
    Task,
    UtcDateTime,
    WebhookDelivery,
)


def format_case_number(case_id: int, created_at: datetime) -> str:
    """Readable over the phone: year, dash, six digits ("2025-000042")."""
    return f"{created_at.year}-{case_id:06d}"


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        customer: Customer,
        phones: Iterable[tuple[str, str | None]] = (),
        emails: Iterable[str] = (),
    ) -> Customer:
        phones = list(phones)
        emails = list(emails)
        customer.phones = [number for number, _ in phones]
        customer.emails = emails
        self.session.add(customer)
        await self.session.flush()
        for number, label in phones:
            self.session.add(CustomerPhone(customer_id=customer.id, number=number, label=label))
        for position, email in enumerate(emails):
            self.session.add(CustomerEmail(customer_id=customer.id, email=email, position=position))
        await self.session.flush()
        return customer

    async def get(self, customer_id: int) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def get_by_account(self, account_number: str) -> Customer | None:
        result = await self.session.scalars(
            select(Customer).where(Customer.account_number == account_number)
        )
        return result.first()

    async def find_by_phone(self, number: str) -> Customer | None:
        """Most recently created customer holding this E.164 number."""
        result = await self.session.scalars(
            select(Customer)
            .join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
            .where(CustomerPhone.number == number)
            .order_by(Customer.id.desc())
            .limit(1)
        )
        return result.first()

    async def latest_ids_for_phones(self, numbers: Iterable[str]) -> dict[str, int]:
        """`find_by_phone` for many numbers at once: number → most recent customer id."""
        result = await self.session.execute(
            select(CustomerPhone.number, func.max(CustomerPhone.customer_id))
            .where(CustomerPhone.number.in_(list(numbers)))
            .group_by(CustomerPhone.number)
        )
        return {number: customer_id for number, customer_id in result}

    async def ids_for_phone(self, number: str) -> list[int]:
        result = await self.session.scalars(
            select(CustomerPhone.customer_id).where(CustomerPhone.number == number)
        )
        return list(result)

    async def find_by_email(self, email: str) -> Customer | None:
        result = await self.session.scalars(
            select(Customer)
            .join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
            .where(CustomerEmail.email == email)
            .order_by(Customer.id.desc())
            .limit(1)
        )
        return result.first()

    async def emails(self, customer_id: int) -> list[str]:
        result = await self.session.scalars(
            select(CustomerEmail.email)
            .where(CustomerEmail.customer_id == customer_id)
            .order_by(CustomerEmail.position, CustomerEmail.id)
        )
        return list(result)

    async def bulk_insert(
        self, customers: Sequence[Mapping[str, Any]], phones: Sequence[Mapping[str, Any]]
    ) -> None:
        """Benchmark/import path: rows as dicts, ids given by the caller."""
        # Core inserts (not ORM bulk): several times faster for large batches.
        if customers:
            await self.session.execute(Base.metadata.tables["customers"].insert(), list(customers))
        if phones:
            await self.session.execute(
                Base.metadata.tables["customer_phones"].insert(), list(phones)
            )


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

    async def latest_follow_up_author(
        self, customer_ids: Sequence[int], since: datetime, kinds: Iterable[str]
    ) -> str | None:
        """P5: author of the newest follow-up on any of these customers after `since`."""
        if not customer_ids:
            return None
        result = await self.session.scalars(
            _latest_follow_up_author(list(customer_ids), since, kinds)
        )
        return result.first()


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, task: Task) -> Task:
        self.session.add(task)
        await self.session.flush()
        return task

    async def get(self, task_id: int) -> Task | None:
        return await self.session.get(Task, task_id)

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[Task]:
        result = await self.session.scalars(
            select(Task)
            .where(Task.reminder_at <= now, Task.done_at.is_(None))
            .order_by(Task.reminder_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(result)

    async def for_assignee(self, assignee: str, include_done: bool = False) -> list[Task]:
        stmt = select(Task).where(Task.assignee == assignee)
        if not include_done:
            stmt = stmt.where(Task.done_at.is_(None))
        result = await self.session.scalars(stmt.order_by(Task.due_at, Task.id))
        return list(result)


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, notification: Notification) -> Notification:
        self.session.add(notification)
        await self.session.flush()
        return notification

    async def get(self, notification_id: int) -> Notification | None:
        return await self.session.get(Notification, notification_id)

    async def for_recipient(self, recipient: str, unread_only: bool = False) -> list[Notification]:
        stmt = select(Notification).where(Notification.recipient == recipient)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        result = await self.session.scalars(
            stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
        )
        return list(result)


_Delivery = TypeVar("_Delivery", OutboxMail, WebhookDelivery)
_AnySelect = TypeVar("_AnySelect", bound="Select[*tuple[Any, ...]]")


class _DeliveryRepository(Generic[_Delivery]):
    """Rows waiting to go out (mails, webhook calls), each sent by whichever node claims
    it: a claim pushes the next attempt `lease` ahead, so another node (or a crash
    mid-send) cannot lose the row — an unconfirmed claim simply expires."""

    model: type[_Delivery]
    done_attribute: str  # set once the row went out

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: _Delivery) -> _Delivery:
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, row_id: int) -> _Delivery | None:
        return await self.session.get(self.model, row_id)

    async def all(self) -> list[_Delivery]:
        result = await self.session.scalars(select(self.model).order_by(self.model.id))
        return list(result)

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[_Delivery]:
        result = await self.session.scalars(
            select(self.model)
            .where(
                getattr(self.model, self.done_attribute).is_(None),
                self.model.failed_at.is_(None),
                self.model.next_attempt_at <= now,
            )
            .order_by(self.model.next_attempt_at, self.model.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(result)
        for row in rows:
            row.next_attempt_at = now + lease
        await self.session.flush()
        return rows

    async def record_attempts(
        self,
        outcomes: Mapping[int, str | None],
        now: datetime,
        retry_at: Callable[[_Delivery], datetime | None],
        max_attempts: int | None = None,
    ) -> None:
        """One attempt per row id: gone out (no error), or failed and due again at
        `retry_at(row)` (None: no more tries). A row failed `max_attempts` times gives up:
        `failed_at` is set and no due query picks it again. Rows gone out meanwhile are
        left alone."""
        for row_id, error in outcomes.items():
            row = await self.get(row_id)
            if row is None or getattr(row, self.done_attribute) is not None:
                continue
            row.attempts += 1
            row.last_attempt_at = now
            if error is None:
                setattr(row, self.done_attribute, now)
                row.next_attempt_at = None
                row.last_error = None
            else:
                row.last_error = error[:2000]
                if max_attempts is not None and row.attempts >= max_attempts:
                    row.failed_at = now
                    row.next_attempt_at = None
                else:
                    row.next_attempt_at = retry_at(row)

    async def count_failed(self) -> int:
        count = await self.session.scalar(
            select(func.count(self.model.id)).where(self.model.failed_at.is_not(None))
        )
        return int(count or 0)

    async def failed(self, limit: int) -> list[_Delivery]:
        """Rows that gave up, newest first."""
        result = await self.session.scalars(
            select(self.model)
            .where(self.model.failed_at.is_not(None))
            .order_by(self.model.failed_at.desc(), self.model.id.desc())
            .limit(limit)
        )
        return list(result)


class OutboxRepository(_DeliveryRepository[OutboxMail]):
    model = OutboxMail
    done_attribute = "sent_at"

    async def last_queued(self, to_addr: str, kind: str) -> datetime | None:
        return await self.session.scalar(
            select(func.max(OutboxMail.created_at)).where(
                OutboxMail.to_addr == to_addr, OutboxMail.kind == kind
            )
        )


class WebhookRepository(_DeliveryRepository[WebhookDelivery]):
    model = WebhookDelivery
    done_attribute = "delivered_at"


@dataclass(frozen=True)
class TicketFacts:
    """What a ticket for a call reads before it writes, in one statement."""

    customer_id: int | None  # most recent customer holding the caller's number
    latest_case_id: int | None  # their newest case (the number's, for an unknown caller)
    recent_cases: int  # the customer's cases created within the repeat-contact window
    agent_active: int  # cases the answering agent owns in an active status


@dataclass(frozen=True)
class CallerFacts:
    """What routing asks of a caller's number, read in one statement."""

    follow_up_author: str | None  # newest follow-up on their customer since the window
    customer_id: int | None  # most recent customer holding the number
    last_agent: str | None  # agent of their last handled call since the window


@dataclass(frozen=True)
class CaseState:
    status: str
    last_activity_at: datetime
    owner_agent_id: str | None


@dataclass(frozen=True)
class CallStatsRow:
    key: str | None
    calls: int
    answered: int
    abandoned: int
    avg_wait_s: float | None
    avg_talk_s: float | None
    answered_within_sl: int


class AgentStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, changes: Sequence[Mapping[str, Any]]) -> None:
        """Core executemany: one statement for a whole batch of transitions."""
        if changes:
            await self.session.execute(
                insert(Base.metadata.tables["agent_state_changes"]), list(changes)
            )

    async def between(
        self, agent_id: str, start: datetime, end: datetime
    ) -> list[AgentStateChange]:
        rows = await self.session.scalars(
            select(AgentStateChange)
            .where(
                AgentStateChange.agent_id == agent_id,
                AgentStateChange.at >= start,
                AgentStateChange.at < end,
            )
            .order_by(AgentStateChange.at, AgentStateChange.id)
        )
        return list(rows)

    async def last_before(self, agent_id: str, when: datetime) -> AgentStateChange | None:
        rows = await self.session.scalars(
            select(AgentStateChange)
            .where(AgentStateChange.agent_id == agent_id, AgentStateChange.at < when)
            .order_by(AgentStateChange.at.desc(), AgentStateChange.id.desc())
            .limit(1)
        )
        return rows.first()


class CallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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

    async def bulk_insert(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Import/benchmark path: Core executemany of plain dicts."""
        await self.session.execute(Base.metadata.tables["calls"].insert(), list(rows))

    async def history(self, number: str, limit: int) -> list[Call]:
        result = await self.session.scalars(
            select(Call)
            .where(Call.remote_number == number)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(limit)
        )
        return list(result)

    async def last_handling_agent(
        self, number: str, outcomes: Iterable[str], since: datetime | None = None
    ) -> str | None:
        result = await self.session.scalars(_last_handling_agent(number, outcomes, since))
        return result.first()

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
            .where(Call.started_at >= start, Call.started_at < end)
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
# cost more CPU than running it.
@cache
def _caller_facts_statement(
    kinds: tuple[str, ...], outcomes: tuple[str, ...], with_last_agent: bool, with_since: bool
) -> Select[Any]:
    number = bindparam("number", type_=String())
    customers = select(CustomerPhone.customer_id).where(CustomerPhone.number == number)
    follow_up = _latest_follow_up_author(
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
        _latest_customer_id(number).scalar_subquery(),
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
    customer = _latest_customer_id(number).scalar_subquery()
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


def _latest_customer_id(number: str | ColumnElement[Any]) -> Select[Any]:
    """The most recently created customer holding this E.164 number (`find_by_phone`)."""
    return select(func.max(CustomerPhone.customer_id)).where(CustomerPhone.number == number)


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


def _latest_follow_up_author(
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


__all__ = [
    "CallRepository",
    "CallStatsRow",
    "CallerFacts",
    "CaseRepository",
    "CaseState",
    "CustomerRepository",
    "NotificationRepository",
    "OutboxRepository",
    "TaskRepository",
    "WebhookRepository",
    "format_case_number",
]
