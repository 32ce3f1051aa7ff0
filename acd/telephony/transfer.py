"""Blind transfers (P1): the caller leaves the current agent and waits for the target.

The Redirect that pulls the caller out of the bridge goes first; only once Asterisk has
done it is the routing core told. A Redirect that fails is the API caller's error and
changes nothing: the caller stays with their agent.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import structlog

from acd import routing
from acd.ami import actions
from acd.ami.client import AmiError
from acd.telephony.calls import LiveCall, Phase
from acd.telephony.offers import OfferFlow
from acd.telephony.writer import TelephonyError

log = structlog.get_logger(__name__)


class TransferFlow(OfferFlow):
    async def transfer(self, call_id: str, *, to_agent: str | None, to_queue: str | None) -> None:
        """Transfer a connected call to one agent or one queue. Called from outside the
        writer: the checks and the Redirect run in it, Asterisk's reply is awaited
        outside it. Raises a routing or telephony error when refused, an AmiError when
        the Redirect fails."""

        async def start() -> Awaitable[Any]:
            return self._start_transfer(call_id, to_agent, to_queue)

        async def failed() -> None:
            call = self.calls.get(call_id)
            if call is not None:
                call.transfer_pending = False

        async def done() -> None:
            self._complete_transfer(call_id, to_agent, to_queue)

        reply = await self.execute(start)
        try:
            await reply
        except AmiError as exc:
            log.warning("transfer_redirect_failed", call_id=call_id, error=str(exc))
            await self.execute(failed)
            raise
        await self.execute(done)

    def _start_transfer(
        self, call_id: str, to_agent: str | None, to_queue: str | None
    ) -> Awaitable[Any]:
        """Check, then write the Redirect; returns its reply to await."""
        call = self.calls.get(call_id)
        if call is None or call.phase != Phase.CONNECTED or call.ids is None:
            raise TelephonyError("call_not_connected", f"call {call_id} is not connected")
        if call.transfer_pending:
            raise TelephonyError("transfer_pending", f"call {call_id} is being transferred")
        self._check_transfer(call_id, to_agent, to_queue)
        # Into [acd-hold]: the agent's leg ends with the bridge.
        reply = self._send(actions.redirect(call.ids.channel, "acd-hold"))
        call.transfer_pending = True
        return reply

    def _check_transfer(self, call_id: str, to_agent: str | None, to_queue: str | None) -> None:
        """What the core would refuse, asked before the Redirect leaves: once the caller
        is out of the bridge there is no taking it back. Raises the core's errors."""
        view = self.router.call(call_id)
        if view.status is not routing.CallStatus.CONNECTED or view.agent_id is None:
            raise routing.CallNotConnected(f"call {call_id!r} is not connected to an agent")
        if (to_agent is None) == (to_queue is None):
            raise routing.InvalidCommand("transfer needs exactly one of to_agent and to_queue")
        if to_queue is not None:
            self.router.queue_spec(to_queue)
            return
        assert to_agent is not None
        target = self.router.agent(to_agent)
        if target.agent_id == view.agent_id:
            raise routing.InvalidCommand("cannot transfer a call to the agent who holds it")
        if target.state is not routing.AgentState.READY:
            raise routing.AgentNotReady(f"agent {to_agent!r} is not ready ({target.state.value})")
        if target.device_busy:
            raise routing.AgentNotReady(f"agent {to_agent!r} is ready but its phone is busy")

    def _complete_transfer(self, call_id: str, to_agent: str | None, to_queue: str | None) -> None:
        """The caller is out of the bridge: hand the call to the core."""
        call = self.calls.get(call_id)
        if call is None or call.phase != Phase.CONNECTED:
            return  # the caller hung up meanwhile: that ended the call
        call.transfer_pending = False
        event = routing.TransferCall(call_id, to_agent=to_agent, to_queue=to_queue, at=self._now())
        try:
            decisions = self.router.handle(event)
        except routing.RoutingError:
            # The target changed while the Redirect was on its way (the agent paused):
            # the caller, already on hold, waits in their queue instead.
            back = routing.TransferCall(
                call_id, to_agent=None, to_queue=self.router.call(call_id).queue, at=event.at
            )
            self._hand_over(call, self.router.handle(back), None, "transfer:failed")
            raise
        self._hand_over(call, decisions, to_queue, f"transfer:{to_agent or to_queue}")

    def _hand_over(
        self,
        call: LiveCall,
        decisions: list[routing.Decision],
        to_queue: str | None,
        step: str,
    ) -> None:
        old_leg = call.leg
        call.leg = None
        if old_leg is not None:
            self._legs.pop(old_leg.leg_id, None)
            self._last_call[old_leg.agent_id] = call.call_id
        call.phase = Phase.HELD
        if to_queue is not None:
            call.queue = to_queue
        call.ivr_path.append(step)
        self._apply(decisions)
