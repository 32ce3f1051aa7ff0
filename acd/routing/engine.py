"""The Router: events in, decisions out. No I/O, no clock, no unseeded randomness.

Matching is eager: after every `handle`, no available agent could take a waiting call
its routing step targets (otherwise the call would have been offered). So there are
only two matching moments, each O(log n):

* a call becomes open (queued, returned, widened, released): pick the best available
  agent from the ready-agent heaps of the tiers its step targets, primary first (D3)
  (`admission`);
* an agent becomes available: take the best call reserved for them (affinity), else the
  best call among the heads of the waiting-call heaps their skills and tiers may serve
  (`offers`).

Every handler checks first (raising a `RoutingError`, which changes nothing) and then
acts. The handlers live in `agent_commands`, `call_events` and `timeouts`; the layers
they share are described in `state`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .agent_commands import AgentCommands
from .call_events import CallEvents
from .decisions import Decision
from .errors import InvalidCommand
from .events import (
    AgentDeviceBusy,
    AgentDeviceFree,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AssignCall,
    CallAbandoned,
    CallEnded,
    CallQueued,
    CallResumed,
    CaseCountChanged,
    EndWrapUp,
    EnterManualCall,
    Event,
    ForceAgentState,
    LeaveManualCall,
    MakeAgentReady,
    OfferAnswered,
    OfferFailed,
    ResetDailyCounters,
    Tick,
    TransferCall,
)
from .model import (
    AgentView,
    CallView,
    QueueSnapshot,
    QueueSpec,
    SkillLevel,
)
from .queues import Call
from .timeouts import Timeouts


class Router(AgentCommands, CallEvents, Timeouts):
    """The routing core. Feed it events with `handle`; perform the decisions it returns;
    after each call, wake up at `next_deadline()` and send `Tick(at=now)`.

    Built from queue and agent specs, checked first (see `RouterState`)."""

    # ------------------------------------------------------------------ public API

    def handle(self, event: Event) -> list[Decision]:
        """Apply one event; return the decisions it causes, in order.

        Raises a `RoutingError` (with a stable `code`) for a refused command, in which
        case nothing changed. Timers fire only on `Tick`. An event stamped earlier than
        the last one is taken as happening at the last known time.
        """
        handler = _HANDLERS.get(type(event))
        if handler is None:
            raise InvalidCommand(f"unknown event type {type(event).__name__}")
        previous = self._now
        if event.at > previous and type(event) is not Tick:
            self._now = event.at
        out: list[Decision] = []
        try:
            handler(self, event, out)
        except Exception:
            self._now = previous
            raise
        return out

    def next_deadline(self) -> float | None:
        """The earliest pending timer, or None: send `Tick(at=...)` once it has passed."""
        return self._timers.next_deadline()

    @property
    def now(self) -> float:
        """The latest time the core has seen (-inf before the first event)."""
        return self._now

    def agent(self, agent_id: str) -> AgentView:
        """One agent's view; raises `UnknownAgent`."""
        return self._agent(agent_id).view()

    def agents(self) -> list[AgentView]:
        """Every agent's view, in configuration order."""
        return [a.view() for a in self._agents.values()]

    def call(self, call_id: str) -> CallView:
        """One live call's view; raises `UnknownCall` (also once the call has ended)."""
        return self._call(call_id).view(self._now)

    def calls(self) -> list[CallView]:
        """Every live call (waiting, held, ringing, connected), in arrival order."""
        return [c.view(self._now) for c in sorted(self._calls.values(), key=_by_seq)]

    def queue_names(self) -> list[str]:
        """Names of the configured queues."""
        return list(self._queues)

    def queue_spec(self, name: str) -> QueueSpec:
        """The configuration of one queue; raises `UnknownQueue`."""
        return self._queue(name).spec

    def queue_snapshot(self, name: str) -> QueueSnapshot:
        """The queue's unanswered calls in routing order with their waits (O(n log n))."""
        q = self._queue(name)
        calls = sorted(q.calls.values(), key=_by_rank)
        return QueueSnapshot(
            name=name,
            calls=tuple(c.view(self._now) for c in calls),
            available_primary=len(q.agent_heaps[SkillLevel.PRIMARY]),
            available_secondary=len(q.agent_heaps[SkillLevel.SECONDARY]),
        )


_Handler = Callable[[Router, Any, list[Decision]], None]

# Event type -> the handler that applies it (each in the layer of its concern).
_HANDLERS: dict[type, _Handler] = {
    AgentLoggedIn: Router._on_agent_logged_in,
    AgentLoggedOut: Router._on_agent_logged_out,
    MakeAgentReady: Router._on_make_agent_ready,
    AgentPaused: Router._on_agent_paused,
    EnterManualCall: Router._on_enter_manual_call,
    LeaveManualCall: Router._on_leave_manual_call,
    EndWrapUp: Router._on_end_wrap_up,
    AgentDeviceBusy: Router._on_agent_device_busy,
    AgentDeviceFree: Router._on_agent_device_free,
    CallQueued: Router._on_call_queued,
    CallResumed: Router._on_call_resumed,
    OfferAnswered: Router._on_offer_answered,
    OfferFailed: Router._on_offer_failed,
    CallAbandoned: Router._on_call_abandoned,
    CallEnded: Router._on_call_ended,
    TransferCall: Router._on_transfer_call,
    AssignCall: Router._on_assign_call,
    ForceAgentState: Router._on_force_agent_state,
    CaseCountChanged: Router._on_case_count_changed,
    ResetDailyCounters: Router._on_reset_daily_counters,
    Tick: Router._on_tick,
}


def _by_seq(call: Call) -> int:
    return call.seq


def _by_rank(call: Call) -> tuple[float, int]:
    return (call.key, call.seq)
