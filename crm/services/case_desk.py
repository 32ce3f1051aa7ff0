"""The case desk: cases opened by hand, edited, and the work lists agents and supervisors
pick from (an agent's own case queue, the team pool of unassigned and escalated cases)."""

from __future__ import annotations

from crm.domain.cases import ACTIVE_STATUSES, PRIORITY_ORDER
from crm.errors import UnknownCustomer
from crm.phone import normalize_or_raw
from crm.services.case_actions import CaseActions, NewCase
from crm.services.cases import CaseService
from crm.services.context import CrmContext, require_open_case, touch
from crm.services.mappers import case_info
from crm.views import CaseChanges, CaseFilter, CaseInfo, HandOpenedCase, UnownedCase


class CaseDeskService:
    def __init__(self, ctx: CrmContext, actions: CaseActions, cases: CaseService) -> None:
        self._ctx = ctx
        self._actions = actions
        self._cases = cases

    async def open_case_by_hand(self, new: HandOpenedCase, *, actor: str) -> CaseInfo:
        """C1, S1: a case typed in by an agent or supervisor. The owner gets it when their
        case queue has room, or past capacity when `past_capacity` (S2); otherwise it waits
        unassigned in the pool. The note is the first entry of its timeline."""
        async with self._ctx.uow() as uow:
            customer = None
            if new.customer_id is not None:
                customer = await uow.customers.get(new.customer_id)
                if customer is None:
                    raise UnknownCustomer(
                        f"no customer {new.customer_id}", customer_id=new.customer_id
                    )
            number = normalize_or_raw(new.contact_number, self._ctx.settings.default_region)
            case_ = await self._actions.create(
                uow,
                NewCase(
                    customer=customer,
                    contact_number=number,
                    previous=None,
                    title=new.title,
                    subject=new.subject,
                    queue=new.queue,
                    ivr_path=None,
                    severity=new.severity,
                    visibility=new.visibility,
                    owner=new.owner_agent_id,
                ),
                actor=actor,
            )
            if new.past_capacity and case_.owner_agent_id is None and new.owner_agent_id:
                await self._actions.set_owner(uow, case_, new.owner_agent_id, actor=actor)
            if new.priority is not None and new.priority.value != case_.priority:
                now = self._ctx.clock.now()
                await self._actions.audit(
                    uow, case_, actor, "priority", case_.priority, new.priority.value, now
                )
                case_.priority = new.priority.value
                case_.priority_manual = True
            case_number = str(case_.number)
            await uow.commit()
        if new.note:
            await self._cases.add_follow_up(case_number, author=actor, body=new.note)
        return await self._cases.get_case(case_number)

    async def update_case(self, case_number: str, changes: CaseChanges, *, actor: str) -> CaseInfo:
        """The title, type (S4's escalation reads it), severity and visibility of an open
        case; every change is on its audit trail."""
        async with self._ctx.uow() as uow:
            case_ = await require_open_case(uow, case_number)
            now = self._ctx.clock.now()
            given = {
                "title": changes.title,
                "subject": changes.subject,
                "severity": None if changes.severity is None else changes.severity.value,
                "visibility": None if changes.visibility is None else changes.visibility.value,
            }
            for name, value in given.items():
                old = getattr(case_, name)
                if value is None or value == old:
                    continue
                # An empty type clears it.
                stored = value or None if name == "subject" else value
                await self._actions.audit(uow, case_, actor, name, old, stored, now)
                setattr(case_, name, stored)
            touch(case_, now)
            info = case_info(case_)
            await uow.commit()
        return info

    async def unowned_cases(self, queue: str, limit: int = 50) -> list[UnownedCase]:
        """Q3: the queue's first-line cases nobody owns, most urgent first, each with the
        agent who last handled its contact."""
        async with self._ctx.uow() as uow:
            found = await uow.cases.listing(
                statuses=[s.value for s in sorted(ACTIVE_STATUSES)],
                priority_order=[p.value for p in PRIORITY_ORDER],
                owner=None,
                unassigned=True,
                queues=[queue],
                level=0,
                subject=None,
                limit=limit,
            )
            return [
                UnownedCase(
                    number=str(c.number),
                    queue=c.queue,
                    last_handler=await uow.calls.last_handler(c.customer_id, c.contact_number),
                )
                for c in found
            ]

    async def list_cases(self, wanted: CaseFilter) -> list[CaseInfo]:
        """A work list, the most urgent case first, then the one waiting longest."""
        async with self._ctx.uow() as uow:
            found = await uow.cases.listing(
                statuses=[s.value for s in wanted.statuses],
                priority_order=[p.value for p in PRIORITY_ORDER],
                owner=wanted.owner_agent_id,
                unassigned=wanted.unassigned,
                queues=wanted.queues,
                level=wanted.escalation_level,
                subject=wanted.subject,
                limit=wanted.limit,
            )
            return [case_info(c) for c in found]
