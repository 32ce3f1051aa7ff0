"""The events the server publishes, under stable names (docs/events.md).

Internal event types (acd.telephony.events, the CRM's notifications) are mapped here,
and only here, to the published vocabulary: a name of the form `noun.past_participle`
and a payload of plain JSON. Whatever publishes events outside the server uses this
module; a bus event it does not name stays inside.
"""

from __future__ import annotations

from typing import Any

from acd.api.common import to_json
from acd.telephony.events import (
    AgentStateEvent,
    CallArrived,
    CallbackDeclined,
    CallbackRequested,
    CallConnected,
    CallEnded,
    CallOffered,
    CallOverflowedEvent,
    CallQueuedEvent,
    TicketOpened,
)
from crm.views import NotificationInfo

EVENT_NAMES: dict[type, str] = {
    AgentStateEvent: "agent.state_changed",
    CallArrived: "call.arrived",
    CallQueuedEvent: "call.queued",
    CallOffered: "call.offered",
    CallConnected: "call.connected",
    CallEnded: "call.ended",
    CallOverflowedEvent: "call.overflowed",
    CallbackRequested: "callback.requested",
    CallbackDeclined: "callback.declined",
    TicketOpened: "ticket.opened",
}
NOTIFICATION_CREATED = "notification.created"

# What an agent's stream keeps of the events that are not about them: the queue figures,
# and that a call ended (the desk closes the call it shows), never a caller's number.
_QUEUE_FIGURES: dict[type, tuple[str, ...]] = {
    CallQueuedEvent: ("call_id", "queue", "priority"),
    CallOverflowedEvent: ("call_id", "from_queue", "to_queue", "reason"),
    CallEnded: ("uniqueid", "outcome"),
}


def published(event: Any) -> dict[str, Any] | None:
    """The whole event as published (a supervisor sees these), or None when internal."""
    name = EVENT_NAMES.get(type(event))
    if name is None:
        return None
    return {"type": name, **to_json(event)}


def for_agent(event: Any, agent_id: str) -> dict[str, Any] | None:
    """The event as one agent may see it, or None: events about this agent whole, queue
    figures without callers, nothing else."""
    name = EVENT_NAMES.get(type(event))
    if name is None:
        return None
    if getattr(event, "agent_id", None) == agent_id:
        return {"type": name, **to_json(event)}
    fields = _QUEUE_FIGURES.get(type(event))
    if fields is None:
        return None
    return {"type": name, **{f: to_json(getattr(event, f)) for f in fields}}


def notification(note: NotificationInfo) -> dict[str, Any]:
    """A notification for its recipient (S10)."""
    return {"type": NOTIFICATION_CREATED, **to_json(note)}
