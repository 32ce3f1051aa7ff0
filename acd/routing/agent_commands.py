"""Agent commands and device reports: log in and out, ready, pause, manual calls,
wrap-up, supervisor overrides, and what decides whether an agent may be offered calls
(phone busy, open cases). Each checks the transition (D6, D8, S6) before acting."""

from __future__ import annotations

from .agents import check_transition
from .decisions import Decision
from .errors import IllegalTransition, InvalidCommand
from .events import (
    AgentDeviceBusy,
    AgentDeviceFree,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    CaseCountChanged,
    EndWrapUp,
    EnterManualCall,
    ForceAgentState,
    LeaveManualCall,
    MakeAgentReady,
    ResetDailyCounters,
)
from .flow import Flow
from .model import AgentState, Strategy

S = AgentState


class AgentCommands(Flow):
    def _on_agent_logged_in(self, ev: AgentLoggedIn, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is not S.LOGGED_OUT:
            raise IllegalTransition(f"agent {agent.agent_id!r} is already logged in")
        self._move_agent(agent, S.READY, "login", out)

    def _on_agent_logged_out(self, ev: AgentLoggedOut, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is S.LOGGED_OUT:
            return
        check_transition(agent.agent_id, agent.state, S.LOGGED_OUT)
        self._move_agent(agent, S.LOGGED_OUT, "logout", out)

    def _on_make_agent_ready(self, ev: MakeAgentReady, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is S.READY:
            return
        if agent.state is S.LOGGED_OUT:
            raise IllegalTransition(f"agent {agent.agent_id!r} is logged out: log in first")
        check_transition(agent.agent_id, agent.state, S.READY)
        self._move_agent(agent, S.READY, "agent", out)

    def _on_agent_paused(self, ev: AgentPaused, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is S.PAUSED and agent.reason == ev.reason:
            return
        check_transition(agent.agent_id, agent.state, S.PAUSED)
        self._move_agent(agent, S.PAUSED, ev.reason, out)

    def _on_enter_manual_call(self, ev: EnterManualCall, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is S.MANUAL_CALL:
            return
        check_transition(agent.agent_id, agent.state, S.MANUAL_CALL)
        self._move_agent(agent, S.MANUAL_CALL, "manual_call", out)

    def _on_leave_manual_call(self, ev: LeaveManualCall, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is not S.MANUAL_CALL:
            raise IllegalTransition(f"agent {agent.agent_id!r} is not in manual-call mode")
        self._move_agent(agent, S.READY, "manual_call_ended", out)

    def _on_end_wrap_up(self, ev: EndWrapUp, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is not S.WRAP_UP:
            raise IllegalTransition(f"agent {agent.agent_id!r} is not in wrap-up")
        self._move_agent(agent, S.READY, "wrap_up_ended", out)

    def _on_agent_device_busy(self, ev: AgentDeviceBusy, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        agent.device_busy = True
        self._refresh(agent, out)

    def _on_agent_device_free(self, ev: AgentDeviceFree, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        agent.device_busy = False
        self._refresh(agent, out)

    def _on_case_count_changed(self, ev: CaseCountChanged, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if ev.open_cases < 0:
            raise InvalidCommand(f"open_cases must be >= 0, got {ev.open_cases}")
        agent.open_cases = ev.open_cases
        self._refresh(agent, out)

    def _on_force_agent_state(self, ev: ForceAgentState, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        state = AgentState(ev.state)
        if state is agent.state and (state is not S.PAUSED or agent.reason == ev.reason):
            return
        check_transition(agent.agent_id, agent.state, state, forced=True)
        self._move_agent(agent, state, ev.reason, out)

    def _on_reset_daily_counters(self, ev: ResetDailyCounters, out: list[Decision]) -> None:
        for agent in self._agents.values():
            agent.calls_today = 0
        # Only the fewest-calls key depends on the counter: rebuild those heaps, O(n).
        for q in self._queues.values():
            if q.spec.strategy is Strategy.FEWEST_CALLS:
                for heap in q.agent_heaps.values():
                    heap.entries = [
                        (0, e[-1].item.idle_since, e[2], e[3]) for e in heap.entries if e[-1].live
                    ]
                    heap.compact()
