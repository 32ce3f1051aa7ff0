"""What a change to a case entails (S3, S5, S10, D7, Q4): decided here, applied by the
services. Pure functions of the case's facts; no database, no clock."""

from __future__ import annotations

from dataclasses import dataclass

from crm.domain.cases import CaseStatus
from crm.domain.mail_rules import MailKind
from crm.errors import InvalidValue

STATUS_CHANGED_EVENT = "case.status_changed"

FOLLOW_UP_KINDS = frozenset({"note", "mail_in", "mail_out", "call"})
# What only the CRM writes on a timeline: the customer's survey answer (Q4).
RECORDED_KINDS = frozenset({"survey"})
FOLLOW_UP_VISIBILITIES = frozenset({"private", "customer"})
# P5: contacts that count as "the agent followed this customer up" (a relance: a note
# left in the file or a mail sent). The "call" follow-up logged when an agent answers
# an inbound call is not one: repeat callers go back to that agent only by S9.
FOLLOW_UP_CONTACT_KINDS = ("note", "mail_out")


@dataclass(frozen=True)
class StatusChangeEffects:
    """What follows from one status change. Every change is also audited (field
    "status", old -> new) and announced as `STATUS_CHANGED_EVENT`."""

    mail: MailKind | None = None  # the automatic mail to the customer
    offer_csat: bool = False  # a satisfaction survey, if the contact may get one (Q4)
    stop_waiting: bool = False  # the wait for the customer and its deadline end
    start_waiting: bool = False  # wait for the customer: the auto-close deadline is set
    mark_resolved: bool = False  # resolved now (and first resolved, the first time)
    clear_resolved: bool = False  # reopened: no longer resolved
    mark_closed: bool = False


def status_change_effects(
    current: CaseStatus, target: CaseStatus, *, auto_close: bool
) -> StatusChangeEffects:
    """S5: waiting mails the customer and arms the auto-close; the auto-close mails that
    the case closed. D7: resolving asks the customer to confirm, and the survey (Q4) follows
    the confirmation: a closure after a resolution.
    Precondition: `check_transition(current, target)` passed."""
    stop_waiting = current is CaseStatus.WAITING_FOR_CUSTOMER
    if target is CaseStatus.WAITING_FOR_CUSTOMER:
        return StatusChangeEffects(
            mail=MailKind.WAITING_FOR_CUSTOMER, stop_waiting=stop_waiting, start_waiting=True
        )
    if target is CaseStatus.RESOLVED:
        # D7: the survey waits for the customer's confirmation (the closure).
        return StatusChangeEffects(
            mail=MailKind.RESOLUTION_CONFIRMATION, stop_waiting=stop_waiting, mark_resolved=True
        )
    if target is CaseStatus.OPEN:
        return StatusChangeEffects(stop_waiting=stop_waiting, clear_resolved=True)
    if target is CaseStatus.CLOSED:
        return StatusChangeEffects(
            mail=MailKind.AUTO_CLOSED if auto_close else None,
            offer_csat=not auto_close and current is CaseStatus.RESOLVED,
            stop_waiting=stop_waiting,
            mark_closed=True,
        )
    return StatusChangeEffects(stop_waiting=stop_waiting)


def status_after_assignment(current: CaseStatus, owner: str | None) -> CaseStatus:
    """A new case that gets an owner is open; unassigning changes no status."""
    if owner is not None and current is CaseStatus.NEW:
        return CaseStatus.OPEN
    return current


def check_follow_up(kind: str, visibility: str) -> None:
    """Raise unless `kind` and `visibility` are ones a follow-up may have (C1)."""
    if kind not in FOLLOW_UP_KINDS:
        raise InvalidValue(f"unknown follow-up kind {kind!r}", field="kind")
    if visibility not in FOLLOW_UP_VISIBILITIES:
        raise InvalidValue(f"unknown visibility {visibility!r}", field="visibility")


@dataclass(frozen=True)
class FollowUpEffects:
    customer_contact: bool  # the customer got in touch: a waiting case reopens (S5)
    mail: MailKind | None  # the mail to queue to the customer
    notify: str | None  # the agent to tell of it (S10)


def follow_up_effects(
    kind: str, visibility: str, *, author: str, owner: str | None
) -> FollowUpEffects:
    """C1: a mail in or a call is the customer's contact, a mail out is sent to them, and
    a private note on someone else's case notifies its owner (S10)."""
    private_note = kind == "note" and visibility == "private"
    return FollowUpEffects(
        customer_contact=kind in {"mail_in", "call"},
        mail=MailKind.AGENT_MESSAGE if kind == "mail_out" else None,
        notify=owner if private_note and owner and owner != author else None,
    )
