"""Timers firing: ring-no-answer, the end of wrap-up (D6), a routing step's timeout,
the maximum wait (D9) and the end of waiting for a preferred agent (S9)."""

from __future__ import annotations

from .agents import Agent
from .decisions import CancelOffer, Decision
from .events import Tick
from .flow import Flow
from .model import NO_ANSWER, AgentState, CallStatus
from .queues import Call
from .state import require
from .timers import Timer, TimerKind

S = AgentState


class Timeouts(Flow):
    def _on_tick(self, ev: Tick, out: list[Decision]) -> None:
        timers = self._timers
        while (timer := timers.pop_due(ev.at)) is not None:
            # Each timer acts at its own deadline (accurate stats), never before a
            # time the core has already seen (monotonic timestamps).
            if timer.deadline > self._now:
                self._now = timer.deadline
            self._fire(timer, out)
        if ev.at > self._now:
            self._now = ev.at

    def _fire(self, timer: Timer, out: list[Decision]) -> None:
        kind = timer.kind
        if kind is TimerKind.WRAP_UP:
            agent: Agent = timer.target
            agent.wrap_timer = None
            self._move_agent(agent, S.READY, "wrap_up_timer", out)
            return
        call: Call = timer.target
        if kind is TimerKind.RING:
            call.ring_timer = None
            agent = require(call.agent)
            out.append(CancelOffer(call.call_id, agent.agent_id, NO_ANSWER))
            self._release_offer(call)
            self._emit_state(agent, S.PAUSED, NO_ANSWER, out)
            self._return_call(call, out)
        elif kind is TimerKind.STEP:
            call.step_timer = None
            self._next_step(call, out)
        elif kind is TimerKind.MAX_WAIT:
            call.max_wait_timer = None
            target = require(call.queue.spec.overflow_to)
            if call.status is CallStatus.RINGING:
                call.pending_overflow = (target, "max_wait")
            else:
                self._overflow(call, target, "max_wait", out)
        else:  # AFFINITY: stop waiting for the preferred agent
            call.hold_timer = None
            self._unqueue(call)
            self._place(call, out)
