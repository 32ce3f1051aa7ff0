"""The Router's live state, built from a checked plan, and its lookups.

The Router is written in layers, one module each, every layer calling only itself and
the layers below it: `state` → `offers` → `admission` → `flow` → the event handlers
(`agent_commands`, `call_events`, `timeouts`) → `engine.Router`.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from typing import TypeVar

from .agents import Agent, Membership
from .decisions import AgentStateChanged, Decision
from .errors import InvalidPlan, NoSuchOffer, PlanError, UnknownAgent, UnknownCall, UnknownQueue
from .model import (
    AgentSpec,
    AgentState,
    CallStatus,
    QueueSpec,
    skill_level,
    skill_proficiency,
)
from .policy import validate_agents, validate_plan
from .queues import Call, QueueRuntime
from .timers import Timers

S = AgentState


class RouterState:
    """Agents, queues, live calls, timers and the core's clock; no routing rule."""

    def __init__(
        self,
        queues: Iterable[QueueSpec],
        agents: Iterable[AgentSpec],
        *,
        case_capacity: int | None = 4,
        rng_seed: int = 0,
    ) -> None:
        queue_specs = list(queues)
        agent_specs = list(agents)
        errors = validate_plan(queue_specs) + validate_agents(agent_specs)
        if case_capacity is not None and case_capacity < 0:
            errors.append(PlanError("bad_number", "must be >= 0", None, "case_capacity"))
        if errors:
            raise InvalidPlan(errors)
        self._rng = random.Random(rng_seed)
        self._queues: dict[str, QueueRuntime] = {q.name: QueueRuntime(q) for q in queue_specs}
        by_skill: dict[str, list[QueueRuntime]] = defaultdict(list)
        for q in self._queues.values():
            by_skill[q.spec.skill].append(q)
        self._agents: dict[str, Agent] = {}
        for order, spec in enumerate(agent_specs):
            capacity = case_capacity if spec.case_capacity is None else spec.case_capacity
            agent = Agent(spec, order, capacity)
            agent.memberships = tuple(
                Membership(q, skill_level(value), skill_proficiency(value))
                for skill, value in spec.skills.items()
                for q in by_skill.get(skill, ())
            )
            self._agents[spec.agent_id] = agent
        self._calls: dict[str, Call] = {}
        self._timers = Timers()
        self._now = -math.inf
        self._seq = 0  # tie-breaker of agent heap entries
        self._call_seq = 0  # arrival order of calls (FIFO)
        self._offer_seq = 0  # round robin

    def _emit_state(
        self, agent: Agent, new: AgentState, reason: str | None, out: list[Decision]
    ) -> None:
        old = agent.state
        agent.state = new
        agent.reason = reason
        agent.since = self._now
        out.append(AgentStateChanged(agent.agent_id, old, new, reason, self._now))

    # ------------------------------------------------------------------ lookups

    def _agent(self, agent_id: str) -> Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise UnknownAgent(f"no agent {agent_id!r}")
        return agent

    def _call(self, call_id: str) -> Call:
        call = self._calls.get(call_id)
        if call is None:
            raise UnknownCall(f"no live call {call_id!r}")
        return call

    def _queue(self, name: str) -> QueueRuntime:
        q = self._queues.get(name)
        if q is None:
            raise UnknownQueue(f"no queue {name!r}")
        return q

    def _offer_of(self, call_id: str, agent_id: str) -> tuple[Call, Agent]:
        call = self._call(call_id)
        agent = self._agent(agent_id)
        if call.status is not CallStatus.RINGING or call.agent is not agent:
            raise NoSuchOffer(f"call {call_id!r} is not ringing at agent {agent_id!r}")
        return call, agent

    @staticmethod
    def _busy_word(agent: Agent) -> str:
        if agent.state is S.READY and agent.device_busy:
            return "ready but its phone is busy"
        return f"not ready ({agent.state.value})"


_T = TypeVar("_T")


def require(value: _T | None) -> _T:
    # Internal invariant, not a user error: a failure here is a bug in the core.
    assert value is not None
    return value
