"""SQLAlchemy 2 models. Every timestamp is stored as UTC and read back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python. SQLite gets naive UTC text in SQLAlchemy's own DATETIME format
    (fixed width, so string order is time order), written and read by datetime's C
    methods, not SQLAlchemy's Python formatting: it runs for every timestamp of every
    journal row.
    PostgreSQL gets `timestamptz`."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    def process_result_value(
        self, value: str | datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it from the class
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
        list[dict[str, Any]]: JSON(),
    }


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120), default="")
    company: Mapped[str | None] = mapped_column(String(200))
    tier: Mapped[str | None] = mapped_column(String(32))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Postal addresses: never searched, so kept on the row (one query for a profile).
    addresses: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    # Display copies of the customer's phones (E.164) and emails, in order, written together
    # with the indexed customer_phones/customer_emails rows that searches use: a screen pop
    # reads one row instead of two more queries.
    phones: Mapped[list[str]] = mapped_column(default=list)
    emails: Mapped[list[str]] = mapped_column(default=list)
    # The language mails are written in (crm.settings.LANGUAGES); None: the centre's.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CustomerPhone(Base):
    __tablename__ = "customer_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(32), index=True)  # E.164
    label: Mapped[str | None] = mapped_column(String(32))


class CustomerEmail(Base):
    __tablename__ = "customer_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased
    position: Mapped[int] = mapped_column(Integer, default=0)  # 0 = primary


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_customer_created", "customer_id", "created_at"),
        Index("ix_cases_contact_created", "contact_number", "created_at"),
        Index("ix_cases_owner_status", "owner_agent_id", "status"),
        Index("ix_cases_auto_close_at", "auto_close_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Human-readable, given after insert from the id; unique.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    # Caller's number when the customer is not known yet (E.164 or raw).
    contact_number: Mapped[str | None] = mapped_column(String(32))
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    subject: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300), default="")
    queue: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    priority_manual: Mapped[bool] = mapped_column(default=False)
    severity: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16))
    owner_agent_id: Mapped[str | None] = mapped_column(String(64))
    escalation_level: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    waiting_since: Mapped[datetime | None]
    auto_close_at: Mapped[datetime | None]
    first_resolved_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    csat_sent_at: Mapped[datetime | None]


class CaseEvent(Base):
    """Audit trail: who changed what, when, from which value to which."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class IntakeAnswer(Base):
    __tablename__ = "intake_answers"
    __table_args__ = (Index("ix_intake_answers_case", "case_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    call_id: Mapped[str | None] = mapped_column(String(64))
    script: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300))
    position: Mapped[int]
    value: Mapped[str] = mapped_column(Text)  # JSON-encoded typed value
    answered_by: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime]


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_case_at", "case_id", "at"),
        Index("ix_follow_ups_customer_at", "customer_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # Denormalised from the case so "who followed this customer up lately" is one index scan.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # note, mail_in, mail_out, call
    visibility: Mapped[str] = mapped_column(String(16))  # private, customer
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text, default="")
    call_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_reminder_at", "reminder_at"),
        Index("ix_tasks_assignee_due", "assignee", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # call, mail, meeting, chat
    title: Mapped[str] = mapped_column(String(300))
    assignee: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    # Pending reminder due time; cleared once the reminder is sent or the task done.
    reminder_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class OutboxMail(Base):
    """A mail is written here in the same transaction as the change that causes it, then
    sent by the MailSender; it stays until SMTP accepts it."""

    __tablename__ = "outbox_mails"
    __table_args__ = (
        Index("ix_outbox_mails_due", "sent_at", "next_attempt_at"),
        Index("ix_outbox_mails_to_kind", "to_addr", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    to_addr: Mapped[str] = mapped_column(String(254))
    from_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # gave up after the configured attempts


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)  # exact JSON body that gets signed
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # gave up after the configured attempts


class Call(Base):
    """Call journal (S7): one row per call."""

    __tablename__ = "calls"
    __table_args__ = (
        # "History of this number": one range scan, newest first.
        Index("ix_calls_remote_started", "remote_number", "started_at"),
        Index("ix_calls_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(16))
    caller_number: Mapped[str | None] = mapped_column(String(32))
    dialled_number: Mapped[str | None] = mapped_column(String(32))
    # The customer's side: caller for inbound, dialled number for outbound.
    remote_number: Mapped[str | None] = mapped_column(String(32))
    ivr_path: Mapped[str | None] = mapped_column(String(200))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(64))  # the agent who handled it
    agent_ids: Mapped[list[str]] = mapped_column(default=list)  # every agent offered/involved
    started_at: Mapped[datetime]
    enqueued_at: Mapped[datetime | None]
    offered_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_s: Mapped[float | None]
    talk_s: Mapped[float | None]
    wrapup_s: Mapped[float | None]
    outcome: Mapped[str | None] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    uniqueid: Mapped[str | None] = mapped_column(String(64))
    linkedid: Mapped[str | None] = mapped_column(String(64))


class AgentStateChange(Base):
    """Every agent state transition (D8), the source of time-in-state statistics."""

    __tablename__ = "agent_state_changes"
    __table_args__ = (Index("ix_agent_state_changes_agent_at", "agent_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[datetime]


class JournalDeadLetter(Base):
    """A journal row the database refused, set aside so the rows behind it are written.
    The payload is ASCII JSON, so even a row with lone surrogates can be stored."""

    __tablename__ = "journal_dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # call, agent_state
    payload: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
