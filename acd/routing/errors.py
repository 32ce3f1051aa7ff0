"""Domain errors of the routing core.

Every error carries a stable `code` (part of the API contract: the HTTP layer maps
codes to responses in one place) and a message meant for a human. A command that
raises has changed nothing: handlers check first, then act.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class RoutingError(Exception):
    """Base class: a command the core refuses."""

    code: ClassVar[str] = "routing_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownAgent(RoutingError):
    code = "unknown_agent"


class UnknownCall(RoutingError):
    code = "unknown_call"


class UnknownQueue(RoutingError):
    code = "unknown_queue"


class DuplicateCall(RoutingError):
    code = "duplicate_call"


class AgentNotReady(RoutingError):
    code = "agent_not_ready"


class IllegalTransition(RoutingError):
    code = "illegal_transition"


class NoSuchOffer(RoutingError):
    """The call is not ringing at that agent (late or misrouted answer/failure)."""

    code = "no_such_offer"


class CallNotConnected(RoutingError):
    code = "call_not_connected"


class CallNotWaiting(RoutingError):
    code = "call_not_waiting"


class InvalidCommand(RoutingError):
    code = "invalid_command"


@dataclass(frozen=True, slots=True)
class PlanError:
    """One problem in the routing configuration, naming where it is."""

    code: str
    message: str
    queue: str | None
    field: str
    agent: str | None = None

    def __str__(self) -> str:
        where = f"queue {self.queue!r}" if self.queue is not None else f"agent {self.agent!r}"
        return f"{where}, {self.field}: {self.message} [{self.code}]"


class InvalidPlan(RoutingError):
    """The configuration has problems; `errors` lists every one of them."""

    code = "invalid_plan"

    def __init__(self, errors: list[PlanError]) -> None:
        super().__init__("invalid routing plan:\n" + "\n".join(f"- {e}" for e in errors))
        self.errors = errors
