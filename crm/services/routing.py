"""Routing hints the telephony asks of the CRM while a caller waits: who they should
reach first (P5, P1, S9) and how many cases each agent holds (S2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from crm.db.unit_of_work import UnitOfWork
from crm.domain.case_effects import FOLLOW_UP_CONTACT_KINDS
from crm.domain.cases import (
    ACTIVE_STATUSES,
    CaseSnapshot,
    CaseStatus,
    JoinCase,
    decide_join_or_open,
)
from crm.domain.journal import HANDLED_OUTCOMES
from crm.phone import try_normalize
from crm.services.context import CrmContext


class RoutingHints:
    def __init__(self, ctx: CrmContext) -> None:
        self._ctx = ctx

    async def preferred_agent_for_number(
        self, phone_number: str, *, last_agent_within: timedelta | None
    ) -> tuple[str | None, str | None]:
        """Who a caller should reach first, and why: the author of a follow-up within 3 h
        ("follow_up", P5), else the owner of the case the call would join ("owner", P1),
        else the agent of their last handled call within `last_agent_within`
        ("last_agent", S9; None skips it). Two statements at most."""
        settings = self._ctx.settings
        number = try_normalize(phone_number, settings.default_region)
        if number is None:
            return None, None
        now = self._ctx.clock.now()
        async with self._ctx.uow() as uow:
            facts = await uow.calls.caller_facts(
                number,
                follow_up_since=now - settings.follow_up_window,
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

    async def _case_owner(
        self, uow: UnitOfWork, number: str, customer_id: int | None
    ) -> str | None:
        """P1: the owner of the case a call from this number would join (Q2), if any."""
        latest = await uow.cases.latest_state_for(
            customer_id=customer_id, contact_number=None if customer_id else number
        )
        if latest is None:
            return None
        snapshot = CaseSnapshot(CaseStatus(latest.status), latest.last_activity_at)
        decision = decide_join_or_open(
            snapshot, self._ctx.clock.now(), self._ctx.settings.join_idle_after
        )
        return latest.owner_agent_id if isinstance(decision, JoinCase) else None

    async def open_case_counts(self, agent_ids: Iterable[str]) -> dict[str, int]:
        """S2: how many active cases each agent owns (agents with none are absent)."""
        async with self._ctx.uow() as uow:
            return await uow.cases.active_counts(agent_ids, [s.value for s in ACTIVE_STATUSES])
