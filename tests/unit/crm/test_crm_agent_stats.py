"""Time in each agent state, from the log of transitions (D8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.domain.agent_stats import time_in_states

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_each_state_counts_from_its_transition_to_the_next() -> None:  # D8
    changes = [("ready", at(0)), ("on_call", at(5)), ("wrap_up", at(9)), ("ready", at(10))]
    totals = time_in_states(changes, at(0), at(15), None)
    assert totals == {"ready": 600.0, "on_call": 240.0, "wrap_up": 60.0}


def test_the_state_held_when_the_period_starts_counts_from_its_start() -> None:  # D8
    totals = time_in_states([("paused", at(20))], at(10), at(30), "ready")
    assert totals == {"ready": 600.0, "paused": 600.0}


def test_an_agent_who_never_logged_in_has_no_time() -> None:  # D8
    assert time_in_states([], at(0), at(60), None) == {}
