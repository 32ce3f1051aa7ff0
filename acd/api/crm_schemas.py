"""The CRM's request bodies, query strings and path parameters, under the bounds and
habits `acd.api.schemas` describes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from acd.api.schemas import (
    CLEAN,
    AgentId,
    CallId,
    CaseNumber,
    DialNumber,
    IsoTime,
    LongText,
    Model,
    QueueName,
    RowId,
    ShortText,
    bounded,
)
from crm.settings import Language


class SearchQuery(Model):
    q: Annotated[str, bounded(200, 1), CLEAN]


class CustomerPath(Model):
    customer_id: RowId


Email = Annotated[str, bounded(254, 3), CLEAN]
PersonName = Annotated[str, bounded(100), CLEAN]


class PhoneEntry(Model):
    number: DialNumber
    label: Annotated[str, bounded(32, 1), CLEAN] | None = None


class AddressEntry(Model):
    line1: ShortText
    line2: Annotated[str, bounded(200), CLEAN] | None = None
    postcode: Annotated[str, bounded(16), CLEAN] | None = None
    city: Annotated[str, bounded(100), CLEAN] | None = None
    country: Annotated[str, bounded(64), CLEAN] | None = None
    label: Annotated[str, bounded(32), CLEAN] | None = None


CustomFields = Annotated[
    dict[
        Annotated[str, bounded(64, 1), CLEAN],
        bool | Annotated[int, Field(ge=-(2**53), le=2**53)] | ShortText | None,
    ],
    Field(max_length=50),
]
Phones = Annotated[list[DialNumber | PhoneEntry], Field(max_length=10)]
Emails = Annotated[list[Email], Field(max_length=10)]
Addresses = Annotated[list[AddressEntry], Field(max_length=5)]


class NewCustomerBody(Model):
    """C1. Without an account number the CRM makes one; phones in any format the
    centre's region reads, stored in E.164."""

    account_number: Annotated[str, bounded(32), CLEAN] = ""
    first_name: PersonName = ""
    last_name: PersonName = ""
    company: Annotated[str, bounded(200), CLEAN] | None = None
    tier: Annotated[str, bounded(32), CLEAN] | None = None
    phones: Phones = Field(default_factory=list)
    emails: Emails = Field(default_factory=list)
    addresses: Addresses = Field(default_factory=list)
    custom_fields: CustomFields = Field(default_factory=dict)
    # The language mails to them are written in; none: the centre's.
    language: Language | None = None


class CustomerChangesBody(Model):
    """Only the fields present change; `phones`, `emails` and `addresses` replace the
    customer's; `custom_fields` are merged, a null value removing one; an empty
    `language` puts the customer back on the centre's."""

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    company: Annotated[str, bounded(200), CLEAN] | None = None
    tier: Annotated[str, bounded(32), CLEAN] | None = None
    phones: Phones | None = None
    emails: Emails | None = None
    addresses: Addresses | None = None
    custom_fields: CustomFields | None = None
    language: Language | Literal[""] | None = None


class MergeBody(Model):
    """The one or two duplicates merged into the customer of the path."""

    duplicates: Annotated[list[RowId], Field(min_length=1, max_length=2)]


CaseType = Annotated[str, bounded(64), CLEAN]
CaseSeverity = Literal["minor", "major", "critical"]
CaseVisibility = Literal["internal", "customer"]


class NewCaseBody(Model):
    """C1: a case opened by hand. An agent's case is theirs unless their case queue is
    full; a supervisor names any owner, past capacity (S2), or none (the pool)."""

    title: ShortText
    subject: CaseType | None = None
    customer_id: RowId | None = None
    contact_number: DialNumber | None = None
    queue: QueueName | None = None
    priority: Literal["low", "normal", "high", "urgent"] | None = None
    severity: CaseSeverity = "minor"
    visibility: CaseVisibility = "internal"
    owner: AgentId | None = None
    note: LongText = ""


class CaseChangesBody(Model):
    title: ShortText | None = None
    subject: CaseType | None = None
    severity: CaseSeverity | None = None
    visibility: CaseVisibility | None = None


class CaseAssignBody(Model):
    """The new owner; null puts the case back in the pool (supervisors only)."""

    agent_id: AgentId | None


class CasesQuery(Model):
    """A case list: every filter given must hold. `owner=none` is the pool of cases
    nobody owns; `status=active` (the default) is new, open and waiting."""

    owner: AgentId | None = None
    queue: QueueName | None = None
    level: int | None = Field(None, ge=0, le=2)
    subject: CaseType | None = None
    status: Literal["active", "new", "open", "waiting_for_customer", "resolved", "closed"] = (
        "active"
    )
    limit: int = Field(50, ge=1, le=200)


class CaseStatusBody(Model):
    status: Annotated[str, bounded(32, 1), CLEAN]
    message: LongText = ""


class CasePriorityBody(Model):
    priority: Annotated[str, bounded(16, 1), CLEAN]


AnswerValue = (
    bool
    | Annotated[int, Field(ge=-(2**53), le=2**53)]
    | Annotated[float, Field(allow_inf_nan=False)]
    | Annotated[str, bounded(2_000), CLEAN]
    | None
)


IntakeAnswers = Annotated[
    dict[Annotated[str, bounded(64, 1), CLEAN], AnswerValue], Field(max_length=100)
]


class IntakeBody(Model):
    answers: IntakeAnswers
    script: QueueName | None = None
    call_id: CallId | None = None


class IntakeDraftBody(Model):
    """The answers given so far, to learn which questions are asked."""

    answers: IntakeAnswers


class FollowUpBody(Model):
    # Kinds and visibilities are the CRM's to check (422 invalid_value).
    kind: Annotated[str, bounded(16, 1), CLEAN] = "note"
    body: Annotated[str, bounded(20_000, 1), CLEAN]
    visibility: Annotated[str, bounded(16, 1), CLEAN] = "private"
    call_id: CallId | None = None


class NewTaskBody(Model):
    assignee: AgentId
    kind: Annotated[str, bounded(32, 1), CLEAN]
    title: ShortText
    due_at: IsoTime
    case_number: CaseNumber | None = None
    reminder_minutes_before: int | None = Field(None, ge=0, le=60 * 24 * 31)


class TasksQuery(Model):
    include_done: bool = False


class NotificationsQuery(Model):
    unread: bool = False


class MessageBody(Model):
    title: ShortText
    body: Annotated[str, bounded(5_000), CLEAN] = ""
    case_number: CaseNumber | None = None


# --- links in customer mails (D7, Q4) -----------------------------------------------------

LinkToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,400}$")]


class LinkPath(Model):
    purpose: Literal["confirm", "survey"]
    token: LinkToken


class ConfirmBody(Model):
    token: LinkToken


class SurveyBody(Model):
    token: LinkToken
    score: int = Field(ge=1, le=5)
    comment: Annotated[str, bounded(2_000), CLEAN] = ""
