"""D5, S4, S2: escalation raises the level and picks the new owner by the case's type, its
status and agents' availability; full case queues get no automatic assignment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crm.domain.cases import CaseStatus
from crm.errors import CaseClosed, EscalationNotPossible

MAX_ESCALATION_LEVEL = 2


@dataclass(frozen=True)
class AgentCandidate:
    """An agent as the ACD sees it: the CRM does not know presence, the caller passes it in."""

    agent_id: str
    level: int
    # Case types (subjects) the agent handles; empty means any.
    case_types: frozenset[str] = frozenset()
    available: bool = True


@dataclass(frozen=True)
class EscalationDecision:
    new_level: int
    # None: no agent fits now; the case waits unassigned in the level's group.
    owner: str | None


def choose_escalation(
    *,
    status: CaseStatus,
    level: int,
    case_type: str | None,
    candidates: Iterable[AgentCandidate],
    active_cases: dict[str, int],
    max_cases_per_agent: int,
) -> EscalationDecision:
    """Pick the next level and its owner.

    - Resolved or closed cases are not escalated.
    - Candidates must be at the new level and handle the case type.
    - A case someone is working on (new/open) needs an agent available now; a case waiting
      for the customer may go to an agent who is away, since nothing happens until the reply.
    - S2: agents with a full case queue are skipped; fewest active cases wins, then agent id.
    """
    if status is CaseStatus.CLOSED:
        raise CaseClosed("a closed case cannot be escalated")
    if status is CaseStatus.RESOLVED:
        raise EscalationNotPossible("a resolved case cannot be escalated", status=str(status))
    if level >= MAX_ESCALATION_LEVEL:
        raise EscalationNotPossible("already at the highest level", level=level)
    new_level = level + 1
    needs_available = status is not CaseStatus.WAITING_FOR_CUSTOMER
    eligible = [
        c
        for c in candidates
        if c.level == new_level
        and (not c.case_types or (case_type is not None and case_type in c.case_types))
        and (c.available or not needs_available)
        and active_cases.get(c.agent_id, 0) < max_cases_per_agent
    ]
    if not eligible:
        return EscalationDecision(new_level=new_level, owner=None)
    best = min(eligible, key=lambda c: (active_cases.get(c.agent_id, 0), c.agent_id))
    return EscalationDecision(new_level=new_level, owner=best.agent_id)
