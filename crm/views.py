"""What the service hands out: frozen snapshots, safe to use after the transaction ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from crm.domain.cases import CaseStatus, Priority, Severity, Visibility
from crm.domain.journal import CallOutcome, Direction
from crm.settings import Language


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class NewCustomer:
    """Input of `create_customer`. Phones are normalised to E.164 on the way in; a phone may
    be given as "number" or ("number", "label")."""

    account_number: str = ""  # empty: the CRM makes one
    first_name: str = ""
    last_name: str = ""
    company: str | None = None
    tier: str | None = None
    phones: Sequence[str | tuple[str, str | None]] = ()
    emails: Sequence[str] = ()
    addresses: Sequence[Address] = ()
    custom_fields: dict[str, Any] = field(default_factory=dict)
    language: Language | None = None  # None: the centre's


@dataclass(frozen=True)
class CustomerChanges:
    """Input of `update_customer`: None leaves a field as it is; phones and emails, when
    given, replace the customer's."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    tier: str | None = None
    phones: Sequence[str | tuple[str, str | None]] | None = None
    emails: Sequence[str] | None = None
    addresses: Sequence[Address] | None = None
    custom_fields: dict[str, Any] | None = None
    language: Language | Literal[""] | None = None  # "": back to the centre's


@dataclass(frozen=True)
class CustomerInfo:
    id: int
    account_number: str
    first_name: str
    last_name: str
    company: str | None
    tier: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    addresses: tuple[Address, ...]
    custom_fields: dict[str, Any]
    created_at: dt.datetime
    language: Language | None = None  # the mails' language; None: the centre's

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.account_number

    @property
    def primary_email(self) -> str | None:
        return self.emails[0] if self.emails else None


@dataclass(frozen=True)
class CaseInfo:
    id: int
    number: str
    customer_id: int | None
    contact_number: str | None
    previous_case_id: int | None
    subject: str | None
    title: str
    queue: str | None
    status: CaseStatus
    priority: Priority
    priority_manual: bool
    severity: Severity
    visibility: Visibility
    owner_agent_id: str | None
    escalation_level: int
    created_at: dt.datetime
    updated_at: dt.datetime
    last_activity_at: dt.datetime
    auto_close_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class HandOpenedCase:
    """Input of `open_case_by_hand` (C1, S1): what an agent or supervisor types in. The
    priority, when given, overrides the automatic one; `note` starts the timeline."""

    title: str
    subject: str | None = None
    customer_id: int | None = None
    contact_number: str | None = None
    queue: str | None = None
    priority: Priority | None = None
    severity: Severity = Severity.MINOR
    visibility: Visibility = Visibility.INTERNAL
    owner_agent_id: str | None = None
    # S2: a supervisor may give the case to an agent whose case queue is full.
    past_capacity: bool = False
    note: str = ""


@dataclass(frozen=True)
class CaseChanges:
    """Input of `update_case`: None leaves a field as it is."""

    title: str | None = None
    subject: str | None = None
    severity: Severity | None = None
    visibility: Visibility | None = None


@dataclass(frozen=True)
class CaseFilter:
    """A case list: every criterion given must hold. `queues` None means any queue, and
    `unassigned` lists the cases nobody owns (the team pool)."""

    statuses: tuple[CaseStatus, ...]
    owner_agent_id: str | None = None
    unassigned: bool = False
    queues: frozenset[str] | None = None
    escalation_level: int | None = None
    subject: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class UnownedCase:
    """A case waiting in the pool for Q3's assignment, with who last handled its contact."""

    number: str
    queue: str | None
    last_handler: str | None


@dataclass(frozen=True)
class CustomerProfile:
    """Screen pop (C2): the customer and all their cases, newest first (S8). For a
    caller no customer holds yet, `customer` is None and the cases are those opened for
    their number."""

    customer: CustomerInfo | None
    cases: tuple[CaseInfo, ...]

    @property
    def open_cases(self) -> tuple[CaseInfo, ...]:
        return tuple(c for c in self.cases if c.status is not CaseStatus.CLOSED)


