"""Case workflow (S3, S5, S8, Q2): statuses, allowed transitions, join-or-open decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from crm.errors import CaseClosed, InvalidTransition


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_ORDER: tuple[Priority, ...] = (
    Priority.LOW,
    Priority.NORMAL,
    Priority.HIGH,
    Priority.URGENT,
)


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class Visibility(StrEnum):
    INTERNAL = "internal"
    CUSTOMER = "customer"


# S3: the workflow is new -> open -> waiting for customer -> resolved -> closed, with the
# back-edges an agent needs (customer replied; resolution refused before closure).
# S8: nothing leaves CLOSED.
ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset(
        {CaseStatus.OPEN, CaseStatus.WAITING_FOR_CUSTOMER, CaseStatus.RESOLVED}
    ),
    CaseStatus.OPEN: frozenset({CaseStatus.WAITING_FOR_CUSTOMER, CaseStatus.RESOLVED}),
    CaseStatus.WAITING_FOR_CUSTOMER: frozenset(
        {CaseStatus.OPEN, CaseStatus.RESOLVED, CaseStatus.CLOSED}
    ),
    CaseStatus.RESOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}

ACTIVE_STATUSES: frozenset[CaseStatus] = frozenset(
    {CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_FOR_CUSTOMER}
)


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise unless `current -> target` is allowed (S3, S8)."""
    if current is CaseStatus.CLOSED:
        raise CaseClosed("a closed case cannot change status", status=str(current))
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(
            f"cannot go from {current} to {target}", current=str(current), target=str(target)
        )


def auto_close_deadline(waiting_since: datetime, after: timedelta) -> datetime:
    """S5: when a case left waiting for the customer closes by itself."""
    return waiting_since + after


def is_auto_close_due(status: CaseStatus, deadline: datetime | None, now: datetime) -> bool:
    """S5: due once the deadline has passed and the case still waits for the customer."""
    return status is CaseStatus.WAITING_FOR_CUSTOMER and deadline is not None and now >= deadline


@dataclass(frozen=True)
class CaseSnapshot:
    """What the join-or-open decision needs to know about the customer's latest case."""

    status: CaseStatus
    last_activity_at: datetime


@dataclass(frozen=True)
class JoinCase:
    """Attach the contact to the existing case."""


@dataclass(frozen=True)
class OpenCase:
    """Open a new case; `link_previous` says whether to link it to the latest one (S8)."""

    link_previous: bool
    reason: str


def decide_join_or_open(
    latest: CaseSnapshot | None, now: datetime, idle_after: timedelta
) -> JoinCase | OpenCase:
    """Q2 and S8: a new contact joins the customer's open case unless that case is resolved,
    closed or idle for `idle_after`; then a new case opens, linked to the previous one."""
    if latest is None:
        return OpenCase(link_previous=False, reason="no_previous_case")
    if latest.status is CaseStatus.CLOSED:
        return OpenCase(link_previous=True, reason="previous_closed")
    if latest.status is CaseStatus.RESOLVED:
        return OpenCase(link_previous=True, reason="previous_resolved")
    if now - latest.last_activity_at >= idle_after:
        return OpenCase(link_previous=True, reason="previous_idle")
    return JoinCase()


def status_after_customer_contact(current: CaseStatus) -> CaseStatus:
    """S5: a reply from the customer takes a waiting case back to open (and stops the
    auto-close timer); other statuses are unchanged."""
    if current is CaseStatus.WAITING_FOR_CUSTOMER:
        return CaseStatus.OPEN
    return current
