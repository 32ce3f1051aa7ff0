"""Rows to the views the rest of the application sees, and cases and calls to the
payloads webhooks publish."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from typing import Any, TypeVar, cast

from crm.db.models import (
    Call,
    Case,
    CaseEvent,
    Customer,
    FollowUp,
    IntakeAnswer,
    JournalDeadLetter,
    Notification,
    Task,
)
from crm.domain.cases import CaseStatus, Priority, Severity, Visibility
from crm.domain.journal import CallOutcome, Direction
from crm.settings import parse_language
from crm.views import (
    Address,
    AuditEntry,
    CallEntry,
    CaseInfo,
    CustomerInfo,
    DeadLetterEntry,
    FollowUpInfo,
    IntakeAnswerInfo,
    NotificationInfo,
    TaskInfo,
)

_V = TypeVar("_V")


def customer_info(customer: Customer) -> CustomerInfo:
    return CustomerInfo(
        id=customer.id,
        account_number=customer.account_number,
        first_name=customer.first_name,
        last_name=customer.last_name,
        company=customer.company,
        tier=customer.tier,
        phones=tuple(customer.phones or ()),
        emails=tuple(customer.emails or ()),
        addresses=tuple(Address(**a) for a in customer.addresses or ()),
        custom_fields=dict(customer.custom_fields or {}),
        created_at=customer.created_at,
        language=parse_language(customer.language),
    )


def case_info(case_: Case) -> CaseInfo:
    return CaseInfo(
        id=case_.id,
        number=str(case_.number),
        customer_id=case_.customer_id,
        contact_number=case_.contact_number,
        previous_case_id=case_.previous_case_id,
        subject=case_.subject,
        title=case_.title,
        queue=case_.queue,
        status=CaseStatus(case_.status),
        priority=Priority(case_.priority),
        priority_manual=case_.priority_manual,
        severity=Severity(case_.severity),
        visibility=Visibility(case_.visibility),
        owner_agent_id=case_.owner_agent_id,
        escalation_level=case_.escalation_level,
        created_at=case_.created_at,
        updated_at=case_.updated_at,
        last_activity_at=case_.last_activity_at,
        auto_close_at=case_.auto_close_at,
        resolved_at=case_.resolved_at,
        closed_at=case_.closed_at,
    )


def case_payload(case_: Case) -> dict[str, Any]:
    return {
        "number": case_.number,
        "customer_id": case_.customer_id,
        "status": case_.status,
        "priority": case_.priority,
        "severity": case_.severity,
        "owner_agent_id": case_.owner_agent_id,
        "escalation_level": case_.escalation_level,
        "subject": case_.subject,
        "title": case_.title,
        "queue": case_.queue,
        "previous_case_id": case_.previous_case_id,
    }


def audit_entry(event: CaseEvent) -> AuditEntry:
    return AuditEntry(event.at, event.actor, event.field, event.old_value, event.new_value)


def encode_answer(value: Any) -> str:
    if isinstance(value, date):
        return json.dumps({"date": value.isoformat()})
    return json.dumps(value)


def _decode_answer(text: str) -> Any:
    value = json.loads(text)
    if isinstance(value, dict) and set(value) == {"date"}:
        return date.fromisoformat(value["date"])
    return value


def intake_answer_info(answer: IntakeAnswer) -> IntakeAnswerInfo:
    return IntakeAnswerInfo(
        script=answer.script,
        question_id=answer.question_id,
        label=answer.label,
        value=_decode_answer(answer.value),
        answered_by=answer.answered_by,
        answered_at=answer.answered_at,
        call_id=answer.call_id,
    )


def follow_up_info(f: FollowUp) -> FollowUpInfo:
    return _view(FollowUpInfo, f)


def task_info(t: Task) -> TaskInfo:
    return _view(TaskInfo, t)


def notification_info(n: Notification) -> NotificationInfo:
    return _view(NotificationInfo, n)


def dead_letter_entry(letter: JournalDeadLetter) -> DeadLetterEntry:
    return DeadLetterEntry(
        id=letter.id,
        kind=letter.kind,
        payload=json.loads(letter.payload),
        reason=letter.reason,
        created_at=letter.created_at,
    )


def _view(view: type[_V], row: object) -> _V:
    """The view dataclass filled from the ORM row's attributes of the same names."""
    return view(**{f.name: getattr(row, f.name) for f in fields(cast(Any, view))})


_CALL_ENTRY_FIELDS = tuple(f.name for f in fields(CallEntry))


def call_entry(call: Call | Mapping[str, Any]) -> CallEntry:
    """From an ORM row or a Core row mapping."""
    values = (
        call
        if isinstance(call, Mapping)
        else {name: getattr(call, name) for name in _CALL_ENTRY_FIELDS}
    )
    outcome = values["outcome"]
    return CallEntry(
        **{
            **{name: values[name] for name in _CALL_ENTRY_FIELDS},
            "direction": Direction(values["direction"]),
            "agent_ids": tuple(values["agent_ids"] or ()),
            "outcome": CallOutcome(outcome) if outcome else None,
        }
    )


def call_payload(entry: CallEntry) -> dict[str, Any]:
    return {
        "call_id": entry.call_id,
        "direction": entry.direction.value,
        "caller_number": entry.caller_number,
        "dialled_number": entry.dialled_number,
        "queue": entry.queue,
        "agent_id": entry.agent_id,
        "outcome": entry.outcome.value if entry.outcome else None,
        "started_at": entry.started_at.isoformat(),
        "answered_at": entry.answered_at.isoformat() if entry.answered_at else None,
        "ended_at": entry.ended_at.isoformat() if entry.ended_at else None,
        "case_id": entry.case_id,
        "customer_id": entry.customer_id,
    }
