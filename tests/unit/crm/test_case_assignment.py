"""Q3's steps for a case nobody owns, each falling through to the next."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from crm.domain.assignment import (
    DEFAULT_STEPS,
    AssignmentChoice,
    AssignmentStep,
    choose_case_owner,
)

SMART, WORKLOAD, RANDOM = AssignmentStep.SMART, AssignmentStep.WORKLOAD, AssignmentStep.RANDOM


def _last(agents: Sequence[str]) -> str:
    return agents[-1]


def _choose(
    active: dict[str, int], last: str | None, steps: Sequence[AssignmentStep] = DEFAULT_STEPS
) -> AssignmentChoice | None:
    return choose_case_owner(
        steps=steps, active_cases=active, last_handler=last, capacity=4, pick=_last
    )


def test_smart_gives_the_case_to_the_agent_who_last_handled_the_contact() -> None:  # Q3
    assert _choose({"a": 3, "b": 0}, "a") == AssignmentChoice("a", SMART)


def test_smart_falls_through_to_workload_when_that_agent_is_away_or_full() -> None:  # Q3, S2
    assert _choose({"a": 2, "b": 1, "c": 1}, "z") == AssignmentChoice("b", WORKLOAD)
    assert _choose({"a": 4, "b": 3}, "a") == AssignmentChoice("b", WORKLOAD)
    assert _choose({"a": 1, "b": 0}, None) == AssignmentChoice("b", WORKLOAD)


def test_random_picks_among_the_agents_with_room_when_it_is_the_step_left() -> None:  # Q3
    assert _choose({"a": 0, "b": 4, "c": 2}, "b", (SMART, RANDOM)) == AssignmentChoice("c", RANDOM)


def test_nobody_gets_the_case_when_every_agent_is_full_or_none_is_available() -> None:  # S2
    assert _choose({"a": 4, "b": 5}, "a") is None
    assert _choose({}, "a") is None
    assert _choose({"a": 0}, "b", (SMART,)) is None


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 6)),
    st.none() | st.sampled_from("abcdefz"),
    st.lists(st.sampled_from(list(AssignmentStep)), min_size=1, max_size=3),
)
def test_the_chosen_agent_is_always_available_and_under_capacity(
    active: dict[str, int], last: str | None, steps: list[AssignmentStep]
) -> None:  # Q3, S2
    choice = _choose(active, last, steps)
    if choice is not None:
        assert active[choice.agent_id] < 4 and choice.step in steps
    elif any(n < 4 for n in active.values()):
        assert set(steps) == {SMART} and active.get(last or "", 4) >= 4