@dataclass(frozen=True)
class CaseForCall:
    """Result of `open_or_join_case_for_call`: `case.number` is what the agent reads out."""

    case: CaseInfo
    joined: bool
    customer: CustomerInfo | None
    agent_open_cases: int  # the answering agent's active cases, this one included (S2)


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    field: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True)
class FollowUpInfo:
    id: int
    case_id: int
    kind: str
    visibility: str
    author: str
    body: str
    call_id: str | None
    at: dt.datetime


@dataclass(frozen=True)
class IntakeAnswerInfo:
    script: str
    question_id: str
    label: str
    value: Any
    answered_by: str
    answered_at: dt.datetime
    call_id: str | None


@dataclass(frozen=True)
class TaskInfo:
    id: int
    case_id: int | None
    customer_id: int | None
    kind: str
    title: str
    assignee: str
    created_by: str  # who booked it: the assignee, or a colleague booking for them (P1)
    due_at: dt.datetime
    reminder_at: dt.datetime | None
    reminder_sent_at: dt.datetime | None
    done_at: dt.datetime | None


@dataclass(frozen=True)
class CaseDetails:
    case: CaseInfo
    follow_ups: tuple[FollowUpInfo, ...]
    audit: tuple[AuditEntry, ...]
    intake_answers: tuple[IntakeAnswerInfo, ...]
    previous_case_number: str | None


@dataclass(frozen=True)
class NotificationInfo:
    id: int
    recipient: str
    kind: str
    title: str
    body: str
    sender: str | None
    case_id: int | None
    task_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None


@dataclass(slots=True)
class CallRecord:
    """Input of `record_call`: an upsert keyed by `call_id`; None leaves a field unchanged.
    Numbers are normalised here (E.164, default region). Not frozen: one is built for
    every call that ends, and a frozen one pays for object.__setattr__ on each field."""

    call_id: str
    direction: Direction | None = None
    caller_number: str | None = None
    dialled_number: str | None = None
    ivr_path: str | None = None
    queue: str | None = None
    agent_id: str | None = None
    agent_ids: Sequence[str] | None = None
    enqueued_at: dt.datetime | None = None
    offered_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    wrapup_s: float | None = None
    outcome: CallOutcome | None = None
    case_id: int | None = None
    customer_id: int | None = None
    uniqueid: str | None = None
    linkedid: str | None = None
    started_at: dt.datetime | None = None


@dataclass(frozen=True)
class CallEntry:
    call_id: str
    direction: Direction
    caller_number: str | None
    dialled_number: str | None
    remote_number: str | None
    ivr_path: str | None
    queue: str | None
    agent_id: str | None
    agent_ids: tuple[str, ...]
    started_at: dt.datetime
    enqueued_at: dt.datetime | None
    offered_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    wait_s: float | None
    talk_s: float | None
    wrapup_s: float | None
    outcome: CallOutcome | None
    case_id: int | None
    customer_id: int | None
    uniqueid: str | None
    linkedid: str | None


@dataclass(frozen=True)
class CallStats:
    key: str | None  # queue name or agent id
    calls: int
    answered: int
    abandoned: int
    avg_wait_s: float | None
    avg_talk_s: float | None
    answered_within_sl: int
    service_level: float | None  # answered within threshold / calls


@dataclass(frozen=True)
class DeadLetterEntry:
    """A journal row the database refused: its fields as written, and why."""

    id: int
    kind: str  # call, agent_state
    payload: Any
    reason: str
    created_at: dt.datetime


@dataclass(frozen=True)
class FailedDelivery:
    """A mail or webhook call that gave up after the configured attempts."""

    id: int
    channel: str  # mail, webhook
    target: str  # the recipient's address or the endpoint's URL
    kind: str  # the mail's kind or the webhook's event
    attempts: int
    last_error: str | None
    failed_at: dt.datetime | None
