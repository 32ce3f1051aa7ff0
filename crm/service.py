"""CrmService: the one facade the rest of the application calls.

Each command checks first (raising a CrmError with a stable code), then applies its
effects in a single unit of work: the change, its audit entries, the mails it causes
(outbox) and the webhook deliveries it causes are committed together or not at all.
Live notification pushes happen only after the commit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar, cast

from crm.clock import Clock
from crm.db.dead_letters import safe_text
from crm.db.faults import check_lengths, is_data_error
from crm.db.models import (
    Call,
    Case,
    Customer,
    FollowUp,
    IntakeAnswer,
    Notification,
    OutboxMail,
    Task,
    WebhookDelivery,
)
from crm.db.unit_of_work import UnitOfWork, WriteConflict
from crm.domain.agent_stats import time_in_states
from crm.domain.cases import (
    ACTIVE_STATUSES,
    CaseSnapshot,
    CaseStatus,
    JoinCase,
    Priority,
    Severity,
    Visibility,
    auto_close_deadline,
    check_transition,
    decide_join_or_open,
    status_after_customer_contact,
)
from crm.domain.escalation import AgentCandidate, choose_escalation
from crm.domain.journal import HANDLED_OUTCOMES, CallOutcome, Direction, service_level
from crm.domain.mail_rules import csat_eligible, reminder_time
from crm.domain.priority import PriorityInputs, compute_priority
from crm.errors import (
    AgentQueueFull,
    CaseClosed,
    DuplicateAccountNumber,
    InvalidEmail,
    InvalidValue,
    UnknownCase,
    UnknownCustomer,
    UnknownNotification,
    UnknownTask,
    UnwritableRows,
)
from crm.intake import IntakeScript
from crm.mail.templates import MailKind, render
from crm.notifications import NotificationHub
from crm.phone import normalize_or_raw, normalize_phone, try_normalize
from crm.settings import CrmSettings, WebhookEndpoint
from crm.views import (
    Address,
    AuditEntry,
    CallEntry,
    CallRecord,
    CallStats,
    CaseDetails,
    CaseForCall,
    CaseInfo,
    CustomerInfo,
    CustomerProfile,
    DeadLetterEntry,
    FailedDelivery,
    FollowUpInfo,
    IntakeAnswerInfo,
    NewCustomer,
    NotificationInfo,
    TaskInfo,
)

UowFactory = Callable[[], UnitOfWork]
_E = TypeVar("_E", CaseStatus, Priority, Severity, Visibility)
_T = TypeVar("_T")
_V = TypeVar("_V")

SYSTEM_ACTOR = "system"
AUTO_CLOSE_ACTOR = "system:auto_close"

FOLLOW_UP_KINDS = frozenset({"note", "mail_in", "mail_out", "call"})
FOLLOW_UP_VISIBILITIES = frozenset({"private", "customer"})
TASK_KINDS = frozenset({"call", "mail", "meeting", "chat"})
NOTIFICATION_KINDS = frozenset(
    {"appointment_reminder", "supervisor_message", "private_note", "case_assigned"}
)
# P5: contacts that count as "the agent followed this customer up" (a relance: a note
# left in the file or a mail sent). The "call" follow-up logged when an agent answers
# an inbound call is not one: repeat callers go back to that agent only by S9.
FOLLOW_UP_CONTACT_KINDS = ("note", "mail_out")


class CrmService:
    def __init__(
        self,
        uow_factory: UowFactory,
        clock: Clock,
        settings: CrmSettings | None = None,
        hub: NotificationHub | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.settings = settings or CrmSettings()
        self.hub = hub or NotificationHub()

    # ----------------------------------------------------------------- customers (C1, C2)

    async def create_customer(self, new: NewCustomer) -> CustomerInfo:
        """C1: a customer with a unique account number; phones stored in E.164."""
        region = self.settings.default_region
        phones = [
            (normalize_phone(p, region), None)
            if isinstance(p, str)
            else (normalize_phone(p[0], region), p[1])
            for p in new.phones
        ]
        emails = [_normalize_email(e) for e in new.emails]
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.customers.get_by_account(new.account_number) is not None:
                raise DuplicateAccountNumber(
                    f"account number {new.account_number!r} already exists",
                    account_number=new.account_number,
                )
            customer = Customer(
                account_number=new.account_number,
                first_name=new.first_name,
                last_name=new.last_name,
                company=new.company,
                tier=new.tier,
                custom_fields=dict(new.custom_fields),
                addresses=[asdict(a) for a in new.addresses],
                created_at=now,
                updated_at=now,
            )
            await uow.customers.add(customer, phones, emails)
            info = await self._customer_info(uow, customer)
            await uow.commit()
        return info

    async def get_customer(self, customer_id: int) -> CustomerInfo:
        async with self._uow() as uow:
            customer = await uow.customers.get(customer_id)
            if customer is None:
                raise UnknownCustomer(f"no customer {customer_id}", customer_id=customer_id)
            return await self._customer_info(uow, customer)

    async def find_customer(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        case_number: str | None = None,
        account_number: str | None = None,
    ) -> CustomerProfile | None:
        """C2: the customer (and all their cases) by any phone number, email, case number
        or account number; None when nothing matches."""
        async with self._uow() as uow:
            customer: Customer | None = None
            if phone is not None:
                number = try_normalize(phone, self.settings.default_region)
                if number is not None:
                    customer = await uow.customers.find_by_phone(number)
            elif email is not None:
                customer = await uow.customers.find_by_email(email.strip().lower())
            elif case_number is not None:
                found = await uow.cases.get_by_number(case_number.strip())
                if found is not None and found.customer_id is not None:
                    customer = await uow.customers.get(found.customer_id)
            elif account_number is not None:
                customer = await uow.customers.get_by_account(account_number.strip())
            if customer is None:
                return None
            cases = await uow.cases.for_customer(customer.id)
            return CustomerProfile(
                customer=await self._customer_info(uow, customer),
                cases=tuple(_case_info(c) for c in cases),
            )

    async def search(self, text: str) -> CustomerProfile | None:
        """Screen-pop search box: guesses whether `text` is an email, a case number, an
        account number or a phone number."""
        query = text.strip()
        if "@" in query:
            return await self.find_customer(email=query)
        found = await self.find_customer(case_number=query)
        if found is None:
            found = await self.find_customer(account_number=query)
        if found is None:
            found = await self.find_customer(phone=query)
        return found

    # --------------------------------------------------------------------- cases

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
        async with self._uow() as uow:
            customer = None
            if customer_id is not None:
                customer = await uow.customers.get(customer_id)
                if customer is None:
                    raise UnknownCustomer(f"no customer {customer_id}", customer_id=customer_id)
            case_ = await self._create_case(
                uow,
                actor=actor,
                customer=customer,
                contact_number=normalize_or_raw(contact_number, self.settings.default_region),
                previous=None,
                title=title,
                subject=subject,
                queue=queue,
                ivr_path=ivr_path,
                severity=severity,
                visibility=visibility,
                owner=owner_agent_id,
            )
            info = _case_info(case_)
            await uow.commit()
        return info

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
        # The journal may insert this call's row meanwhile: then the case joins it.
        return await _again_on_conflict(
            partial(
                self._open_or_join_case_for_call,
                call_id=call_id,
                caller_number=caller_number,
                agent_id=agent_id,
                queue=queue,
                ivr_path=ivr_path,
                subject=subject,
                title=title,
            )
        )

    async def _open_or_join_case_for_call(
        self,
        *,
        call_id: str,
        caller_number: str | None,
        agent_id: str,
        queue: str | None,
        ivr_path: str | None,
        subject: str | None,
        title: str | None,
    ) -> CaseForCall:
        now = self._clock.now()
        number = normalize_or_raw(caller_number, self.settings.default_region)
        async with self._uow() as uow:
            facts = await uow.cases.ticket_facts(
                number,
                agent_id,
                [s.value for s in ACTIVE_STATUSES],
                now - self.settings.repeat_contact_window,
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
            decision = decide_join_or_open(snapshot, now, self.settings.join_idle_after)
            if isinstance(decision, JoinCase):
                assert latest is not None
                case_ = latest
                joined = True
                await self._customer_contacted(uow, case_, actor=agent_id)
                # P2: nobody owned it, so the agent who answers keeps the customer.
                if case_.owner_agent_id is None and self._has_room_with(facts.agent_active):
                    await self._set_owner(uow, case_, agent_id, actor=agent_id)
                    taken = True
                else:
                    taken = False
            else:
                joined = False
                case_ = await self._create_case(
                    uow,
                    actor=agent_id,
                    customer=customer,
                    contact_number=number,
                    previous=latest if decision.link_previous else None,
                    title=title or (f"Call on {queue}" if queue else "Incoming call"),
                    subject=subject,
                    queue=queue,
                    ivr_path=ivr_path,
                    severity=Severity.MINOR,
                    visibility=Visibility.INTERNAL,
                    owner=agent_id,
                    known=_KnownCounts(facts.recent_cases, facts.agent_active),
                )
                taken = case_.owner_agent_id == agent_id
            await uow.cases.add_follow_up(
                FollowUp(
                    case_id=case_.id,
                    customer_id=case_.customer_id,
                    kind="call",
                    visibility="private",
                    author=agent_id,
                    body=f"Call answered by {agent_id}" + (f" on {queue}" if queue else ""),
                    call_id=call_id,
                    at=now,
                )
            )
            # The journal may have written this call's row first: then it is linked.
            if not await uow.calls.link_case(call_id, case_.id, case_.customer_id):
                row = _call_row(
                    call_id=call_id,
                    direction=Direction.INBOUND.value,
                    caller_number=number,
                    remote_number=number,
                    queue=queue,
                    ivr_path=ivr_path,
                    agent_id=agent_id,
                    agent_ids=[agent_id],
                    started_at=now,
                    case_id=case_.id,
                    customer_id=case_.customer_id,
                )
                await uow.calls.insert_rows([row])
                await self._emit(uow, "call.started", {"call": _call_payload(_call_entry(row))})
            # Joined cases are active: the agent's count grows only by a case it takes.
            agent_cases = facts.agent_active + (1 if taken else 0)
            customer_info = await self._customer_info(uow, customer) if customer else None
            await self._emit(
                uow,
                "case.call_attached",
                {"case": _case_payload(case_), "call_id": call_id, "joined": joined},
            )
            info = _case_info(case_)
            await uow.commit()
        return CaseForCall(
            case=info,
            joined=joined,
            customer=customer_info,
            agent_open_cases=agent_cases,
        )

    async def get_case(self, case_number: str) -> CaseInfo:
        async with self._uow() as uow:
            return _case_info(await _require_case(uow, case_number))

    async def case_details(self, case_number: str) -> CaseDetails:
        """The case with its timeline: follow-ups, audit trail and intake answers."""
        async with self._uow() as uow:
            case_ = await _require_case(uow, case_number)
            previous = (
                await uow.cases.get(case_.previous_case_id) if case_.previous_case_id else None
            )
            return CaseDetails(
                case=_case_info(case_),
                follow_ups=tuple(_follow_up_info(f) for f in await uow.cases.follow_ups(case_.id)),
                audit=tuple(
                    AuditEntry(e.at, e.actor, e.field, e.old_value, e.new_value)
                    for e in await uow.cases.events(case_.id)
                ),
                intake_answers=tuple(
                    IntakeAnswerInfo(
                        script=a.script,
                        question_id=a.question_id,
                        label=a.label,
                        value=_decode_answer(a.value),
                        answered_by=a.answered_by,
                        answered_at=a.answered_at,
                        call_id=a.call_id,
                    )
                    for a in await uow.cases.intake_answers(case_.id)
                ),
                previous_case_number=previous.number if previous else None,
            )

    async def set_case_status(
        self, case_number: str, status: CaseStatus | str, *, actor: str, message: str = ""
    ) -> CaseInfo:
        """S3 workflow with its side effects: S5 (waiting: mail + 24 h deadline), D7
        (resolved: confirmation request; closed after resolution: satisfaction), Q4 (CSAT on
        first resolution, at most one per contact per 24 h). S8: closed is final."""
        target = _parse_enum(CaseStatus, status, "status")
        async with self._uow() as uow:
            case_ = await _require_case(uow, case_number, for_update=True)
            check_transition(CaseStatus(case_.status), target)
            await self._change_status(uow, case_, target, actor=actor, message=message)
            info = _case_info(case_)
            await uow.commit()
        return info

    async def set_priority(
        self, case_number: str, priority: Priority | str, *, actor: str
    ) -> CaseInfo:
        """S1: manual override of the automatic priority; the rules no longer touch it."""
        value = _parse_enum(Priority, priority, "priority")
        async with self._uow() as uow:
            case_ = await _require_open_case(uow, case_number)
            now = self._clock.now()
            await self._audit(uow, case_, actor, "priority", case_.priority, value.value, now)
            case_.priority = value.value
            case_.priority_manual = True
            _touch(case_, now)
            info = _case_info(case_)
            await uow.commit()
        return info

    async def update_case(
        self,
        case_number: str,
        *,
        actor: str,
        title: str | None = None,
        subject: str | None = None,
        severity: Severity | str | None = None,
        visibility: Visibility | str | None = None,
    ) -> CaseInfo:
        async with self._uow() as uow:
            case_ = await _require_open_case(uow, case_number)
            now = self._clock.now()
            changes: dict[str, str | None] = {}
            if title is not None:
                changes["title"] = title
            if subject is not None:
                changes["subject"] = subject
            if severity is not None:
                changes["severity"] = _parse_enum(Severity, severity, "severity").value
            if visibility is not None:
                changes["visibility"] = _parse_enum(Visibility, visibility, "visibility").value
            for field_name, value in changes.items():
                old = getattr(case_, field_name)
                if old != value:
                    await self._audit(uow, case_, actor, field_name, old, value, now)
                    setattr(case_, field_name, value)
            if changes:
                _touch(case_, now)
            info = _case_info(case_)
            await uow.commit()
        return info

    async def assign_case(
        self, case_number: str, agent_id: str | None, *, actor: str, automatic: bool = False
    ) -> CaseInfo:
        """S2: automatic assignment refuses an agent whose case queue is full; a supervisor
        (automatic=False) may still assign."""
        async with self._uow() as uow:
            case_ = await _require_open_case(uow, case_number)
            if automatic and agent_id is not None and not await self._has_room(uow, agent_id):
                raise AgentQueueFull(
                    f"agent {agent_id} already has {self.settings.max_cases_per_agent} cases",
                    agent_id=agent_id,
                )
            await self._set_owner(uow, case_, agent_id, actor=actor)
            info = _case_info(case_)
            await uow.commit()
        return info

    async def escalate(
        self, case_number: str, *, actor: str, candidates: Iterable[AgentCandidate]
    ) -> CaseInfo:
        """D5, S4: raise the escalation level (0 -> 1 -> 2) and hand the case to an agent of
        that level chosen by the case's type, its status and availability (the caller passes
        the agents it knows about); unassigned when nobody fits."""
        pool = list(candidates)
        async with self._uow() as uow:
            case_ = await _require_case(uow, case_number, for_update=True)
            counts = await uow.cases.active_counts(
                [c.agent_id for c in pool], [s.value for s in ACTIVE_STATUSES]
            )
            decision = choose_escalation(
                status=CaseStatus(case_.status),
                level=case_.escalation_level,
                case_type=case_.subject,
                candidates=pool,
                active_cases=counts,
                max_cases_per_agent=self.settings.max_cases_per_agent,
            )
            now = self._clock.now()
            await self._audit(
                uow,
                case_,
                actor,
                "escalation_level",
                str(case_.escalation_level),
                str(decision.new_level),
                now,
            )
            case_.escalation_level = decision.new_level
            await self._set_owner(uow, case_, decision.owner, actor=actor)
            _touch(case_, now)
            await self._emit(uow, "case.escalated", {"case": _case_payload(case_)})
            info = _case_info(case_)
            await uow.commit()
        return info

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
        async with self._uow() as uow:
            case_ = await _require_open_case(uow, case_number)
            now = self._clock.now()
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
                    value=_encode_answer(value),
                    answered_by=actor,
                    answered_at=now,
                )
                for qid, value in typed.items()
            )
            await self._audit(uow, case_, actor, "intake", None, script.name, now)
            _touch(case_, now)
            await uow.commit()
        return typed

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
        """C1: a note, mail in/out or call on the case timeline.
        - mail_in (the customer replied) takes a waiting case back to open (S5);
        - mail_out is queued to the customer's address;
        - a private note on someone else's case notifies the owner (S10)."""
        if kind not in FOLLOW_UP_KINDS:
            raise InvalidValue(f"unknown follow-up kind {kind!r}", field="kind")
        if visibility not in FOLLOW_UP_VISIBILITIES:
            raise InvalidValue(f"unknown visibility {visibility!r}", field="visibility")
        published: list[NotificationInfo] = []
        async with self._uow() as uow:
            case_ = await _require_open_case(uow, case_number)
            now = self._clock.now()
            follow_up = await uow.cases.add_follow_up(
                FollowUp(
                    case_id=case_.id,
                    customer_id=case_.customer_id,
                    kind=kind,
                    visibility=visibility,
                    author=author,
                    body=body,
                    call_id=call_id,
                    at=now,
                )
            )
            if kind in {"mail_in", "call"}:
                await self._customer_contacted(uow, case_, actor=author)
            else:
                _touch(case_, now)
            if kind == "mail_out":
                await self._queue_case_mail(uow, case_, MailKind.AGENT_MESSAGE, text=body)
            if (
                kind == "note"
                and visibility == "private"
                and case_.owner_agent_id
                and case_.owner_agent_id != author
            ):
                note = await uow.notifications.add(
                    Notification(
                        recipient=case_.owner_agent_id,
                        kind="private_note",
                        title=f"Private note on case {case_.number} from {author}",
                        body=body,
                        sender=author,
                        case_id=case_.id,
                        created_at=now,
                    )
                )
                published.append(_notification_info(note))
            await uow.commit()
        info = _follow_up_info(follow_up)
        for item in published:
            self.hub.publish(item)
        return info

    async def record_agent_states(
        self, changes: Iterable[tuple[str, str, str | None, datetime]]
    ) -> None:
        """D8: log agent state transitions, each (agent id, state, reason, when), the
        source of time-in-state statistics."""
        rows = [
            {"agent_id": agent_id, "state": state, "reason": reason, "at": at}
            for agent_id, state, reason, at in changes
        ]
        with _refused_as_unwritable():
            check_lengths("agent_state_changes", rows)
            async with self._uow() as uow:
                await uow.agent_states.add_many(rows)
                await uow.commit()

    async def agent_time_in_states(
        self, agent_id: str, start: datetime, end: datetime
    ) -> dict[str, float]:
        """Seconds the agent spent in each state over [start, end)."""
        async with self._uow() as uow:
            before = await uow.agent_states.last_before(agent_id, start)
            changes = await uow.agent_states.between(agent_id, start, end)
        return time_in_states(
            [(c.state, c.at) for c in changes], start, end, before.state if before else None
        )

    async def case_owner_for_number(self, phone_number: str) -> str | None:
        """P1: the owner of the case a call from this number would join (Q2), if any."""
        number = try_normalize(phone_number, self.settings.default_region)
        if number is None:
            return None
        async with self._uow() as uow:
            customer = await uow.customers.find_by_phone(number)
            return await self._case_owner(uow, number, customer.id if customer else None)

    async def _case_owner(
        self, uow: UnitOfWork, number: str, customer_id: int | None
    ) -> str | None:
        latest = await uow.cases.latest_state_for(
            customer_id=customer_id, contact_number=None if customer_id else number
        )
        if latest is None:
            return None
        snapshot = CaseSnapshot(CaseStatus(latest.status), latest.last_activity_at)
        decision = decide_join_or_open(snapshot, self._clock.now(), self.settings.join_idle_after)
        return latest.owner_agent_id if isinstance(decision, JoinCase) else None

    async def preferred_agent_for_number(
        self, phone_number: str, *, last_agent_within: timedelta | None
    ) -> tuple[str | None, str | None]:
        """Who a caller should reach first, and why: the author of a follow-up within 3 h
        ("follow_up", P5), else the owner of the case the call would join ("owner", P1),
        else the agent of their last handled call within `last_agent_within`
        ("last_agent", S9; None skips it). Two statements at most."""
        number = try_normalize(phone_number, self.settings.default_region)
        if number is None:
            return None, None
        now = self._clock.now()
        async with self._uow() as uow:
            facts = await uow.calls.caller_facts(
                number,
                follow_up_since=now - self.settings.follow_up_window,
                follow_up_kinds=FOLLOW_UP_CONTACT_KINDS,
                handled_outcomes=[o.value for o in HANDLED_OUTCOMES],
                last_agent_since=now - last_agent_within if last_agent_within else None,
                with_last_agent=last_agent_within is not None,
            )
            if facts.follow_up_author is not None:
                return facts.follow_up_author, "follow_up"
            owner = await self._case_owner(uow, number, facts.customer_id)
        if owner is not None:
            return owner, "owner"
        if facts.last_agent is not None:
            return facts.last_agent, "last_agent"
        return None, None

    async def open_case_counts(self, agent_ids: Iterable[str]) -> dict[str, int]:
        """S2: how many active cases each agent owns (agents with none are absent)."""
        async with self._uow() as uow:
            return await uow.cases.active_counts(agent_ids, [s.value for s in ACTIVE_STATUSES])

    async def close_due_cases(self, limit: int = 100) -> list[str]:
        """S5: close every case whose wait for the customer ran out, telling the customer.
        Called by the scheduler; returns the closed case numbers."""
        now = self._clock.now()
        closed: list[str] = []
        async with self._uow() as uow:
            for case_ in await uow.cases.due_auto_close(
                now, CaseStatus.WAITING_FOR_CUSTOMER.value, limit
            ):
                await self._change_status(uow, case_, CaseStatus.CLOSED, actor=AUTO_CLOSE_ACTOR)
                closed.append(str(case_.number))
            await uow.commit()
        return closed

    # --------------------------------------------------------------- tasks (C1)

    async def create_task(
        self,
        *,
        actor: str,
        assignee: str,
        kind: str,
        title: str,
        due_at: datetime,
        case_number: str | None = None,
        customer_id: int | None = None,
        reminder_minutes_before: int | None = None,
    ) -> TaskInfo:
        """C1: a planned call, mail, meeting or chat; its reminder is a due time in the
        database, fired by the scheduler `reminder_minutes_before` minutes ahead."""
        if kind not in TASK_KINDS:
            raise InvalidValue(f"unknown task kind {kind!r}", field="kind")
        if due_at.tzinfo is None:
            raise InvalidValue("due_at must be timezone-aware", field="due_at")
        minutes = (
            self.settings.reminder_minutes_before
            if reminder_minutes_before is None
            else reminder_minutes_before
        )
        async with self._uow() as uow:
            case_id = None
            if case_number is not None:
                case_ = await _require_open_case(uow, case_number)
                case_id = case_.id
                customer_id = customer_id or case_.customer_id
            if customer_id is not None and await uow.customers.get(customer_id) is None:
                raise UnknownCustomer(f"no customer {customer_id}", customer_id=customer_id)
            task = await uow.tasks.add(
                Task(
                    case_id=case_id,
                    customer_id=customer_id,
                    kind=kind,
                    title=title,
                    assignee=assignee,
                    due_at=due_at,
                    reminder_at=reminder_time(due_at, minutes),
                    created_by=actor,
                    created_at=self._clock.now(),
                )
            )
            info = _task_info(task)
            await uow.commit()
        return info

    async def complete_task(self, task_id: int, *, actor: str) -> TaskInfo:
        async with self._uow() as uow:
            task = await uow.tasks.get(task_id)
            if task is None:
                raise UnknownTask(f"no task {task_id}", task_id=task_id)
            if task.done_at is None:
                task.done_at = self._clock.now()
                task.reminder_at = None
            info = _task_info(task)
            await uow.commit()
        return info

    async def tasks_for(self, assignee: str, *, include_done: bool = False) -> list[TaskInfo]:
        async with self._uow() as uow:
            return [_task_info(t) for t in await uow.tasks.for_assignee(assignee, include_done)]

    async def send_due_reminders(self, limit: int = 100) -> list[NotificationInfo]:
        """C1, S10: one appointment-reminder notification per task whose reminder time has
        come; called by the scheduler."""
        now = self._clock.now()
        sent: list[NotificationInfo] = []
        async with self._uow() as uow:
            for task in await uow.tasks.due_reminders(now, limit):
                note = await uow.notifications.add(
                    Notification(
                        recipient=task.assignee,
                        kind="appointment_reminder",
                        title=f"Reminder: {task.kind} at {task.due_at:%H:%M} — {task.title}",
                        body="",
                        sender=None,
                        case_id=task.case_id,
                        task_id=task.id,
                        created_at=now,
                    )
                )
                task.reminder_at = None
                task.reminder_sent_at = now
                sent.append(_notification_info(note))
            await uow.commit()
        for item in sent:
            self.hub.publish(item)
        return sent

    # ------------------------------------------------------------ notifications (S10)

    async def notify(
        self,
        recipient: str,
        *,
        kind: str,
        title: str,
        body: str = "",
        sender: str | None = None,
        case_number: str | None = None,
    ) -> NotificationInfo:
        """S10: store a notification, then push it live to the recipient if connected."""
        if kind not in NOTIFICATION_KINDS:
            raise InvalidValue(f"unknown notification kind {kind!r}", field="kind")
        async with self._uow() as uow:
            case_id = None
            if case_number is not None:
                case_id = (await _require_case(uow, case_number)).id
            note = await uow.notifications.add(
                Notification(
                    recipient=recipient,
                    kind=kind,
                    title=title,
                    body=body,
                    sender=sender,
                    case_id=case_id,
                    created_at=self._clock.now(),
                )
            )
            info = _notification_info(note)
            await uow.commit()
        self.hub.publish(info)
        return info

    async def notifications_for(
        self, recipient: str, *, unread_only: bool = False
    ) -> list[NotificationInfo]:
        async with self._uow() as uow:
            return [
                _notification_info(n)
                for n in await uow.notifications.for_recipient(recipient, unread_only)
            ]

    async def mark_read(self, notification_id: int, *, recipient: str) -> NotificationInfo:
        async with self._uow() as uow:
            note = await uow.notifications.get(notification_id)
            if note is None or note.recipient != recipient:
                # Someone else's notification is indistinguishable from a missing one.
                raise UnknownNotification(
                    f"no notification {notification_id}", notification_id=notification_id
                )
            if note.read_at is None:
                note.read_at = self._clock.now()
            info = _notification_info(note)
            await uow.commit()
        return info

    # ------------------------------------------------------------- call journal (S7)

    async def record_call(self, record: CallRecord) -> CallEntry:
        """S7: create or update the journal row of `record.call_id`; fields left None keep
        their stored value. Emits `call.started` on creation and `call.ended` once."""
        return (await self.record_calls([record]))[0]

    async def record_calls(self, records: Sequence[CallRecord]) -> list[CallEntry]:
        """`record_call` for several rows in one transaction, in order: a call the batch
        touches twice (its end, then its wrap-up time) is merged before it is written.
        A few statements per batch, whatever its size."""
        # A ticket may insert one of these calls meanwhile: then it is an update.
        entries = await _again_on_conflict(partial(self._record_calls, records, True))
        return [entries[r.call_id] for r in records]

    async def journal_calls(self, records: Sequence[CallRecord]) -> None:
        """`record_calls` for the journal writer's batches: no entries are built unless a
        webhook wants them. Raises UnwritableRows when the database refuses their data."""
        with _refused_as_unwritable():
            await _again_on_conflict(partial(self._record_calls, records, False))

    async def set_aside_journal_row(self, kind: str, row: Any, reason: str) -> None:
        """Keep a journal row the database refused (`kind` "call" or "agent_state"),
        its fields as ASCII JSON, so it is seen and the rows behind it go on."""
        async with self._uow() as uow:
            await uow.dead_letters.add(kind, row, reason, self._clock.now())
            await uow.commit()

    async def journal_dead_letters(self, limit: int = 50) -> list[DeadLetterEntry]:
        """The journal rows set aside, newest first."""
        async with self._uow() as uow:
            letters = await uow.dead_letters.newest(limit)
        return [
            DeadLetterEntry(
                id=letter.id,
                kind=letter.kind,
                payload=json.loads(letter.payload),
                reason=letter.reason,
                created_at=letter.created_at,
            )
            for letter in letters
        ]

    async def failed_delivery_counts(self) -> dict[str, int]:
        """How many mails and webhook calls gave up."""
        async with self._uow() as uow:
            return {
                "mail": await uow.outbox.count_failed(),
                "webhook": await uow.webhooks.count_failed(),
            }

    async def failed_deliveries(self, limit: int = 50) -> list[FailedDelivery]:
        """Mails and webhook calls that gave up, newest first (`limit` of each)."""
        async with self._uow() as uow:
            mails = await uow.outbox.failed(limit)
            hooks = await uow.webhooks.failed(limit)
        found = [
            *(
                FailedDelivery(
                    m.id, "mail", m.to_addr, m.kind, m.attempts, m.last_error, m.failed_at
                )
                for m in mails
            ),
            *(
                FailedDelivery(
                    h.id, "webhook", h.url, h.event, h.attempts, h.last_error, h.failed_at
                )
                for h in hooks
            ),
        ]
        return sorted(found, key=lambda d: (d.failed_at is not None, d.failed_at), reverse=True)

    async def _record_calls(
        self, records: Sequence[CallRecord], want_entries: bool
    ) -> dict[str, CallEntry]:
        region = self.settings.default_region
        async with self._uow() as uow:
            stored = await uow.calls.rows_by_call_id({r.call_id for r in records})
            rows: dict[str, dict[str, Any]] = {}
            was_ended: dict[str, bool] = {}
            for record in records:
                row = rows.get(record.call_id)
                if row is None:
                    row = stored.get(record.call_id) or self._new_call_row(record)
                    rows[record.call_id] = row
                    was_ended[record.call_id] = row["ended_at"] is not None
                _apply_call_record(row, record, region)
            unknown = {
                row["remote_number"]
                for row in rows.values()
                if row["customer_id"] is None and row["remote_number"]
            }
            if unknown:
                owners = await uow.customers.latest_ids_for_phones(unknown)
                for row in rows.values():
                    if row["customer_id"] is None:
                        row["customer_id"] = owners.get(row["remote_number"])
            check_lengths("calls", rows.values())
            await uow.calls.insert_rows([r for r in rows.values() if "id" not in r])
            await uow.calls.update_rows([r for r in rows.values() if "id" in r])
            entries: dict[str, CallEntry] = {}
            if want_entries or self._subscribed("call.started", "call.ended"):
                entries = {call_id: _call_entry(row) for call_id, row in rows.items()}
            for call_id, entry in entries.items():
                if call_id not in stored:
                    await self._emit(uow, "call.started", {"call": _call_payload(entry)})
                if entry.ended_at is not None and not was_ended[call_id]:
                    await self._emit(uow, "call.ended", {"call": _call_payload(entry)})
            await uow.commit()
        return entries

    def _new_call_row(self, record: CallRecord) -> dict[str, Any]:
        return _call_row(
            call_id=record.call_id,
            direction=Direction.INBOUND.value,
            agent_ids=[],
            started_at=(
                record.started_at or record.enqueued_at or record.offered_at or self._clock.now()
            ),
        )

    async def call_history(self, phone_number: str, limit: int = 50) -> list[CallEntry]:
        """S7: every call with this number (inbound from it, outbound to it), newest first."""
        number = normalize_or_raw(phone_number, self.settings.default_region)
        if number is None:
            return []
        async with self._uow() as uow:
            return [_call_entry(c) for c in await uow.calls.history(number, limit)]

    async def call_stats(
        self,
        start: datetime,
        end: datetime,
        *,
        by: str = "queue",
        service_level_s: float = 20.0,
        queue: str | None = None,
        agent_id: str | None = None,
    ) -> list[CallStats]:
        """Per queue (or per agent) over [start, end): calls, answered, abandoned, average
        wait and talk, and the share answered within `service_level_s` seconds."""
        if by not in {"queue", "agent"}:
            raise InvalidValue("by must be 'queue' or 'agent'", field="by")
        async with self._uow() as uow:
            rows = await uow.calls.stats(
                start=start,
                end=end,
                group_by=by,
                service_level_s=service_level_s,
                answered=CallOutcome.ANSWERED.value,
                abandoned=CallOutcome.ABANDONED.value,
                queue=queue,
                agent_id=agent_id,
            )
        return [
            CallStats(
                key=r.key,
                calls=r.calls,
                answered=r.answered,
                abandoned=r.abandoned,
                avg_wait_s=r.avg_wait_s,
                avg_talk_s=r.avg_talk_s,
                answered_within_sl=r.answered_within_sl,
                service_level=service_level(r.answered_within_sl, r.calls),
            )
            for r in rows
        ]

    async def last_agent_for_number(
        self, phone_number: str, *, within: timedelta | None = None
    ) -> str | None:
        """S9, Q3 "smart": the agent who last handled a call with this number."""
        number = normalize_or_raw(phone_number, self.settings.default_region)
        if number is None:
            return None
        async with self._uow() as uow:
            return await self._last_agent(uow, number, within)

    async def _last_agent(
        self, uow: UnitOfWork, number: str, within: timedelta | None
    ) -> str | None:
        since = self._clock.now() - within if within is not None else None
        return await uow.calls.last_handling_agent(
            number, [o.value for o in HANDLED_OUTCOMES], since
        )

    async def follow_up_agent_for_number(
        self, phone_number: str, *, within: timedelta | None = None
    ) -> str | None:
        """P5: the agent who left a follow-up on this caller's customer within the window
        (default 3 h); None after it."""
        number = try_normalize(phone_number, self.settings.default_region)
        if number is None:
            return None
        async with self._uow() as uow:
            return await self._follow_up_agent(
                uow, number, within or self.settings.follow_up_window
            )

    async def _follow_up_agent(self, uow: UnitOfWork, number: str, within: timedelta) -> str | None:
        ids = await uow.customers.ids_for_phone(number)
        since = self._clock.now() - within
        return await uow.cases.latest_follow_up_author(ids, since, FOLLOW_UP_CONTACT_KINDS)

    # ------------------------------------------------------------------ internals

    async def _create_case(
        self,
        uow: UnitOfWork,
        *,
        actor: str,
        customer: Customer | None,
        contact_number: str | None,
        previous: Case | None,
        title: str,
        subject: str | None,
        queue: str | None,
        ivr_path: str | None,
        severity: Severity,
        visibility: Visibility,
        owner: str | None,
        known: _KnownCounts | None = None,
    ) -> Case:
        """`known`: the counts below when the caller has read them already."""
        now = self._clock.now()
        recent = 0
        if known is not None:
            recent = known.recent_cases
        elif customer is not None:
            recent = await uow.cases.count_created_since(
                customer.id, now - self.settings.repeat_contact_window
            )
        priority = compute_priority(
            PriorityInputs(
                customer_tier=customer.tier if customer else None,
                recent_case_count=recent,
                ivr_path=ivr_path,
            ),
            self.settings.tier_priority_boost,
            self.settings.ivr_priority,
        )
        if owner is not None and not (
            self._has_room_with(known.owner_active)
            if known is not None
            else await self._has_room(uow, owner)
        ):
            owner = None  # S2: full case queue, no automatic assignment
        status = CaseStatus.OPEN if owner is not None else CaseStatus.NEW
        case_ = await uow.cases.add(
            Case(
                customer_id=customer.id if customer else None,
                contact_number=contact_number,
                previous_case_id=previous.id if previous else None,
                subject=subject,
                title=title,
                queue=queue,
                status=status.value,
                priority=priority.value,
                priority_manual=False,
                severity=severity.value,
                visibility=visibility.value,
                owner_agent_id=owner,
                escalation_level=0,
                created_at=now,
                updated_at=now,
                last_activity_at=now,
            )
        )
        audit = [
            _audit_row(case_, actor, "status", None, status.value, now),
            _audit_row(case_, actor, "priority", None, priority.value, now),
        ]
        if owner is not None:
            audit.append(_audit_row(case_, actor, "owner", None, owner, now))
        if previous is not None:
            audit.append(_audit_row(case_, actor, "previous_case", None, previous.number, now))
        await uow.cases.add_events(audit)
        if self.settings.send_acknowledgement:
            await self._queue_case_mail(uow, case_, MailKind.ACKNOWLEDGEMENT)
        await self._emit(uow, "case.created", {"case": _case_payload(case_)})
        return case_

    async def _customer_contacted(self, uow: UnitOfWork, case_: Case, *, actor: str) -> None:
        """The customer got in touch about this case: activity now, waiting -> open (S5)."""
        now = self._clock.now()
        current = CaseStatus(case_.status)
        target = status_after_customer_contact(current)
        if target is not current:
            await self._change_status(uow, case_, target, actor=actor)
        _touch(case_, now)

    async def _change_status(
        self, uow: UnitOfWork, case_: Case, target: CaseStatus, *, actor: str, message: str = ""
    ) -> None:
        now = self._clock.now()
        current = CaseStatus(case_.status)
        check_transition(current, target)
        await self._audit(uow, case_, actor, "status", current.value, target.value, now)
        case_.status = target.value
        _touch(case_, now)
        if current is CaseStatus.WAITING_FOR_CUSTOMER:
            case_.waiting_since = None
            case_.auto_close_at = None
        if target is CaseStatus.WAITING_FOR_CUSTOMER:
            case_.waiting_since = now
            case_.auto_close_at = auto_close_deadline(now, self.settings.auto_close_after)
            await self._queue_case_mail(uow, case_, MailKind.WAITING_FOR_CUSTOMER, text=message)
        elif target is CaseStatus.RESOLVED:
            first = case_.first_resolved_at is None
            case_.resolved_at = now
            if first:
                case_.first_resolved_at = now
            await self._queue_case_mail(uow, case_, MailKind.RESOLUTION_CONFIRMATION)
            if first:
                await self._maybe_send_csat(uow, case_)
        elif target is CaseStatus.OPEN:
            case_.resolved_at = None
        elif target is CaseStatus.CLOSED:
            case_.closed_at = now
            if actor == AUTO_CLOSE_ACTOR:
                await self._queue_case_mail(uow, case_, MailKind.AUTO_CLOSED)
            elif current is CaseStatus.RESOLVED:
                await self._maybe_send_csat(uow, case_)
        await self._emit(
            uow,
            "case.status_changed",
            {"case": _case_payload(case_), "from": current.value, "to": target.value},
        )

    async def _maybe_send_csat(self, uow: UnitOfWork, case_: Case) -> None:
        """Q4 / D7: one survey per case, none if the contact got one within the cooldown."""
        email = await self._customer_email(uow, case_)
        if email is None:
            return
        now = self._clock.now()
        if csat_eligible(
            case_csat_sent=case_.csat_sent_at is not None,
            last_csat_to_contact=await uow.outbox.last_queued(email, MailKind.CSAT.value),
            now=now,
            cooldown=self.settings.csat_cooldown,
        ):
            await self._queue_case_mail(uow, case_, MailKind.CSAT)
            case_.csat_sent_at = now

    async def _queue_case_mail(
        self, uow: UnitOfWork, case_: Case, kind: MailKind, text: str = ""
    ) -> None:
        email = await self._customer_email(uow, case_)
        if email is None:
            return  # no address: nothing to send, the case still moves on
        customer = await uow.customers.get(case_.customer_id) if case_.customer_id else None
        name = (
            " ".join(p for p in (customer.first_name, customer.last_name) if p) if customer else ""
        )
        mail = render(
            kind,
            case_number=str(case_.number),
            title=case_.title,
            customer_name=name,
            company=self.settings.company_name,
            text=text,
        )
        now = self._clock.now()
        await uow.outbox.add(
            OutboxMail(
                kind=kind.value,
                to_addr=email,
                from_addr=self.settings.mail_from,
                subject=mail.subject,
                body=mail.body,
                case_id=case_.id,
                created_at=now,
                next_attempt_at=now,
            )
        )

    async def _customer_email(self, uow: UnitOfWork, case_: Case) -> str | None:
        if case_.customer_id is None:
            return None
        customer = await uow.customers.get(case_.customer_id)
        return customer.emails[0] if customer is not None and customer.emails else None

    async def _has_room(self, uow: UnitOfWork, agent_id: str) -> bool:
        counts = await uow.cases.active_counts([agent_id], [s.value for s in ACTIVE_STATUSES])
        return self._has_room_with(counts.get(agent_id, 0))

    def _has_room_with(self, active_cases: int) -> bool:
        """S2: an agent takes new cases while under the capacity."""
        return active_cases < self.settings.max_cases_per_agent

    async def _set_owner(
        self, uow: UnitOfWork, case_: Case, agent_id: str | None, *, actor: str
    ) -> None:
        if case_.owner_agent_id == agent_id:
            return
        now = self._clock.now()
        await self._audit(uow, case_, actor, "owner", case_.owner_agent_id, agent_id, now)
        case_.owner_agent_id = agent_id
        if agent_id is not None and case_.status == CaseStatus.NEW.value:
            await self._change_status(uow, case_, CaseStatus.OPEN, actor=actor)
        _touch(case_, now)
        await self._emit(uow, "case.assigned", {"case": _case_payload(case_)})

    async def _audit(
        self,
        uow: UnitOfWork,
        case_: Case,
        actor: str,
        field_name: str,
        old: str | None,
        new: str | None,
        at: datetime,
    ) -> None:
        await uow.cases.add_events([_audit_row(case_, actor, field_name, old, new, at)])

    def _endpoints_for(self, event: str) -> list[WebhookEndpoint]:
        return [e for e in self.settings.webhooks if not e.events or event in e.events]

    def _subscribed(self, *events: str) -> bool:
        return any(self._endpoints_for(event) for event in events)

    async def _emit(self, uow: UnitOfWork, event: str, data: dict[str, Any]) -> None:
        """C3: queue one signed delivery per subscribed endpoint, in the same transaction."""
        endpoints = self._endpoints_for(event)
        if not endpoints:
            return
        now = self._clock.now()
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "event": event,
                "occurred_at": now.isoformat(),
                "data": data,
            },
            sort_keys=True,
            default=str,
        )
        for endpoint in endpoints:
            await uow.webhooks.add(
                WebhookDelivery(
                    event=event,
                    url=endpoint.url,
                    payload=body,
                    created_at=now,
                    next_attempt_at=now,
                )
            )

    async def _customer_info(self, uow: UnitOfWork, customer: Customer) -> CustomerInfo:
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
        )


