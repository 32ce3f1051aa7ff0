"""Q3: who gets a case nobody owns. The steps run in the configured order, each falling
through when it has no candidate: smart (the agent who last handled this contact), then
workload (the agent with the fewest active cases), then random among the available.
Only agents under the case capacity are candidates (S2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class AssignmentStep(StrEnum):
    SMART = "smart"
    WORKLOAD = "workload"
    RANDOM = "random"


DEFAULT_STEPS: tuple[AssignmentStep, ...] = (
    AssignmentStep.SMART,
    AssignmentStep.WORKLOAD,
    AssignmentStep.RANDOM,
)


@dataclass(frozen=True)
class AssignmentChoice:
    agent_id: str
    step: AssignmentStep


def choose_case_owner(
    *,
    steps: Sequence[AssignmentStep],
    active_cases: Mapping[str, int],
    last_handler: str | None,
    capacity: int,
    pick: Callable[[Sequence[str]], str],
) -> AssignmentChoice | None:
    """`active_cases` holds every available agent the case may go to (allowed by the
    queue's rule) with the active cases they own; `pick` chooses the random step's agent
    among a sorted list. None when no step finds anyone."""
    with_room = sorted(agent for agent, count in active_cases.items() if count < capacity)
    if not with_room:
        return None
    for step in steps:
        if step is AssignmentStep.SMART:
            if last_handler in with_room:
                return AssignmentChoice(last_handler, step)
        elif step is AssignmentStep.WORKLOAD:
            # Ties go to the first agent id, so the choice is the same on every node.
            fewest = min(with_room, key=lambda agent: (active_cases[agent], agent))
            return AssignmentChoice(fewest, step)
        else:
            return AssignmentChoice(pick(with_room), step)
    return None
