"""Call events and call commands: queued, offer answered or failed, abandoned, ended,
transferred, and assigned by a supervisor."""

from __future__ import annotations

from .decisions import CancelOffer, Decision
from .errors import AgentNotReady, CallNotConnected, CallNotWaiting, DuplicateCall, InvalidCommand
from .events import (
    AssignCall,
    CallAbandoned,
    CallEnded,
    CallQueued,
    CallResumed,
    OfferAnswered,
    OfferFailed,
    TransferCall,
)
from .flow import Flow
from .model import AgentState, CallOutcome, CallStatus, OfferFailure, OfferVia
from .queues import Call

S = AgentState


class CallEvents(Flow):
    def _on_call_queued(self, ev: CallQueued, out: list[Decision]) -> None:
        if ev.call_id in self._calls:
            raise DuplicateCall(f"call {ev.call_id!r} is already known")
        q = self._queue(ev.queue)
        queued_at = self._now - max(0.0, ev.waited)
        self._call_seq += 1
        call = Call(
            ev.call_id,
            q,
            ev.priority,
            ev.preferred_agent,
            ev.preferred_reason,
            ev.caller,
            queued_at,
            self._call_seq,
        )
        self._calls[call.call_id] = call
        self._enter_queue(call, q, out, affinity=True, entered_at=queued_at)

    def _on_call_resumed(self, ev: CallResumed, out: list[Decision]) -> None:
        if ev.call_id in self._calls:
            raise DuplicateCall(f"call {ev.call_id!r} is already known")
        q = self._queue(ev.queue)
        agent = self._agent(ev.agent_id)
        if agent.call is not None:
            raise AgentNotReady(f"agent {agent.agent_id!r} already holds a call")
        self._call_seq += 1
        call = Call(ev.call_id, q, ev.priority, None, None, ev.caller, self._now, self._call_seq)
        self._calls[call.call_id] = call
        # Whatever state the agent was put back in, the phone says they are talking.
        self._move_agent(agent, S.ON_CALL, "resumed", out)
        agent.call = call
        call.agent = agent
        call.status = CallStatus.CONNECTED

    def _on_offer_answered(self, ev: OfferAnswered, out: list[Decision]) -> None:
        call, agent = self._offer_of(ev.call_id, ev.agent_id)
        self._timers.cancel(call.ring_timer)
        call.ring_timer = None
        call.pending_overflow = None
        self._leave_queue(call, CallOutcome.ANSWERED, out, agent.agent_id)
        call.status = CallStatus.CONNECTED
        agent.calls_today += 1
        self._emit_state(agent, S.ON_CALL, "answered", out)

    def _on_offer_failed(self, ev: OfferFailed, out: list[Decision]) -> None:
        call, agent = self._offer_of(ev.call_id, ev.agent_id)
        self._release_offer(call)
        if ev.reason == OfferFailure.BUSY:
            # Busy with a call we did not place: ready, but not offered until the
            # phone is reported free. Keeps its idle time (it did nothing wrong).
            agent.device_busy = True
            self._emit_state(agent, S.READY, OfferFailure.BUSY.value, out)
        else:
            self._emit_state(agent, S.PAUSED, ev.reason, out)
        self._return_call(call, out)

    def _on_call_abandoned(self, ev: CallAbandoned, out: list[Decision]) -> None:
        call = self._call(ev.call_id)
        self._drop_call(call, out)

    def _on_call_ended(self, ev: CallEnded, out: list[Decision]) -> None:
        call = self._call(ev.call_id)
        self._drop_call(call, out)

    def _on_transfer_call(self, ev: TransferCall, out: list[Decision]) -> None:
        call = self._call(ev.call_id)
        if call.status is not CallStatus.CONNECTED or call.agent is None:
            raise CallNotConnected(f"call {call.call_id!r} is not connected to an agent")
        if (ev.to_agent is None) == (ev.to_queue is None):
            raise InvalidCommand("transfer needs exactly one of to_agent and to_queue")
        from_agent = call.agent
        if ev.to_agent is not None:
            target = self._agent(ev.to_agent)
            if target is from_agent:
                raise InvalidCommand("cannot transfer a call to the agent who holds it")
            if target.state is not S.READY or target.device_busy:
                raise AgentNotReady(f"agent {target.agent_id!r} is {self._busy_word(target)}")
            self._finish_agent_call(call, "transferred", out)
            q = call.queue
            self._join(call, q)
            self._offer(call, target, OfferVia.TRANSFER, out)
        else:
            assert ev.to_queue is not None
            q = self._queue(ev.to_queue)
            self._finish_agent_call(call, "transferred", out)
            # A new wait in the new queue; the priority travels with the call.
            call.first_queued_at = self._now
            call.preferred_agent = None
            self._enter_queue(call, q, out, affinity=False)

    def _on_assign_call(self, ev: AssignCall, out: list[Decision]) -> None:
        call = self._call(ev.call_id)
        agent = self._agent(ev.agent_id)
        if call.status is CallStatus.CONNECTED:
            raise CallNotWaiting(f"call {call.call_id!r} is already connected")
        if call.status is CallStatus.RINGING and call.agent is agent:
            return
        if agent.state is not S.READY or agent.device_busy:
            raise AgentNotReady(f"agent {agent.agent_id!r} is {self._busy_word(agent)}")
        previous = call.agent
        if previous is not None:
            out.append(CancelOffer(call.call_id, previous.agent_id, "reassigned"))
            self._release_offer(call)
            self._emit_state(previous, S.READY, "offer_reassigned", out)
        else:
            self._unqueue(call)
        # Supervisor assignment ignores case capacity (S2).
        self._offer(call, agent, OfferVia.ASSIGNED, out)
        if previous is not None:
            self._refresh(previous, out)
