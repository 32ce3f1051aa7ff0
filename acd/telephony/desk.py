"""A ticket on every call (D4): when an agent answers, the caller's case is opened
or joined and the agent's desktop gets its number and the queue's intake script."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog

from acd import routing
from acd.bus import EventBus
from acd.telephony.events import CallConnected, TicketOpened
from acd.telephony.ports import CaseDesk
from acd.telephony.service import TelephonyService
from crm.intake import IntakeScript

log = structlog.get_logger(__name__)

CASE_COUNT_RESYNC_S = 30.0


class TicketDesk:
    """Listens to the bus and opens a ticket for each answered call."""

    def __init__(
        self,
        bus: EventBus,
        crm: CaseDesk,
        telephony: TelephonyService,
        scripts: dict[str, IntakeScript],
    ) -> None:
        self._bus = bus
        self._crm = crm
        self._telephony = telephony
        self._scripts = scripts
        self._task: asyncio.Task[None] | None = None
        self.tickets: dict[str, str] = {}  # call id -> case number

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ticket-desk")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        with self._bus.subscribe((CallConnected,)) as events:
            await self._sync_all()
            while True:
                try:
                    async with asyncio.timeout(CASE_COUNT_RESYNC_S):
                        event = await events.get()
                except TimeoutError:
                    # Cases also change through the API and the scheduler.
                    await self._sync_all()
                    continue
                if isinstance(event, CallConnected) and event.call_id not in self.tickets:
                    try:
                        await self.open_ticket(event)
                    except Exception:
                        log.exception("ticket_failed", call_id=event.call_id)

    async def _sync_all(self) -> None:
        try:
            await self.sync_case_counts([a.agent_id for a in self._telephony.router.agents()])
        except Exception:
            log.exception("case_count_sync_failed")

    async def sync_case_counts(self, agent_ids: list[str]) -> None:
        """Tell the routing core how many open cases each agent owns (S2: shown on the
        wallboard, and keeping calls away from full agents when configured so)."""
        counts = await self._crm.open_case_counts(agent_ids)
        for agent_id in agent_ids:
            await self._telephony.command(_case_count(agent_id, counts.get(agent_id, 0)))

    async def open_ticket(self, event: CallConnected) -> TicketOpened:
        call = self._telephony.calls.get(event.call_id)
        result = await self._crm.open_or_join_case_for_call(
            call_id=event.call_id,
            caller_number=event.caller_number or None,
            agent_id=event.agent_id,
            queue=event.queue,
            ivr_path=" > ".join(call.ivr_path) if call is not None else None,
        )
        script = self._scripts.get(event.queue or "")
        ticket = TicketOpened(
            call_id=event.call_id,
            agent_id=event.agent_id,
            case_number=result.case.number,
            joined=result.joined,
            customer_id=result.customer.id if result.customer else None,
            customer_name=result.customer.display_name if result.customer else None,
            intake=script.model_dump(mode="json") if script is not None else None,
        )
        self.tickets[event.call_id] = ticket.case_number
        await self._telephony.command(_case_count(event.agent_id, result.agent_open_cases))
        log.info(
            "ticket_opened", call_id=event.call_id, case=ticket.case_number, joined=result.joined
        )
        self._bus.publish(ticket)
        return ticket


def _case_count(agent_id: str, count: int) -> Callable[[float], routing.Event]:
    def event(at: float) -> routing.Event:
        return routing.CaseCountChanged(agent_id, count, at=at)

    return event
