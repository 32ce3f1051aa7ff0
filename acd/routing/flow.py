"""Moves that change an agent and a call together: an agent leaving a state (and what
it held), the end of an agent's part in a call (wrap-up, D6), and the end of a call."""

from __future__ import annotations

from .admission import Admission
from .agents import Agent
from .decisions import CancelOffer, Decision
from .model import AgentState, CallOutcome, CallStatus
from .queues import Call
from .state import require
from .timers import TimerKind

S = AgentState


class Flow(Admission):
    def _move_agent(
        self, agent: Agent, new: AgentState, reason: str | None, out: list[Decision]
    ) -> None:
        """Move `agent` to `new` with every side effect of leaving its old state.

        Precondition: the transition was checked (or is part of the automatic flow).
        """
        old = agent.state
        ringing: Call | None = None
        if old is S.RINGING:
            ringing = require(agent.call)
            out.append(CancelOffer(ringing.call_id, agent.agent_id, f"agent_{new.value}"))
            self._release_offer(ringing)
        elif old is S.WRAP_UP:
            self._timers.cancel(agent.wrap_timer)
            agent.wrap_timer = None
        if agent.available_slot is not None:
            self._withdraw(agent)
        self._emit_state(agent, new, reason, out)
        if new is S.READY:
            agent.idle_since = self._now
        elif new is S.LOGGED_OUT:
            # Affinity falls back at once when the preferred agent logs out (S9, P1).
            for entry in agent.held.live_entries():
                held: Call = entry[-1].item
                self._unqueue(held)
                self._place(held, out)
        if ringing is not None:
            self._return_call(ringing, out)
        if new is S.READY:
            self._refresh(agent, out)

    def _finish_agent_call(self, call: Call, reason: str, out: list[Decision]) -> None:
        """The agent's part of a connected call is over: wrap-up (D6), or ready at once."""
        agent = require(call.agent)
        agent.call = None
        call.agent = None
        wrapup = call.queue.spec.wrapup_time
        if wrapup > 0:
            self._emit_state(agent, S.WRAP_UP, reason, out)
            agent.wrap_timer = self._timers.start(self._now + wrapup, TimerKind.WRAP_UP, agent)
        else:
            self._emit_state(agent, S.READY, reason, out)
            agent.idle_since = self._now
            self._refresh(agent, out)

    def _drop_call(self, call: Call, out: list[Decision]) -> None:
        """The call is over (caller hung up, or the talk ended)."""
        status = call.status
        if status is CallStatus.CONNECTED:
            del self._calls[call.call_id]
            self._finish_agent_call(call, "call_ended", out)
            return
        agent = call.agent
        if agent is not None:  # ringing
            out.append(CancelOffer(call.call_id, agent.agent_id, "abandoned"))
            self._release_offer(call)
        self._leave_queue(call, CallOutcome.ABANDONED, out)
        del self._calls[call.call_id]
        if agent is not None:
            # Back to ready, keeping its idle time: the caller left, not the agent.
            self._emit_state(agent, S.READY, "caller_abandoned", out)
            self._refresh(agent, out)
