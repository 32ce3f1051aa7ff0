"""Inbound calls: arrival, the IVR, the wait in a queue, and the caller's hang-up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import structlog

from acd import routing
from acd.ami import actions
from acd.ami import events as ami
from acd.telephony.callback import CallbackDue
from acd.telephony.calls import LiveCall, Phase
from acd.telephony.events import CallArrived, CallQueuedEvent
from acd.telephony.ivr import IvrChannel, IvrOutcome, run_ivr
from acd.telephony.offers import OfferFlow
from acd.telephony.writer import Handler

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class IvrFinished:
    uniqueid: str
    outcome: IvrOutcome
    preferred_agent: str | None
    preferred_reason: str | None


class InboundFlow(OfferFlow):
    async def on_inbound_call_arrived(self, event: ami.InboundCallArrived) -> None:
        call = LiveCall(
            call_id=event.ids.uniqueid,
            direction="inbound",
            started_at=self._clock(),
            ids=event.ids,
            caller_number=event.caller_number,
            dialled_number=event.did,
        )
        self.calls[call.call_id] = call
        self._journal_progress(call)
        log.info("call_arrived", did=event.did, caller=event.caller_number, call_id=call.call_id)
        self._bus.publish(
            CallArrived(
                uniqueid=event.ids.uniqueid,
                linkedid=event.ids.linkedid,
                channel=event.ids.channel,
                did=event.did,
                caller_number=event.caller_number,
            )
        )

    async def wait_known_call(self, uniqueid: str, timeout: float) -> bool:
        """Whether `uniqueid` is a call this server knows, waiting up to `timeout` s for it:
        a call's FastAGI session can open just before its AcdInbound event is handled."""
        with self._bus.subscribe((CallArrived,)) as arrivals:
            if uniqueid in self.calls:
                return True
            try:
                async with asyncio.timeout(timeout):
                    while (await arrivals.get()).uniqueid != uniqueid:
                        pass
            except TimeoutError:
                pass
            return uniqueid in self.calls

    async def handle_ivr(self, channel: IvrChannel, headers: dict[str, str]) -> None:
        """The FastAGI `ivr` script: runs outside the single writer, reports through it."""
        uniqueid = headers.get("agi_uniqueid", "")
        caller = headers.get("agi_callerid", "")
        did = headers.get("agi_extension", "")
        outcome = await run_ivr(self._centre, did, channel, self._clock())
        preferred: tuple[str | None, str | None] = (None, None)
        if outcome.kind == "queue" and self._affinity is not None and caller:
            try:
                preferred = await self._affinity(caller)
            except Exception:
                log.exception("affinity_lookup_failed", caller=caller)
        self.submit(IvrFinished(uniqueid, outcome, *preferred))
        if outcome.kind == "queue" and outcome.queue is not None:
            await channel.set_variable("ACD_QUEUE", outcome.queue)

    async def on_ivr_finished(self, event: IvrFinished) -> None:
        call = self.calls.get(event.uniqueid)
        if call is None:
            return
        call.ivr_path = list(event.outcome.path)
        if event.outcome.kind == "queue":
            call.queue = event.outcome.queue
            call.priority = event.outcome.priority
            call.preferred_agent = event.preferred_agent
            call.preferred_reason = event.preferred_reason
        elif event.outcome.kind == "closed":
            call.outcome = "closed_hours"

    async def on_caller_waiting(self, event: ami.CallerWaiting) -> None:
        if self._listing:
            # Asterisk's channel list, on its way, may hold this caller: after it.
            self._deferred.append(event)
            return
        call = self.calls.get(event.ids.uniqueid)
        if call is None:  # parked before this server knew it (restart): adopt it
            call = LiveCall(
                call_id=event.ids.uniqueid,
                direction="inbound",
                started_at=self._clock(),
                ids=event.ids,
                queue=event.queue,
                adopted=True,
            )
            self.calls[call.call_id] = call
        if call.phase != Phase.IVR:
            return
        call.ids = event.ids
        call.queue = call.queue or event.queue
        self._queue_call(call, self._clock(), remember=True)

    def _queue_call(self, call: LiveCall, enqueued_at: datetime, *, remember: bool) -> None:
        """Hand a parked caller to the core, as queued at `enqueued_at`; `remember` sets on
        the channel what a later process needs to take the caller up again."""
        if call.queue not in self._centre.queues:
            log.warning("unknown_queue", queue=call.queue, call_id=call.call_id)
            return
        call.phase = Phase.WAITING
        call.enqueued_at = enqueued_at
        waited = max(0.0, (self._clock() - enqueued_at).total_seconds())
        preferred = self._preferred_agent(call)
        self._handle(
            routing.CallQueued(
                call.call_id,
                call.queue,
                priority=call.priority,
                preferred_agent=preferred,
                preferred_reason=call.preferred_reason if preferred else None,
                caller=call.caller_number or None,
                waited=waited,
                at=self._now(),
            )
        )
        self._bus.publish(CallQueuedEvent(call.call_id, call.queue, call.priority, preferred))
        self._journal_progress(call)
        if remember:  # after the core's offer: the agent's phone rings first
            self._remember_on_channel(call)
        callback_after = self._centre.queues[call.queue].callback_after
        if callback_after is not None:
            asyncio.get_running_loop().call_later(
                max(0.0, callback_after - waited), self.submit, CallbackDue(call.call_id)
            )

    def _remember_on_channel(self, call: LiveCall) -> None:
        """The caller's queue is on the channel already (the IVR set ACD_QUEUE); set when
        they were queued, and their priority and preferred agent when they have one."""
        assert call.ids is not None and call.enqueued_at is not None
        values = {ami.QUEUED_AT_VARIABLE: f"{call.enqueued_at.timestamp():.3f}"}
        if call.priority:
            values[ami.PRIORITY_VARIABLE] = str(call.priority)
        if call.preferred_agent and call.preferred_reason:
            values[ami.PREFERRED_AGENT_VARIABLE] = call.preferred_agent
            values[ami.PREFERRED_REASON_VARIABLE] = call.preferred_reason
        for name, value in values.items():
            try:
                self._send_apart(actions.setvar(name, value, call.ids.channel))
            except actions.UnsafeAction as exc:
                log.warning("channel_variable_refused", variable=name, error=str(exc))

    def _preferred_agent(self, call: LiveCall) -> str | None:
        agent_id = call.preferred_agent
        if agent_id is None or agent_id not in self._centre.agents:
            return None
        # S9 prefers the caller's last agent only when that agent is available; the
        # follow-up author (P5) and the case owner (P1) are waited for a while.
        if call.preferred_reason == "last_agent" and not self.router.agent(agent_id).available:
            return None
        return agent_id

    async def on_channel_hung_up(self, event: ami.ChannelHungUp) -> None:
        if self._deferred:  # a caller held back during a channel list left meanwhile
            uniqueid = event.ids.uniqueid
            self._deferred = [e for e in self._deferred if e.ids.uniqueid != uniqueid]
        leg = self._legs.get(event.ids.uniqueid)
        if leg is not None:
            await self._leg_gone(leg)
            return
        call = self.calls.get(event.ids.uniqueid)
        # Once a callback is chosen the caller's own line no longer matters: its hang-up
        # may even arrive after the agent's leg has answered.
        if call is None or call.phase == Phase.ENDED or call.callback_number is not None:
            return
        now = self._now()
        if call.phase == Phase.CONNECTED:
            call.outcome = "answered"
            if call.agent_id is not None:
                self._last_call[call.agent_id] = call.call_id
            self._handle(routing.CallEnded(call.call_id, at=now))
        elif call.phase in (Phase.WAITING, Phase.HELD):
            call.outcome = "abandoned"
            if call.enqueued_at is not None:
                call.wait_s = (self._clock() - call.enqueued_at).total_seconds()
            self._handle(routing.CallAbandoned(call.call_id, at=now))
        else:  # hung up in the IVR
            call.outcome = call.outcome or "abandoned"
        if call.overflowed and call.outcome == "abandoned":
            call.outcome = "overflowed"
        self._finish(call)


HANDLERS: dict[type, Handler] = {
    ami.InboundCallArrived: InboundFlow.on_inbound_call_arrived,
    ami.CallerWaiting: InboundFlow.on_caller_waiting,
    ami.ChannelHungUp: InboundFlow.on_channel_hung_up,
    IvrFinished: InboundFlow.on_ivr_finished,
}
