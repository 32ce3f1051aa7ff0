"""S7: call journal vocabulary and pure statistics."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallOutcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    OVERFLOWED = "overflowed"
    NO_ANSWER = "no_answer"
    CLOSED_HOURS = "closed_hours"
    OUTBOUND_ANSWERED = "outbound_answered"
    OUTBOUND_FAILED = "outbound_failed"
    OUTBOUND_BUSY = "outbound_busy"
    CALLBACK = "callback"
    # Ended while no server was listening (Asterisk dropped it during a restart): its
    # end is when the next server found it gone.
    LOST = "lost"


HANDLED_OUTCOMES: frozenset[CallOutcome] = frozenset(
    {CallOutcome.ANSWERED, CallOutcome.OUTBOUND_ANSWERED}
)


def service_level(answered_within: int, offered: int) -> float | None:
    """Share of offered calls answered within the threshold; None when nothing was offered."""
    if offered == 0:
        return None
    return answered_within / offered
