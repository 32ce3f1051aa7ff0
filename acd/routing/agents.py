"""The agent state machine (D6, D8, S6) and the live record of one agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import IllegalTransition
from .heaps import LazyHeap, Slot
from .model import AgentSpec, AgentState, AgentView, SkillLevel

if TYPE_CHECKING:
    from .queues import Call, QueueRuntime
    from .timers import Timer

S = AgentState

#: Transitions an agent (or the automatic flow) may make. Anything else is refused.
ALLOWED: dict[AgentState, frozenset[AgentState]] = {
    S.LOGGED_OUT: frozenset({S.READY}),
    S.READY: frozenset({S.PAUSED, S.LOGGED_OUT, S.RINGING, S.MANUAL_CALL}),
    S.PAUSED: frozenset({S.READY, S.PAUSED, S.LOGGED_OUT, S.MANUAL_CALL}),
    S.RINGING: frozenset({S.ON_CALL, S.READY, S.PAUSED, S.LOGGED_OUT}),
    S.ON_CALL: frozenset({S.WRAP_UP, S.READY}),
    S.WRAP_UP: frozenset({S.READY, S.PAUSED, S.LOGGED_OUT, S.MANUAL_CALL}),
    S.MANUAL_CALL: frozenset({S.READY, S.PAUSED, S.LOGGED_OUT}),
}

#: A supervisor may force these states from any state but ON_CALL (the call would be
#: orphaned: end or transfer it first).
FORCEABLE: frozenset[AgentState] = frozenset({S.READY, S.PAUSED, S.LOGGED_OUT})

_WHY: dict[AgentState, str] = {
    S.LOGGED_OUT: "the agent is logged out",
    S.RINGING: "a call is ringing at the agent",
    S.ON_CALL: "the agent is on a call; end or transfer it first",
    S.WRAP_UP: "the agent is in wrap-up",
    S.MANUAL_CALL: "the agent is in manual-call mode",
    S.PAUSED: "the agent is paused",
    S.READY: "the agent is ready",
}


#: Transitions only the call flow makes; an agent's own command cannot ask for them.
AUTOMATIC: frozenset[tuple[AgentState, AgentState]] = frozenset(
    {
        (S.READY, S.RINGING),
        (S.RINGING, S.ON_CALL),
        (S.RINGING, S.READY),
        (S.ON_CALL, S.WRAP_UP),
        (S.ON_CALL, S.READY),
    }
)


def check_transition(
    agent_id: str, old: AgentState, new: AgentState, *, forced: bool = False
) -> None:
    """Raise `IllegalTransition` unless a command may move an agent from `old` to `new`.

    `forced` is a supervisor's command: any state to READY, PAUSED or LOGGED_OUT, except
    from ON_CALL.
    """
    if forced:
        if new in FORCEABLE and old is not S.ON_CALL:
            return
        why = _WHY[old] if old is S.ON_CALL else f"a supervisor can only force {_names(FORCEABLE)}"
    elif new in ALLOWED[old] and (old, new) not in AUTOMATIC:
        return
    elif (old, new) in AUTOMATIC:
        why = "only the call flow makes that transition"
    else:
        why = _WHY[old]
    raise IllegalTransition(f"agent {agent_id!r} cannot go from {old.value} to {new.value}: {why}")


def _names(states: frozenset[AgentState]) -> str:
    return ", ".join(sorted(s.value for s in states))


class Membership:
    """An agent's place in one queue: the tier it serves at, and the call heaps that tier
    may take from (the queue's steps that target the tier)."""

    __slots__ = ("call_heaps", "proficiency", "queue", "tier")

    def __init__(self, queue: QueueRuntime, tier: SkillLevel, proficiency: int) -> None:
        self.queue = queue
        self.tier = tier
        self.proficiency = proficiency
        self.call_heaps: tuple[LazyHeap[Call], ...] = queue.call_heaps_for(tier)


class Agent:
    """Live state of one agent. Mutated only by the `Router`."""

    __slots__ = (
        "agent_id",
        "available_slot",
        "call",
        "calls_today",
        "capacity",
        "device_busy",
        "held",
        "idle_since",
        "memberships",
        "name",
        "open_cases",
        "order",
        "reason",
        "rr_seq",
        "since",
        "spec",
        "state",
        "wrap_timer",
    )

    def __init__(self, spec: AgentSpec, order: int, capacity: int | None) -> None:
        self.spec = spec
        self.agent_id = spec.agent_id
        self.name = spec.name
        self.order = order  # config order: the last tie-breaker, for determinism
        self.state = S.LOGGED_OUT
        self.reason: str | None = None
        self.since = 0.0
        self.idle_since = 0.0  # when the agent last became ready (longest-idle key)
        self.device_busy = False
        self.open_cases = 0
        self.capacity = capacity  # None: open cases never keep calls away
        self.calls_today = 0
        self.call: Call | None = None  # ringing or connected call
        # Present in the ready-agent heaps of its memberships iff available.
        self.available_slot: Slot[Agent] | None = None
        self.memberships: tuple[Membership, ...] = ()
        # Calls reserved for this agent (affinity), best first.
        self.held: LazyHeap[Call] = LazyHeap()
        self.wrap_timer: Timer | None = None
        self.rr_seq: dict[str, int] = {}  # queue name -> offer sequence (round robin)

    def can_take_calls(self) -> bool:
        """Ready, phone free and below case capacity (S2): would be offered a call."""
        return (
            self.state is S.READY
            and not self.device_busy
            and (self.capacity is None or self.open_cases < self.capacity)
        )

    def view(self) -> AgentView:
        """A read-only snapshot."""
        return AgentView(
            agent_id=self.agent_id,
            name=self.name,
            state=self.state,
            reason=self.reason,
            since=self.since,
            available=self.available_slot is not None,
            device_busy=self.device_busy,
            open_cases=self.open_cases,
            case_capacity=self.capacity,
            calls_today=self.calls_today,
            call_id=self.call.call_id if self.call is not None else None,
        )
