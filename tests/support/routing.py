"""Small helpers for the routing-core tests (no fixtures: plain functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from acd.routing import (
    AgentLoggedIn,
    AgentSpec,
    AgentState,
    AgentStateChanged,
    CancelOffer,
    Decision,
    OfferCall,
    QueueSpec,
    Router,
    SkillLevel,
)

P = SkillLevel.PRIMARY
S2 = SkillLevel.SECONDARY


def agent(agent_id: str, **skills: SkillLevel | int) -> AgentSpec:
    """An agent spec with skills given as keyword arguments."""
    return AgentSpec(agent_id, agent_id.title(), skills)


def router(
    queues: Sequence[QueueSpec] | QueueSpec,
    agents: Iterable[AgentSpec],
    **kw: object,
) -> Router:
    """A router; `queues` may be a single spec."""
    qs = [queues] if isinstance(queues, QueueSpec) else list(queues)
    return Router(qs, agents, **kw)  # type: ignore[arg-type]


def login(r: Router, *agent_ids: str, at: float = 0.0) -> list[Decision]:
    """Log agents in, in order, at `at`."""
    out: list[Decision] = []
    for a in agent_ids:
        out += r.handle(AgentLoggedIn(a, at=at))
    return out


def offers(decisions: Iterable[Decision]) -> list[tuple[str, str]]:
    """(call_id, agent_id) of every OfferCall."""
    return [(d.call_id, d.agent_id) for d in decisions if isinstance(d, OfferCall)]


def cancels(decisions: Iterable[Decision]) -> list[tuple[str, str, str]]:
    """(call_id, agent_id, reason) of every CancelOffer."""
    return [(d.call_id, d.agent_id, d.reason) for d in decisions if isinstance(d, CancelOffer)]


def transitions(decisions: Iterable[Decision]) -> list[tuple[str, AgentState, AgentState]]:
    """(agent_id, old, new) of every AgentStateChanged."""
    return [(d.agent_id, d.old, d.new) for d in decisions if isinstance(d, AgentStateChanged)]


def of_type(decisions: Iterable[Decision], kind: type) -> list[Decision]:
    """Decisions of one type."""
    return [d for d in decisions if isinstance(d, kind)]


def waiting_ids(r: Router, queue: str) -> list[str]:
    """Call ids of a queue's snapshot, in routing order."""
    return [c.call_id for c in r.queue_snapshot(queue).calls]


def skills(**kw: SkillLevel | int) -> Mapping[str, SkillLevel | int]:
    return kw
