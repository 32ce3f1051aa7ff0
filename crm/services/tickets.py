"""Tickets for calls: the case an answered call opens or joins (D4, Q2, S8), and the
intake answers the agent records on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from crm.db.models import Case, Customer, FollowUp, IntakeAnswer
from crm.db.repositories.calls import new_call_row
from crm.db.repositories.cases import TicketFacts
from crm.db.unit_of_work import UnitOfWork
from crm.domain.cases import (
    ACTIVE_STATUSES,
    CaseSnapshot,
    CaseStatus,
    JoinCase,
    Severity,
    Visibility,
    decide_join_or_open,
)
from crm.domain.journal import Direction
from crm.intake import IntakeScript
from crm.phone import normalize_or_raw
from crm.services.case_actions import CaseActions, KnownCounts, NewCase
from crm.services.context import CrmContext, again_on_conflict, require_open_case, touch
from crm.services.mappers import (
    call_entry,
    call_payload,
    case_info,
    case_payload,
    customer_info,
    encode_answer,
)
from crm.services.outbox import Outbox
from crm.views import CaseForCall


@dataclass(frozen=True)
class _AnsweredCall:
    call_id: str
    number: str | None  # the caller's, in E.164 when it parses
    agent_id: str  # who answered
    queue: str | None
    ivr_path: str | None
    subject: str | None
    title: str | None


class TicketService:
    def __init__(self, ctx: CrmContext, outbox: Outbox, actions: CaseActions) -> None:
        self._ctx = ctx
        self._outbox = outbox
        self._actions = actions

    async def open_or_join_case_for_call(
        self,
        *,
        call_id: str,
        caller_number: str | None,
        agent_id: str,
        queue: str | None = None,
        ivr_path: str | None = None,
        subject: str | None = None,
        title: str | None = None,
    ) -> CaseForCall:
        """D4, Q2, S8: when an agent answers, join the caller's open case or open a new one
        (linked to the previous case when that one is closed, resolved or idle), record the
        call on it and link the journal row. The returned case number is for the caller."""
        call = _AnsweredCall(
            call_id=call_id,
            number=normalize_or_raw(caller_number, self._ctx.settings.default_region),
            agent_id=agent_id,
            queue=queue,
            ivr_path=ivr_path,
            subject=subject,
            title=title,
        )
        # The journal may insert this call's row meanwhile: then the case joins it.
        return await again_on_conflict(partial(self._open_or_join, call))

    async def _open_or_join(self, call: _AnsweredCall) -> CaseForCall:
        now = self._ctx.clock.now()
        async with self._ctx.uow() as uow:
            facts = await uow.cases.ticket_facts(
                call.number,
                call.agent_id,
                [s.value for s in ACTIVE_STATUSES],
                now - self._ctx.settings.repeat_contact_window,
            )
            customer = (
                await uow.customers.get(facts.customer_id)
                if facts.customer_id is not None
                else None
            )
            # Locked (PostgreSQL): two calls of one customer answered at once join in turn.
            latest = (
                await uow.cases.lock(facts.latest_case_id)
                if facts.latest_case_id is not None
                else None
            )
            snapshot = (
                CaseSnapshot(CaseStatus(latest.status), latest.last_activity_at)
                if latest is not None
                else None
            )
            decision = decide_join_or_open(snapshot, now, self._ctx.settings.join_idle_after)
            joined = isinstance(decision, JoinCase)
            if isinstance(decision, JoinCase):
                assert latest is not None  # only an existing case is joined
                case_, taken = latest, await self._join(uow, latest, call.agent_id, facts)
            else:
                previous = latest if decision.link_previous else None
                case_ = await self._open(uow, call, customer, previous, facts)
                taken = case_.owner_agent_id == call.agent_id
            await self._record_call_on(uow, case_, now, call)
            await self._outbox.emit(
                uow,
                "case.call_attached",
                {"case": case_payload(case_), "call_id": call.call_id, "joined": joined},
            )
            info = case_info(case_)
            caller = customer_info(customer) if customer else None
            await uow.commit()
        return CaseForCall(
            case=info,
            joined=joined,
            customer=caller,
            # Joined cases are active: the agent's count grows only by a case it takes.
            agent_open_cases=facts.agent_active + (1 if taken else 0),
        )

    async def _join(self, uow: UnitOfWork, case_: Case, agent_id: str, facts: TicketFacts) -> bool:
        """The call joins `case_`; True when the answering agent takes it."""
        await self._actions.customer_contacted(uow, case_, actor=agent_id)
        # P2: nobody owned it, so the agent who answers keeps the customer.
        if case_.owner_agent_id is None and self._actions.has_room_with(facts.agent_active):
            await self._actions.set_owner(uow, case_, agent_id, actor=agent_id)
            return True
        return False

    async def _open(
        self,
        uow: UnitOfWork,
        call: _AnsweredCall,
        customer: Customer | None,
        previous: Case | None,
        facts: TicketFacts,
    ) -> Case:
        """A new case for the call, offered to the answering agent (S2 decides)."""
        queue = call.queue
        new = NewCase(
            customer=customer,
            contact_number=call.number,
            previous=previous,
            title=call.title or (f"Call on {queue}" if queue else "Incoming call"),
            subject=call.subject,
            queue=queue,
            ivr_path=call.ivr_path,
            severity=Severity.MINOR,
            visibility=Visibility.INTERNAL,
            owner=call.agent_id,
        )
        known = KnownCounts(facts.recent_cases, facts.agent_active)
        return await self._actions.create(uow, new, actor=call.agent_id, known=known)

    async def _record_call_on(
        self, uow: UnitOfWork, case_: Case, now: datetime, call: _AnsweredCall
    ) -> None:
        """The call on the case's timeline, and the journal row linked to the case."""
        await uow.cases.add_follow_up(
            FollowUp(
                case_id=case_.id,
                customer_id=case_.customer_id,
                kind="call",
                visibility="private",
                author=call.agent_id,
                body=f"Call answered by {call.agent_id}"
                + (f" on {call.queue}" if call.queue else ""),
                call_id=call.call_id,
                at=now,
            )
        )
        # The journal may have written this call's row first: then it is linked.
        if await uow.calls.link_case(call.call_id, case_.id, case_.customer_id):
            return
        row = new_call_row(
            call_id=call.call_id,
            direction=Direction.INBOUND.value,
            caller_number=call.number,
            remote_number=call.number,
            queue=call.queue,
            ivr_path=call.ivr_path,
            agent_id=call.agent_id,
            agent_ids=[call.agent_id],
            started_at=now,
            case_id=case_.id,
            customer_id=case_.customer_id,
        )
        await uow.calls.insert_rows([row])
        await self._outbox.emit(uow, "call.started", {"call": call_payload(call_entry(row))})

    async def record_intake_answers(
        self,
        case_number: str,
        script: IntakeScript,
        answers: Mapping[str, Any],
        *,
        actor: str,
        call_id: str | None = None,
    ) -> dict[str, Any]:
        """D4: validate the agent's answers against the queue's script and store them with
        the case; returns the typed answers."""
        typed = script.validate_answers(answers)
        async with self._ctx.uow() as uow:
            case_ = await require_open_case(uow, case_number)
            now = self._ctx.clock.now()
            positions = {q.id: i for i, q in enumerate(script.questions)}
            labels = {q.id: q.label for q in script.questions}
            await uow.cases.add_intake_answers(
                IntakeAnswer(
                    case_id=case_.id,
                    call_id=call_id,
                    script=script.name,
                    question_id=qid,
                    label=labels[qid],
                    position=positions[qid],
                    value=encode_answer(value),
                    answered_by=actor,
                    answered_at=now,
                )
                for qid, value in typed.items()
            )
            await self._actions.audit(uow, case_, actor, "intake", None, script.name, now)
            case_type = next(
                (
                    str(typed[q.id])
                    for q in script.questions
                    if q.sets_case_type and typed.get(q.id)
                ),
                None,
            )
            if case_type is not None and case_type != case_.subject:
                # S4: the intake's answer types the case for escalation.
                await self._actions.audit(
                    uow, case_, actor, "subject", case_.subject, case_type, now
                )
                case_.subject = case_type
            touch(case_, now)
            await uow.commit()
        return typed


__all__ = ["TicketService"]
