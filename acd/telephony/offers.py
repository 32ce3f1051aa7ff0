"""Offers: the core's decisions performed, and an agent's phone rung and answered.

An offer rings the agent's phone with an Originate whose ChannelId is the leg's id, so
the leg's events are known on read; the Originate's reply (answered or why not) comes
back through the inbox as an `OfferResult`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import structlog

from acd import routing
from acd.ami import actions
from acd.ami import events as ami
from acd.ami.client import AmiError
from acd.telephony.calls import AgentLeg, LiveCall, Phase
from acd.telephony.destinations import DialNumber
from acd.telephony.events import (
    AgentStateEvent,
    CallConnected,
    CallOffered,
    CallOverflowedEvent,
)
from acd.telephony.journal import AgentStateRecord
from acd.telephony.writer import Handler, Writer, new_id
from crm.views import CallRecord

log = structlog.get_logger(__name__)

# Asterisk's Originate reason codes (OriginateResponse "Reason").
_REASON_BUSY = 5
_REASON_NO_ANSWER = 3
# Asterisk device states in which a phone can take a call.
_FREE_DEVICE_STATES = frozenset({"NOT_INUSE", "UNKNOWN"})


@dataclass(frozen=True)
class OfferResult:
    """The reply to an agent leg's Originate."""

    leg_id: str
    success: bool
    reason: int