# ---------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _KnownCounts:
    recent_cases: int  # the customer's cases within the repeat-contact window
    owner_active: int  # the would-be owner's active cases


async def _require_case(uow: UnitOfWork, number: str, *, for_update: bool = False) -> Case:
    case_ = await uow.cases.get_by_number(number.strip(), for_update=for_update)
    if case_ is None:
        raise UnknownCase(f"no case {number!r}", case_number=number)
    return case_


async def _require_open_case(uow: UnitOfWork, number: str) -> Case:
    """A case that can still be worked on (S8: not closed)."""
    case_ = await _require_case(uow, number, for_update=True)
    if case_.status == CaseStatus.CLOSED.value:
        raise CaseClosed(f"case {number} is closed", case_number=number)
    return case_


def _touch(case_: Case, now: datetime) -> None:
    case_.updated_at = now
    case_.last_activity_at = now


def _normalize_email(email: str) -> str:
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise InvalidEmail(f"not an email address: {email!r}", email=email)
    return value


def _parse_enum(enum: type[_E], value: _E | str, field_name: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        raise InvalidValue(f"unknown {field_name} {value!r}", field=field_name) from None


def _encode_answer(value: Any) -> str:
    if isinstance(value, date):
        return json.dumps({"date": value.isoformat()})
    return json.dumps(value)


def _decode_answer(text: str) -> Any:
    value = json.loads(text)
    if isinstance(value, dict) and set(value) == {"date"}:
        return date.fromisoformat(value["date"])
    return value


def _case_info(case_: Case) -> CaseInfo:
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


def _case_payload(case_: Case) -> dict[str, Any]:
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


def _follow_up_info(f: FollowUp) -> FollowUpInfo:
    return _view(FollowUpInfo, f)


def _task_info(t: Task) -> TaskInfo:
    return _view(TaskInfo, t)


def _notification_info(n: Notification) -> NotificationInfo:
    return _view(NotificationInfo, n)


def _view(view: type[_V], row: object) -> _V:
    """The view dataclass filled from the ORM row's attributes of the same names."""
    return view(**{f.name: getattr(row, f.name) for f in fields(cast(Any, view))})


@contextmanager
def _refused_as_unwritable() -> Iterator[None]:
    """Data errors of a write become UnwritableRows; faults that may pass (a lost
    connection, a locked database) propagate as they are, to be retried."""
    try:
        yield
    except UnwritableRows:
        raise
    except Exception as exc:
        if is_data_error(exc):
            raise UnwritableRows(safe_text(f"{type(exc).__name__}: {exc}")) from exc
        raise


async def _again_on_conflict(work: Callable[[], Awaitable[_T]]) -> _T:
    """Run a unit of work once more if a concurrent one inserted the same row first."""
    try:
        return await work()
    except WriteConflict:
        return await work()


def _audit_row(
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


# A new journal row has every column but `id`, which the database assigns.
_NEW_CALL_COLUMNS = tuple(c.key for c in Call.__table__.columns if c.key != "id")


def _call_row(**values: Any) -> dict[str, Any]:
    """A journal row to insert: `values`, every other column None."""
    row: dict[str, Any] = dict.fromkeys(_NEW_CALL_COLUMNS)
    row.update(values)
    return row


_CALL_RECORD_FIELDS = (
    "ivr_path",
    "queue",
    "agent_id",
    "enqueued_at",
    "offered_at",
    "answered_at",
    "ended_at",
    "wait_s",
    "talk_s",
    "wrapup_s",
    "case_id",
    "customer_id",
    "uniqueid",
    "linkedid",
    "started_at",
)


def _apply_call_record(row: dict[str, Any], record: CallRecord, region: str) -> None:
    """Fold `record` into a journal row: fields left None keep their value."""
    for name in _CALL_RECORD_FIELDS:
        value = getattr(record, name)
        if value is not None:
            row[name] = value
    if record.direction is not None:
        row["direction"] = Direction(record.direction).value
    if record.outcome is not None:
        row["outcome"] = CallOutcome(record.outcome).value
    if record.caller_number is not None:
        row["caller_number"] = normalize_or_raw(record.caller_number, region)
    if record.dialled_number is not None:
        row["dialled_number"] = normalize_or_raw(record.dialled_number, region)
    agents = list(row["agent_ids"] or ())
    for agent in [*(record.agent_ids or ()), *([record.agent_id] if record.agent_id else [])]:
        if agent not in agents:
            agents.append(agent)
    row["agent_ids"] = agents
    outbound = row["direction"] == Direction.OUTBOUND.value
    row["remote_number"] = row["dialled_number"] if outbound else row["caller_number"]


_CALL_ENTRY_FIELDS = tuple(f.name for f in fields(CallEntry))


def _call_entry(call: Call | Mapping[str, Any]) -> CallEntry:
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


def _call_payload(entry: CallEntry) -> dict[str, Any]:
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


__all__ = ["AUTO_CLOSE_ACTOR", "CrmService", "UowFactory"]
