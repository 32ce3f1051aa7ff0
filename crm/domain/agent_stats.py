"""Time each agent spends in each state (D8), from the log of their transitions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def time_in_states(
    transitions: Iterable[tuple[str, datetime]],
    start: datetime,
    end: datetime,
    state_at_start: str | None,
) -> dict[str, float]:
    """Seconds spent in each state over [start, end).

    `transitions` are (new state, when) in time order, all within the period;
    `state_at_start` is the state the agent was in when the period began.
    """
    totals: dict[str, float] = {}
    state, since = state_at_start, start
    for new_state, at in transitions:
        at = min(max(at, start), end)
        if state is not None:
            totals[state] = totals.get(state, 0.0) + (at - since).total_seconds()
        state, since = new_state, at
    if state is not None and end > since:
        totals[state] = totals.get(state, 0.0) + (end - since).total_seconds()
    return {k: v for k, v in totals.items() if v > 0}
