"""The steps that change a case, shared by every command that does: each applies the
change with its audit entries and, through the outbox, the mails and events it causes.
Callers have run their checks; the steps run in the caller's unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm.db.models import Case, Customer
from crm.db.unit_of_work import UnitOfWork
from crm.domain.case_effects import (
    STATUS_CHANGED_EVENT,
    status_after_assignment,
    status_change_effects,
)
from crm.domain.cases import (
    ACTIVE_STATUSES,
    CaseStatus,
    Priority,
    Severity,
    Visibility,
    auto_close_deadline,
    check_transition,
    status_after_customer_contact,
)
from crm.domain.mail_rules import MailKind
from crm.domain.priority import PriorityInputs, compute_priority
from crm.services.context import AUTO_CLOSE_ACTOR, CrmContext, touch
from crm.services.mappers import case_payload
from crm.services.outbox import Outbox


@dataclass(frozen=True)
class KnownCounts:
    """Counts a caller has read already, so creating a case need not read them again."""

    recent_cases: int  # the customer's cases within the repeat-contact window
    owner_active: int  # the would-be owner's active cases


@dataclass(frozen=True)
class NewCase:
    """What a new case is made of, before the rules set its priority and status."""

    customer: Customer | None
    contact_number: str | None
    previous: Case | None
    title: str
    subject: str | None
    queue: str | None
    ivr_path: str | None
    severity: Severity
    visibility: Visibility
    owner: str | None


class CaseActions:
    def __init__(self, ctx: CrmContext, outbox: Outbox) -> None:
        self._ctx = ctx
        self._outbox = outbox

    async def create(
        self, uow: UnitOfWork, new: NewCase, *, actor: str, known: KnownCounts | None = None
    ) -> Case:
        """S1: a new case, priority set by the rules, owner assigned when the agent's case
        queue has room (S2); acknowledged to the customer when configured (Q4)."""
        now = self._ctx.clock.now()
        priority = await self._priority(uow, new, now, known)
        owner = new.owner
        if owner is not None and not (
            self.has_room_with(known.owner_active)
            if known is not None
            else await self.has_room(uow, owner)
        ):
            owner = None  # S2: full case queue, no automatic assignment
        status = CaseStatus.OPEN if owner is not None else CaseStatus.NEW
        case_ = await uow.cases.add(
            Case(
                customer_id=new.customer.id if new.customer else None,
                contact_number=new.contact_number,
                previous_case_id=new.previous.id if new.previous else None,
                subject=new.subject,
                title=new.title,
                queue=new.queue,
                status=status.value,
                priority=priority.value,
                priority_manual=False,
                severity=new.severity.value,
                visibility=new.visibility.value,
                owner_agent_id=owner,
                escalation_level=0,
                created_at=now,
                updated_at=now,
                last_activity_at=now,
            )
        )
        audit = [
            audit_row(case_, actor, "status", None, status.value, now),
            audit_row(case_, actor, "priority", None, priority.value, now),
        ]
        if owner is not None:
            audit.append(audit_row(case_, actor, "owner", None, owner, now))
        if new.previous is not None:
            audit.append(audit_row(case_, actor, "previous_case", None, new.previous.number, now))
        await uow.cases.add_events(audit)
        if self._ctx.settings.send_acknowledgement:
            await self._outbox.queue_case_mail(uow, case_, MailKind.ACKNOWLEDGEMENT)
        await self._outbox.emit(uow, "case.created", {"case": case_payload(case_)})
        return case_

    async def _priority(
        self, uow: UnitOfWork, new: NewCase, now: datetime, known: KnownCounts | None
    ) -> Priority:
        settings = self._ctx.settings
        recent = 0
        if known is not None:
            recent = known.recent_cases
        elif new.customer is not None:
            recent = await uow.cases.count_created_since(
                new.customer.id, now - settings.repeat_contact_window
            )
        return compute_priority(
            PriorityInputs(
                customer_tier=new.customer.tier if new.customer else None,
                recent_case_count=recent,
                ivr_path=new.ivr_path,
            ),
            settings.tier_priority_boost,
            settings.ivr_priority,
        )

    async def customer_contacted(self, uow: UnitOfWork, case_: Case, *, actor: str) -> None:
        """The customer got in touch about this case: activity now, waiting -> open (S5)."""
        now = self._ctx.clock.now()
        current = CaseStatus(case_.status)
        target = status_after_customer_contact(current)
        if target is not current:
            await self.change_status(uow, case_, target, actor=actor)
        touch(case_, now)

    async def change_status(
        self, uow: UnitOfWork, case_: Case, target: CaseStatus, *, actor: str, message: str = ""
    ) -> None:
        """S3 with what the change entails (`status_change_effects`)."""
        now = self._ctx.clock.now()
        current = CaseStatus(case_.status)
        check_transition(current, target)
        effects = status_change_effects(
            current,
            target,
            auto_close=actor == AUTO_CLOSE_ACTOR,
        )
        await self.audit(uow, case_, actor, "status", current.value, target.value, now)
        case_.status = target.value
        touch(case_, now)
        if effects.stop_waiting:
            case_.waiting_since = None
            case_.auto_close_at = None
        if effects.start_waiting:
            case_.waiting_since = now
            case_.auto_close_at = auto_close_deadline(now, self._ctx.settings.auto_close_after)
        if effects.mark_resolved:
            case_.resolved_at = now
            if case_.first_resolved_at is None:
                case_.first_resolved_at = now
        if effects.clear_resolved:
            case_.resolved_at = None
        if effects.mark_closed:
            case_.closed_at = now
        if effects.mail is not None:
            text = message if effects.mail is MailKind.WAITING_FOR_CUSTOMER else ""
            await self._outbox.queue_case_mail(uow, case_, effects.mail, text=text)
        if effects.offer_csat:
            await self._outbox.offer_csat(uow, case_)
        await self._outbox.emit(
            uow,
            STATUS_CHANGED_EVENT,
            {"case": case_payload(case_), "from": current.value, "to": target.value},
        )

    async def set_owner(
        self, uow: UnitOfWork, case_: Case, agent_id: str | None, *, actor: str
    ) -> None:
        if case_.owner_agent_id == agent_id:
            return
        now = self._ctx.clock.now()
        await self.audit(uow, case_, actor, "owner", case_.owner_agent_id, agent_id, now)
        case_.owner_agent_id = agent_id
        current = CaseStatus(case_.status)
        target = status_after_assignment(current, agent_id)
        if target is not current:
            await self.change_status(uow, case_, target, actor=actor)
        touch(case_, now)
        await self._outbox.emit(uow, "case.assigned", {"case": case_payload(case_)})

    async def has_room(self, uow: UnitOfWork, agent_id: str) -> bool:
        counts = await uow.cases.active_counts([agent_id], [s.value for s in ACTIVE_STATUSES])
        return self.has_room_with(counts.get(agent_id, 0))

    def has_room_with(self, active_cases: int) -> bool:
        """S2: an agent takes new cases while under the capacity."""
        return active_cases < self._ctx.settings.max_cases_per_agent

    async def audit(
        self,
        uow: UnitOfWork,
        case_: Case,
        actor: str,
        field_name: str,
        old: str | None,
        new: str | None,
        at: datetime,
    ) -> None:
        await uow.cases.add_events([audit_row(case_, actor, field_name, old, new, at)])


def audit_row(
    case_: Case, actor: str, field_name: str, old: str | None, new: str | None, at: datetime
) -> dict[str, Any]:
    return {
        "case_id": case_.id,
        "at": at,
        "actor": actor,
        "field": field_name,
        "old_value": old,
        "new_value": new,
    }
