"""Outbound calls (S6): the agent's phone rings first, then the number is dialled
from it."""

from __future__ import annotations

from acd import routing
from acd.telephony.calls import AgentLeg, LiveCall
from acd.telephony.destinations import DialNumber
from acd.telephony.offers import OfferFlow, OfferResult
from acd.telephony.writer import TelephonyError, new_id


class OutboundFlow(OfferFlow):
    async def place_outbound_call(self, agent_id: str, number: DialNumber) -> str:
        """Ring the agent's phone, then dial `number` from it; returns the call id.
        Runs inside the writer (`execute`)."""
        view = self.router.agent(agent_id)
        if view.state != routing.AgentState.MANUAL_CALL:
            raise TelephonyError(
                "agent_not_in_manual_call",
                f"agent {agent_id} is {view.state.value}: switch to manual call first",
            )
        if any(c.direction == "outbound" and c.agent_id == agent_id for c in self.calls.values()):
            raise TelephonyError("agent_busy", f"agent {agent_id} is already on an outbound call")
        leg = AgentLeg(leg_id=new_id(), agent_id=agent_id, call_id="")
        leg.call_id = leg.leg_id
        call = LiveCall(
            call_id=leg.leg_id,
            direction="outbound",
            started_at=self._clock(),
            dialled_number=number.e164,
            caller_number=self._settings.outbound_caller_id,
            agent_ids=[agent_id],
            leg=leg,
        )
        self.calls[call.call_id] = call
        self._legs[leg.leg_id] = leg
        self._originate(
            leg,
            "Dial",
            self._outbound_dial(number),
            self._centre_caller_id(),
            self._settings.agent_answer_timeout,
        )
        self._journal_progress(call)
        return call.call_id

    async def _outbound_answered(self, call: LiveCall, leg: AgentLeg, event: OfferResult) -> None:
        if event.success:
            leg.answered = True
            call.offered_at = call.offered_at or self._clock()
            self._journal_progress(call)
            if leg.hung_up:  # the dial failed at once: the leg ended before this reply
                await self._leg_gone(leg)
            return
        call.outcome = "outbound_failed"
        self._legs.pop(leg.leg_id, None)
        self._finish(call)

    def _outbound_leg_gone(self, call: LiveCall, leg: AgentLeg) -> None:
        status = leg.dial_status or ""
        call.outcome = {"ANSWER": "outbound_answered", "BUSY": "outbound_busy"}.get(
            status, "outbound_failed"
        )
        self._finish(call)
