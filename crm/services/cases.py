"""Cases: open, read, change status and priority, assign, escalate, add to the timeline,
and the auto-close the scheduler runs. Each command checks, then applies its change with
`CaseActions` in one unit of work."""

from __future__ import annotations

from collections.abc import Iterable

from crm.db.models import FollowUp
from crm.domain.case_effects import check_follow_up, follow_up_effects
from crm.domain.cases import (
    ACTIVE_STATUSES,
    CaseStatus,
    Priority,
    Severity,
    Visibility,
    check_transition,
)
from crm.domain.escalation import AgentCandidate, choose_escalation
from crm.errors import AgentQueueFull, UnknownCustomer
from crm.phone import normalize_or_raw
from crm.services.case_actions import CaseActions, NewCase
from crm.services.context import (
    AUTO_CLOSE_ACTOR,
    CrmContext,
    parse_enum,
    require_case,
    require_open_case,
    touch,
)
from crm.services.mappers import (
    audit_entry,
    case_info,
    case_payload,
    follow_up_info,
    intake_answer_info,
)
from crm.services.outbox import Outbox
from crm.views import CaseDetails, CaseInfo, FollowUpInfo, NotificationInfo


class CaseService:
    def __init__(self, ctx: CrmContext, outbox: Outbox, actions: CaseActions) -> None:
        self._ctx = ctx
        self._outbox = outbox
        self._actions = actions

    async def open_case(
        self,
        *,
        actor: str,
        customer_id: int | None = None,
        contact_number: str | None = None,
        title: str = "",
        subject: str | None = None,
        queue: str | None = None,
        ivr_path: str | None = None,
        severity: Severity = Severity.MINOR,
        visibility: Visibility = Visibility.INTERNAL,
        owner_agent_id: str | None = None,
    ) -> CaseInfo:
        """S1: a new case, priority set by the rules, owner assigned when the agent's case
        queue has room (S2). Sends the acknowledgement mail (Q4) when configured."""
        async with self._ctx.uow() as uow:
            customer = None
            if customer_id is not None:
                customer = await uow.customers.get(customer_id)
                if customer is None:
                    raise UnknownCustomer(f"no customer {customer_id}", customer_id=customer_id)
            new = NewCase(
                customer=customer,
                contact_number=normalize_or_raw(contact_number, self._ctx.settings.default_region),
                previous=None,
                title=title,
                subject=subject,
                queue=queue,
                ivr_path=ivr_path,
                severity=severity,
                visibility=visibility,
                owner=owner_agent_id,
            )
            info = case_info(await self._actions.create(uow, new, actor=actor))
            await uow.commit()
        return info

    async def get_case(self, case_number: str) -> CaseInfo:
        async with self._ctx.uow() as uow:
            return case_info(await require_case(uow, case_number))

    async def case_details(self, case_number: str) -> CaseDetails:
        """The case with its timeline: follow-ups, audit trail and intake answers."""
        async with self._ctx.uow() as uow:
            case_ = await require_case(uow, case_number)
            previous = (
                await uow.cases.get(case_.previous_case_id) if case_.previous_case_id else None
            )
            return CaseDetails(
                case=case_info(case_),
                follow_ups=tuple(follow_up_info(f) for f in await uow.cases.follow_ups(case_.id)),
                audit=tuple(audit_entry(e) for e in await uow.cases.events(case_.id)),
                intake_answers=tuple(
                    intake_answer_info(a) for a in await uow.cases.intake_answers(case_.id)
                ),
                previous_case_number=previous.number if previous else None,
            )

    async def set_case_status(
        self, case_number: str, status: CaseStatus | str, *, actor: str, message: str = ""
    ) -> CaseInfo:
        """S3 workflow with its side effects: S5 (waiting: mail + auto-close deadline), D7
        (resolved: confirmation request; closed after resolution: satisfaction survey), Q4
        (one survey per case, at most one per contact within the cooldown). S8: closed is
        final."""
        target = parse_enum(CaseStatus, status, "status")
        async with self._ctx.uow() as uow:
            case_ = await require_case(uow, case_number, for_update=True)
            check_transition(CaseStatus(case_.status), target)
            await self._actions.change_status(uow, case_, target, actor=actor, message=message)
            info = case_info(case_)
            await uow.commit()
        return info

    async def set_priority(
        self, case_number: str, priority: Priority | str, *, actor: str
    ) -> CaseInfo:
        """S1: manual override of the automatic priority; the rules no longer touch it."""
        value = parse_enum(Priority, priority, "priority")
        async with self._ctx.uow() as uow:
            case_ = await require_open_case(uow, case_number)
            now = self._ctx.clock.now()
            await self._actions.audit(
                uow, case_, actor, "priority", case_.priority, value.value, now
            )
            case_.priority = value.value
            case_.priority_manual = True
            touch(case_, now)
            info = case_info(case_)
            await uow.commit()
        return info

    async def assign_case(
        self, case_number: str, agent_id: str | None, *, actor: str, automatic: bool = False
    ) -> CaseInfo:
        """S2: automatic assignment refuses an agent whose case queue is full; a supervisor
        (automatic=False) may still assign."""
        async with self._ctx.uow() as uow:
            case_ = await require_open_case(uow, case_number)
            if (
                automatic
                and agent_id is not None
                and not await self._actions.has_room(uow, agent_id)
            ):
                raise AgentQueueFull(
                    f"agent {agent_id} already has {self._ctx.settings.max_cases_per_agent} cases",
                    agent_id=agent_id,
                )
            await self._actions.set_owner(uow, case_, agent_id, actor=actor)
            info = case_info(case_)
            await uow.commit()
        return info

    async def escalate(
        self, case_number: str, *, actor: str, candidates: Iterable[AgentCandidate]
    ) -> CaseInfo:
        """D5, S4: raise the escalation level (0 -> 1 -> 2) and hand the case to an agent of
        that level chosen by the case's type, its status and availability (the caller passes
        the agents it knows about); unassigned when nobody fits."""
        pool = list(candidates)
        async with self._ctx.uow() as uow:
            case_ = await require_case(uow, case_number, for_update=True)
            counts = await uow.cases.active_counts(
                [c.agent_id for c in pool], [s.value for s in ACTIVE_STATUSES]
            )
            decision = choose_escalation(
                status=CaseStatus(case_.status),
                level=case_.escalation_level,
                case_type=case_.subject,
                candidates=pool,
                active_cases=counts,
                max_cases_per_agent=self._ctx.settings.max_cases_per_agent,
            )
            now = self._ctx.clock.now()
            await self._actions.audit(
                uow,
                case_,
                actor,
                "escalation_level",
                str(case_.escalation_level),
                str(decision.new_level),
                now,
            )
            case_.escalation_level = decision.new_level
            await self._actions.set_owner(uow, case_, decision.owner, actor=actor)
            touch(case_, now)
            await self._outbox.emit(uow, "case.escalated", {"case": case_payload(case_)})
            info = case_info(case_)
            await uow.commit()
        return info

    async def add_follow_up(
        self,
        case_number: str,
        *,
        author: str,
        kind: str = "note",
        body: str = "",
        visibility: str = "private",
        call_id: str | None = None,
    ) -> FollowUpInfo:
        """C1: a note, mail in/out or call on the case timeline, with what it entails
        (`follow_up_effects`: S5's reopening, the mail out, S10's note to the owner)."""
        # Long on purpose: the note and every effect it entails are one transaction.
        check_follow_up(kind, visibility)
        published: list[NotificationInfo] = []  # pushed live once committed
        async with self._ctx.uow() as uow:
            case_ = await require_open_case(uow, case_number)
            now = self._ctx.clock.now()
            effects = follow_up_effects(kind, visibility, author=author, owner=case_.owner_agent_id)
            follow_up = await uow.cases.add_follow_up(
                FollowUp(
                    case_id=case_.id,
                    customer_id=case_.customer_id,
                    kind=kind,
                    at=now,
                    visibility=visibility,
                    author=author,
                    body=body,
                    call_id=call_id,
                )
            )
            if effects.customer_contact:
                await self._actions.customer_contacted(uow, case_, actor=author)
            else:
                touch(case_, now)
            if effects.mail is not None:
                await self._outbox.queue_case_mail(uow, case_, effects.mail, text=body)
            if effects.notify is not None:
                published.append(
                    await self._outbox.add_notification(
                        uow,
                        effects.notify,
                        at=now,
                        kind="private_note",
                        title=f"Private note on case {case_.number} from {author}",
                        body=body,
                        sender=author,
                        case_id=case_.id,
                    )
                )
            await uow.commit()
        info = follow_up_info(follow_up)
        self._outbox.publish(published)
        return info

    async def close_due_cases(self, limit: int = 100) -> list[str]:
        """S5: close every case whose wait for the customer ran out, telling the customer.
        Called by the scheduler; returns the closed case numbers."""
        now = self._ctx.clock.now()
        closed: list[str] = []
        async with self._ctx.uow() as uow:
            for case_ in await uow.cases.due_auto_close(
                now, CaseStatus.WAITING_FOR_CUSTOMER.value, limit
            ):
                await self._actions.change_status(
                    uow, case_, CaseStatus.CLOSED, actor=AUTO_CLOSE_ACTOR
                )
                closed.append(str(case_.number))
            await uow.commit()
        return closed
