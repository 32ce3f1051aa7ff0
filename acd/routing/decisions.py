"""Output decisions: what the shell must do or record, in the order returned."""

from __future__ import annotations

from dataclasses import dataclass

from .model import AgentState, CallOutcome, OfferVia


@dataclass(frozen=True, slots=True)
class OfferCall:
    """Ring `agent_id`'s phone with `call_id`; report `OfferAnswered` or `OfferFailed`."""

    call_id: str
    agent_id: str
    queue: str
    ring_timeout: float
    via: OfferVia = OfferVia.QUEUE


@dataclass(frozen=True, slots=True)
class CancelOffer:
    """Stop ringing `agent_id` with `call_id` (no answer, caller gone, agent left...)."""

    call_id: str
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class CallOverflowed:
    """The call moved from one queue to its backup queue (D9); `reason` is
    "max_wait", "max_length" or "step"."""

    call_id: str
    from_queue: str
    to_queue: str
    reason: str


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    """Emitted on every agent transition, automatic ones included (stats use them)."""

    agent_id: str
    old: AgentState
    new: AgentState
    reason: str | None
    at: float


@dataclass(frozen=True, slots=True)
class CallLeftQueue:
    """Bookkeeping: the call left `queue` after waiting `wait` seconds in it."""

    call_id: str
    queue: str
    outcome: CallOutcome
    wait: float
    agent_id: str | None = None


Decision = OfferCall | CancelOffer | CallOverflowed | AgentStateChanged | CallLeftQueue
