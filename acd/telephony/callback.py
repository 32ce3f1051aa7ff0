"""The queued callback (D2, S7): a waiting caller offered "press 1 to be called back"
keeps their place; when their turn comes the agent's phone rings first, then the
customer is dialled from it."""

from __future__ import annotations

from dataclasses import dataclass

from acd import routing
from acd.ami import actions
from acd.telephony.calls import AgentLeg, LiveCall, Phase
from acd.telephony.destinations import DialNumber
from acd.telephony.events import CallbackDeclined, CallbackRequested
from acd.telephony.ivr import IvrChannel, choose_callback_number
from acd.telephony.offers import OfferFlow
from acd.telephony.writer import Handler


@dataclass(frozen=True)
class CallbackDue:
    """The caller has waited long enough to be offered a callback."""

    call_id: str


@dataclass(frozen=True)
class CallbackChosen:
    call_id: str
    number: DialNumber


class CallbackFlow(OfferFlow):
    async def on_callback_due(self, event: CallbackDue) -> None:
        """Offer "press 1 to be called back" to a caller still waiting."""
        call = self.calls.get(event.call_id)
        if call is None or call.phase != Phase.WAITING or call.leg is not None or call.ids is None:
            return
        call.phase = Phase.HELD
        self._send_apart(actions.redirect(call.ids.channel, "acd-callback"))

    async def handle_callback_offer(self, channel: IvrChannel, headers: dict[str, str]) -> None:
        """The FastAGI `callback` script: the caller accepts and confirms a number."""
        uniqueid = headers.get("agi_uniqueid", "")
        call = self.calls.get(uniqueid)
        caller = call.caller_number if call is not None else headers.get("agi_callerid", "")
        number = await choose_callback_number(
            channel, self._centre.ivr, caller, self.destinations.check
        )
        if number is None:
            self.submit(CallbackDeclined(uniqueid))
            return
        self.submit(CallbackChosen(uniqueid, number))
        await channel.set_variable("ACD_CALLBACK", "yes")

    async def on_callback_declined(self, event: CallbackDeclined) -> None:
        call = self.calls.get(event.call_id)
        if call is not None and call.phase == Phase.HELD:
            call.ivr_path.append("callback:declined")
            self._bus.publish(event)

    async def on_callback_chosen(self, event: CallbackChosen) -> None:
        self.request_callback(event.call_id, event.number)

    def request_callback(self, call_id: str, number: DialNumber) -> None:
        """The waiting caller chose to be called back at `number`: they keep their place."""
        call = self.calls.get(call_id)
        if call is None or call.phase not in (Phase.WAITING, Phase.HELD):
            return
        call.phase = Phase.CALLBACK
        call.callback_number = number
        call.ivr_path.append("callback")
        self._journal_progress(call)
        self._bus.publish(CallbackRequested(call_id, number.e164))

    def _callback_leg_gone(self, call: LiveCall, leg: AgentLeg) -> None:
        if not leg.answered:
            # The agent answered and the customer's line ended before Originate's
            # reply came in (a busy number answers at once).
            self._leg_answered(call, leg)
        # A callback is over when the agent's leg ends (the customer was dialled from it).
        answered = leg.dial_status == "ANSWER"
        self._handle(routing.CallEnded(call.call_id, at=self._now()))
        if answered or call.callback_attempts >= self._settings.callback_attempts:
            call.outcome = "callback" if answered else "no_answer"
            self._finish(call)
        else:
            call.phase = Phase.CALLBACK
            call.leg = None
            self._requeue_callback(call)

    def _requeue_callback(self, call: LiveCall) -> None:
        assert call.queue is not None
        self._handle(
            routing.CallQueued(call.call_id, call.queue, priority=call.priority, at=self._now())
        )


HANDLERS: dict[type, Handler] = {
    CallbackDue: CallbackFlow.on_callback_due,
    CallbackChosen: CallbackFlow.on_callback_chosen,
    CallbackDeclined: CallbackFlow.on_callback_declined,
}