class OfferFlow(Writer):
    # --- the core's decisions -------------------------------------------------------

    def _apply(self, decisions: list[routing.Decision]) -> None:
        # A waiting caller waits for an agent's phone to ring: the step's Originates are
        # written before its bookkeeping (state logs, bus, journal). A cancel goes in
        # turn with the offers: it names the leg the call had before a new offer.
        for decision in decisions:
            if isinstance(decision, routing.OfferCall):
                self._offer(decision)
            elif isinstance(decision, routing.CancelOffer):
                self._cancel_offer(decision)
        for decision in decisions:
            if isinstance(decision, routing.AgentStateChanged):
                self._agent_state_changed(decision)
            elif isinstance(decision, routing.CallOverflowed):
                self._call_overflowed(decision)
            elif isinstance(decision, routing.CallLeftQueue):
                call = self.calls.get(decision.call_id)
                if call is not None and decision.outcome == routing.CallOutcome.ANSWERED:
                    call.wait_s = (call.wait_s or 0) + decision.wait

    def _call_overflowed(self, decision: routing.CallOverflowed) -> None:
        call = self.calls.get(decision.call_id)
        if call is not None:
            call.queue = decision.to_queue
            call.overflowed = True
            call.ivr_path.append(f"overflow:{decision.to_queue}")
            self._journal_progress(call)
            if call.ids is not None and call.phase == Phase.WAITING:
                # A later process finds the caller in the queue they are in now.
                self._send_apart(
                    actions.setvar(ami.QUEUE_VARIABLE, decision.to_queue, call.ids.channel)
                )
        self._bus.publish(
            CallOverflowedEvent(
                decision.call_id, decision.from_queue, decision.to_queue, decision.reason
            )
        )

    def _agent_state_changed(self, decision: routing.AgentStateChanged) -> None:
        agent_id = decision.agent_id
        log.info(
            "agent_state",
            agent=agent_id,
            old=decision.old.value,
            new=decision.new.value,
            reason=decision.reason,
        )
        self._bus.publish(
            AgentStateEvent(agent_id, decision.old.value, decision.new.value, decision.reason)
        )
        if self._journal is None:
            return
        self._journal.record(
            AgentStateRecord(agent_id, decision.new.value, decision.reason, self._clock())
        )
        if decision.new == routing.AgentState.WRAP_UP:
            self._wrap_up_started[agent_id] = decision.at
        elif decision.old == routing.AgentState.WRAP_UP and agent_id in self._wrap_up_started:
            started = self._wrap_up_started.pop(agent_id)
            call_id = self._last_call.pop(agent_id, None)
            if call_id is not None:
                self._journal.record(CallRecord(call_id, wrapup_s=decision.at - started))

    # --- ringing an agent ---------------------------------------------------------------

    def _offer(self, decision: routing.OfferCall) -> None:
        call = self.calls.get(decision.call_id)
        if call is None:
            return
        leg = AgentLeg(leg_id=new_id(), agent_id=decision.agent_id, call_id=call.call_id)
        self._legs[leg.leg_id] = leg
        call.leg = leg
        call.offered_at = call.offered_at or self._clock()
        if call.phase == Phase.CALLBACK:
            assert call.callback_number is not None
            # The agent first, then the customer: Dial from the agent's answered leg.
            application, data = "Dial", self._outbound_dial(call.callback_number)
            caller_id = self._centre_caller_id()
        else:
            assert call.ids is not None
            application, data = "Bridge", call.ids.channel
            # The agent's phone shows who is calling: the number as Asterisk reported it,
            # reduced to what a caller id may hold.
            caller_id = _display_number(call.caller_number)
        # Asterisk gives up ringing one second after the core would have.
        self._originate(leg, application, data, caller_id, decision.ring_timeout + 1)
        self._bus.publish(CallOffered(call.call_id, decision.agent_id, decision.via.value))
        self._journal_progress(call)

    def _outbound_dial(self, number: DialNumber) -> str:
        # Only the number's digits enter the dial string (`&` or `,` would change it).
        ring = int(self._settings.customer_answer_timeout)
        return f"{self._settings.outbound_dial.format(number=number.digits)},{ring}"

    def _centre_caller_id(self) -> str | None:
        """What a customer sees when the centre calls (None: the trunk's own)."""
        return self._settings.outbound_caller_id or None

    def _originate(
        self,
        leg: AgentLeg,
        application: str,
        data: str,
        caller_id: str | None,
        ring_timeout: float,
    ) -> None:
        """Ring the agent's phone: the Originate is written at once, its reply awaited
        apart."""
        try:
            action = actions.originate(
                channel=self.agent_dial(leg.agent_id),
                application=application,
                data=data,
                timeout_ms=int(ring_timeout * 1000),
                caller_id=caller_id,
                channel_id=leg.leg_id,
                # Local channels take a second id; the two must not prefix each other.
                other_channel_id=leg.leg_id[::-1],
                # Whose phone this is, for a later process that finds the leg bridged.
                variable=(ami.AGENT_VARIABLE, leg.agent_id),
            )
            reply = self._send(action, timeout=ring_timeout + 5)
        except (AmiError, actions.UnsafeAction) as exc:
            self._originate_failed(leg, exc)
            return
        self._spawn(self._originate_result(leg, reply))

    async def _originate_result(self, leg: AgentLeg, reply: Awaitable[Any]) -> None:
        try:
            answered, reason = ami.originate_outcome(await reply)
        except AmiError as exc:
            self._originate_failed(leg, exc)
            return
        self.submit(OfferResult(leg.leg_id, answered, reason))

    def _originate_failed(self, leg: AgentLeg, error: Exception) -> None:
        log.warning("originate_failed", leg=leg.leg_id, agent=leg.agent_id, error=str(error))
        self.submit(OfferResult(leg.leg_id, False, 0))

    def _cancel_offer(self, decision: routing.CancelOffer) -> None:
        call = self.calls.get(decision.call_id)
        leg = call.leg if call is not None else None
        if leg is None or leg.agent_id != decision.agent_id:
            return
        leg.cancelled = True
        if leg.channel:
            self._spawn(self._hangup(leg.channel))

    async def _hangup(self, channel: str) -> None:
        try:
            await self._send(actions.hangup(channel))
        except AmiError as exc:
            log.info("hangup_failed", channel=channel, error=str(exc))

    # --- the leg's events ---------------------------------------------------------------

    async def on_channel_created(self, event: ami.ChannelCreated) -> None:
        leg = self._legs.get(event.ids.uniqueid)
        if leg is not None:
            leg.channel = event.ids.channel
            if leg.cancelled:
                self._spawn(self._hangup(leg.channel))

    async def on_offer_result(self, event: OfferResult) -> None:
        leg = self._legs.get(event.leg_id)
        if leg is None:
            return
        call = self.calls.get(leg.call_id)
        if call is not None and call.direction == "outbound":
            await self._outbound_answered(call, leg, event)
            return
        if event.success and leg.hung_up and call is not None and call.leg is leg:
            # The agent answered and the leg already ended before this reply came in.
            self._leg_answered(call, leg)
            await self._leg_gone(leg)
            return
        if call is None or call.leg is not leg or leg.cancelled:
            self._legs.pop(leg.leg_id, None)
            if event.success and leg.channel:  # answered too late: release the phone
                self._spawn(self._hangup(leg.channel))
            return
        if event.success:
            self._leg_answered(call, leg)
            return
        self._legs.pop(leg.leg_id, None)
        call.leg = None
        reason = {
            _REASON_BUSY: routing.OfferFailure.BUSY.value,
            _REASON_NO_ANSWER: routing.NO_ANSWER,
        }.get(event.reason, routing.OfferFailure.UNREACHABLE.value)
        self._handle(routing.OfferFailed(call.call_id, leg.agent_id, reason, at=self._now()))

    async def on_device_state_changed(self, event: ami.DeviceStateChanged) -> None:
        """A phone busy with a call the server did not place is not offered calls."""
        agent_id = self._agents_by_device.get(event.device)
        if agent_id is None:
            return
        busy = event.state not in _FREE_DEVICE_STATES
        view = self.router.agent(agent_id)
        if busy == view.device_busy:
            return
        log.debug("agent_device", agent=agent_id, state=event.state)
        # Our own offers and calls make the phone busy too; only the flag matters.
        event_type = routing.AgentDeviceBusy if busy else routing.AgentDeviceFree
        self._handle(event_type(agent_id, at=self._now()))

    def _leg_answered(self, call: LiveCall, leg: AgentLeg) -> None:
        leg.answered = True
        call.answered_at = self._clock()
        if call.agent_id != leg.agent_id:
            call.agent_ids.append(leg.agent_id)
        if call.phase == Phase.CALLBACK:
            call.callback_attempts += 1
        call.phase = Phase.CONNECTED
        self._handle(routing.OfferAnswered(call.call_id, leg.agent_id, at=self._now()))
        self._bus.publish(CallConnected(call.call_id, leg.agent_id, call.caller_number, call.queue))
        self._journal_progress(call)

    async def on_dial_ended(self, event: ami.DialEnded) -> None:
        leg = self._legs.get(event.uniqueid)
        if leg is not None:
            leg.dial_status = event.status

    async def _leg_gone(self, leg: AgentLeg) -> None:
        leg.hung_up = True
        call = self.calls.get(leg.call_id)
        if call is not None and call.leg is leg and not leg.answered and leg.dial_status is None:
            # Not known to be answered yet: Originate's reply, which may come after this
            # hang-up, tells whether the agent answered (it ends the call then) or why not.
            return
        self._legs.pop(leg.leg_id, None)
        if call is None:
            return
        if call.direction == "outbound":
            self._outbound_leg_gone(call, leg)
        elif call.callback_number is not None and call.leg is leg:
            self._callback_leg_gone(call, leg)

    # --- defined by the stages ----------------------------------------------------------

    async def _outbound_answered(self, call: LiveCall, leg: AgentLeg, event: OfferResult) -> None:
        """An outbound call's Originate replied (acd.telephony.outbound)."""
        raise NotImplementedError

    def _outbound_leg_gone(self, call: LiveCall, leg: AgentLeg) -> None:
        """An outbound call's agent leg ended (acd.telephony.outbound)."""
        raise NotImplementedError

    def _callback_leg_gone(self, call: LiveCall, leg: AgentLeg) -> None:
        """A callback's agent leg ended (acd.telephony.callback)."""
        raise NotImplementedError


def _display_number(number: str) -> str | None:
    """A caller's number as a caller id header may carry it (None when nothing is left)."""
    kept = "".join(c for c in number[:32] if c.isascii() and (c.isdigit() or c in "+*#"))
    return kept or None


HANDLERS: dict[type, Handler] = {
    ami.ChannelCreated: OfferFlow.on_channel_created,
    ami.DialEnded: OfferFlow.on_dial_ended,
    ami.DeviceStateChanged: OfferFlow.on_device_state_changed,
    OfferResult: OfferFlow.on_offer_result,
}
