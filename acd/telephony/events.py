"""What the call flow publishes on the bus: facts, in the past tense.

These are internal types; what leaves the server (the WebSocket) is their published
form, named and shaped in one place (`acd.api.notifier`, documented in docs/events.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CallArrived:
    uniqueid: str
    linkedid: str
    channel: str
    did: str
    caller_number: str


@dataclass(frozen=True)
class CallQueuedEvent:
    call_id: str
    queue: str
    priority: int
    preferred_agent: str | None


@dataclass(frozen=True)
class CallOffered:
    call_id: str
    agent_id: str
    via: str


@dataclass(frozen=True)
class CallConnected:
    call_id: str
    agent_id: str
    caller_number: str
    queue: str | None


@dataclass(frozen=True)
class CallEnded:
    uniqueid: str
    outcome: str | None
    agent_id: str | None


@dataclass(frozen=True)
class CallOverflowedEvent:
    call_id: str
    from_queue: str
    to_queue: str
    reason: str


@dataclass(frozen=True)
class AgentStateEvent:
    agent_id: str
    old: str
    new: str
    reason: str | None


@dataclass(frozen=True)
class CallbackRequested:
    call_id: str
    number: str


@dataclass(frozen=True)
class CallbackDeclined:
    """The caller was offered a callback and keeps waiting instead (declined, or gave no
    number the centre may call)."""

    call_id: str


@dataclass(frozen=True)
class TicketOpened:
    """Published for the answering agent's desktop (screen pop, C2)."""

    call_id: str
    agent_id: str
    case_number: str
    joined: bool
    customer_id: int | None
    customer_name: str | None
    intake: dict[str, Any] | None  # the queue's intake script, as JSON
