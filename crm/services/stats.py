"""Statistics and supervision reads: calls per queue or agent, agents' time in each
state, and what could not go out or be written (failed deliveries, journal rows set
aside)."""

from __future__ import annotations

from datetime import datetime

from crm.domain.agent_stats import time_in_states
from crm.domain.journal import CallOutcome, service_level
from crm.errors import InvalidValue
from crm.services.context import CrmContext
from crm.services.mappers import dead_letter_entry
from crm.views import CallStats, DeadLetterEntry, FailedDelivery


class StatsService:
    def __init__(self, ctx: CrmContext) -> None:
        self._ctx = ctx

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
        async with self._ctx.uow() as uow:
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

    async def agent_time_in_states(
        self, agent_id: str, start: datetime, end: datetime
    ) -> dict[str, float]:
        """Seconds the agent spent in each state over [start, end)."""
        async with self._ctx.uow() as uow:
            before = await uow.agent_states.last_before(agent_id, start)
            changes = await uow.agent_states.between(agent_id, start, end)
        return time_in_states(
            [(c.state, c.at) for c in changes], start, end, before.state if before else None
        )

    async def journal_dead_letters(self, limit: int = 50) -> list[DeadLetterEntry]:
        """The journal rows set aside, newest first."""
        async with self._ctx.uow() as uow:
            letters = await uow.dead_letters.newest(limit)
        return [dead_letter_entry(letter) for letter in letters]

    async def failed_delivery_counts(self) -> dict[str, int]:
        """How many mails and webhook calls gave up."""
        async with self._ctx.uow() as uow:
            return {
                "mail": await uow.outbox.count_failed(),
                "webhook": await uow.webhooks.count_failed(),
            }

    async def failed_deliveries(self, limit: int = 50) -> list[FailedDelivery]:
        """Mails and webhook calls that gave up, newest first (`limit` of each)."""
        async with self._ctx.uow() as uow:
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
