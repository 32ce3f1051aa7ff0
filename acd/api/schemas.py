"""Request bodies, query strings and path parameters as pydantic models with bounds.

Every string has a length limit and refuses NUL, other control characters and lone
surrogates (PostgreSQL stores none of them); every number has a range that fits the
database's integers; enums are closed; unknown fields are refused. The OpenAPI document
is generated from these models, so what is checked is what is written.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from crm import limits
from crm.domain.journal import CallOutcome, Direction

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError("control characters and lone surrogates are not allowed")
    return value


CLEAN = AfterValidator(_clean)


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_time_only(value: object) -> object:
    # pydantic would also read a number as Unix time; the contract says ISO 8601.
    if not isinstance(value, str) or not _ISO_TIME.match(value):
        raise ValueError("an ISO 8601 time with a zone, e.g. 2025-01-06T09:00:00+01:00")
    return value


IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_time_only)]


def bounded(max_length: int, min_length: int = 0) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


AgentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
QueueName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
CallId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
CaseNumber = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
# A row id: positive and within a 32-bit integer column.
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Name = Annotated[str, bounded(64, 1), CLEAN]
# A number to dial: bounded text here; the centre's dialling rules parse it (422
# invalid_phone_number, number_not_allowed).
DialNumber = Annotated[str, bounded(64, 1), CLEAN]
ShortText = Annotated[str, bounded(200, 1), CLEAN]
Reason = Annotated[str, bounded(limits.AGENT_STATE_REASON), CLEAN]
LongText = Annotated[str, bounded(20_000), CLEAN]
Login = Annotated[str, StringConstraints(min_length=1, max_length=64), CLEAN]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class NoBody(Model):
    """An empty JSON object (or no body at all)."""


# --- path parameters ---------------------------------------------------------------


class AgentPath(Model):
    agent_id: AgentId


class CallPath(Model):
    call_id: CallId


class CasePath(Model):
    number: CaseNumber


class QueuePath(Model):
    queue: QueueName


class TaskPath(Model):
    task_id: RowId


class NotificationPath(Model):
    agent_id: AgentId
    notification_id: RowId


# --- sessions --------------------------------------------------------------------------


class SignIn(Model):
    login: Login
    password: Password


# --- live calls and agents ---------------------------------------------------------------


class AgentStateBody(Model):
    state: Literal["ready", "paused", "logged_out", "manual_call"]
    reason: Reason | None = None


class ForceStateBody(Model):
    state: Literal["ready", "paused", "logged_out"]
    reason: Reason | None = None


class PlaceCallBody(Model):
    number: DialNumber


class TransferBody(Model):
    """Exactly one of `agent` or `queue`."""

    agent: AgentId | None = None
    queue: QueueName | None = None


class AssignBody(Model):
    agent: AgentId


class LimitQuery(Model):
    limit: int = Field(50, ge=1, le=500)


class JournalQuery(Model):
    number: Annotated[str, bounded(32, 1), CLEAN]
    limit: int = Field(50, ge=1, le=500)


class StatsQuery(Model):
    model_config = ConfigDict(populate_by_name=True)

    start: IsoTime | None = Field(None, alias="from")
    end: IsoTime | None = Field(None, alias="to")
    by: Literal["queue", "agent"] = "queue"


# --- reports ----------------------------------------------------------------------------


class _PeriodQuery(Model):
    """`from` and `to`: ISO 8601 times with a zone; by default today in the centre's zone."""

    model_config = ConfigDict(populate_by_name=True)

    start: IsoTime | None = Field(None, alias="from")
    end: IsoTime | None = Field(None, alias="to")


class CallsQuery(_PeriodQuery):
    """The journal's filters: every one given must hold."""

    number: Annotated[str, bounded(32, 1), CLEAN] | None = None
    agent: AgentId | None = None
    queue: QueueName | None = None
    direction: Direction | None = None
    outcome: CallOutcome | None = None
    case: CaseNumber | None = None
    cursor: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,200}$")] | None = None
    limit: int = Field(50, ge=1, le=500)
    # csv: every matching call (no limit, no cursor), as a spreadsheet reads it.
    format: Literal["json", "csv"] = "json"


class AgentStatsQuery(_PeriodQuery):
    agent: AgentId | None = None


class QueueStatsQuery(_PeriodQuery):
    pass


class QueueLogQuery(_PeriodQuery):
    pass


class IntervalStatsQuery(_PeriodQuery):
    size: Literal["15", "30", "60", "day"] = "15"
    queue: QueueName | None = None


class LiveQuery(Model):
    """A supervisor may follow one agent's stream; an agent always gets their own."""

    agent: AgentId | None = None
