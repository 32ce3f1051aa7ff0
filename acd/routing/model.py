"""Static configuration (specs), enumerations and read-only views of the routing core.

Everything here is immutable: the specs are what an admin configured, the views are
what the wallboard and the API read. The live, mutable state lives in `agents.py`,
`queues.py` and `engine.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from types import MappingProxyType


class SkillLevel(IntEnum):
    """How well an agent holds a skill. Lower value = tried first (D3)."""

    PRIMARY = 1
    SECONDARY = 2


#: A numeric proficiency (1..100) at or above this value counts as a primary skill.
PRIMARY_MIN_PROFICIENCY = 50
#: Proficiency given to skills declared by level rather than by number.
LEVEL_PROFICIENCY: Mapping[SkillLevel, int] = MappingProxyType(
    {SkillLevel.PRIMARY: 100, SkillLevel.SECONDARY: 25}
)


def skill_level(value: SkillLevel | int) -> SkillLevel:
    """The tier of a skill given either as a `SkillLevel` or as a proficiency 1..100."""
    if isinstance(value, SkillLevel):
        return value
    return SkillLevel.PRIMARY if value >= PRIMARY_MIN_PROFICIENCY else SkillLevel.SECONDARY


def skill_proficiency(value: SkillLevel | int) -> int:
    """The numeric proficiency (1..100) of a skill given by level or by number."""
    if isinstance(value, SkillLevel):
        return LEVEL_PROFICIENCY[value]
    return int(value)


class Strategy(StrEnum):
    """How the core picks among ready agents of one tier."""

    LONGEST_IDLE = "longest_idle"  # ready for the longest time (default)
    FEWEST_CALLS = "fewest_calls"  # fewest answered calls since the last daily reset
    ROUND_ROBIN = "round_robin"  # least recently offered a call by this queue
    RANDOM = "random"  # seeded: Router(rng_seed=...)
    MOST_SKILLED = "most_skilled"  # highest proficiency, then longest idle


class AgentState(StrEnum):
    """Agent states (D8, S6)."""

    LOGGED_OUT = "logged_out"
    READY = "ready"
    PAUSED = "paused"
    RINGING = "ringing"  # reserved for exactly one offer
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"  # after-call work (D6)
    MANUAL_CALL = "manual_call"  # outbound mode, never offered calls (S6)


class CallStatus(StrEnum):
    """Where a call the core knows about currently is."""

    WAITING = "waiting"  # in its queue, open to the agents its routing step targets
    HELD = "held"  # in its queue, reserved for its preferred agent (affinity)
    RINGING = "ringing"  # offered to one agent
    CONNECTED = "connected"  # answered; no longer in any queue


class CallOutcome(StrEnum):
    """Why a call left a queue (for the statistics)."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    OVERFLOWED = "overflowed"


class OfferVia(StrEnum):
    """Why a call was offered to that particular agent."""

    QUEUE = "queue"  # normal skill-based pick
    AFFINITY = "affinity"  # the call's preferred agent (S9, P1, P5)
    ASSIGNED = "assigned"  # supervisor manual assignment
    TRANSFER = "transfer"  # transfer to a named agent


class OfferFailure(StrEnum):
    """Reasons the shell gives in `OfferFailed`. Any other string is accepted and treated
    like UNREACHABLE (the agent is paused with that reason)."""

    BUSY = "busy"  # the phone is busy with a call the ACD did not place
    UNREACHABLE = "unreachable"
    REJECTED = "rejected"


#: Pause reason given to an agent who let an offer ring out.
NO_ANSWER = "no_answer"


@dataclass(frozen=True, slots=True)
class RoutingStep:
    """One step of a queue's routing plan, in the style of a TaskRouter workflow target.

    A call starts at step 0 of its queue. It moves to the next step when `timeout`
    seconds have passed *in this step*, or at once when `skip_if_no_agent` is set and no
    agent of `tiers` is available. It keeps its place in the queue while its target
    widens. A step with `overflow_to` sends the call to that queue as soon as it is
    reached (it must be the last step).
    """

    tiers: tuple[SkillLevel, ...] = (SkillLevel.PRIMARY,)
    timeout: float | None = None
    skip_if_no_agent: bool = False
    overflow_to: str | None = None

    @classmethod
    def overflow(cls, queue: str) -> RoutingStep:
        """A final step that overflows the call to `queue`."""
        return cls(tiers=(), overflow_to=queue)


#: Primary-skill agents; add secondary-skill agents after 30 s, or at once when no
#: primary agent is ready (D3).
DEFAULT_STEPS: tuple[RoutingStep, ...] = (
    RoutingStep((SkillLevel.PRIMARY,), timeout=30.0, skip_if_no_agent=True),
    RoutingStep((SkillLevel.PRIMARY, SkillLevel.SECONDARY)),
)


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A queue as configured. Only `name` and `skill` are required."""

    name: str
    skill: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    ring_timeout: float = 15.0
    wrapup_time: float = 10.0
    #: Overflow to `overflow_to` once a call has waited this long in this queue (D9).
    max_wait: float | None = None
    #: A call arriving when this many calls are already in the queue overflows (D9).
    max_length: int | None = None
    overflow_to: str | None = None
    steps: tuple[RoutingStep, ...] = DEFAULT_STEPS
    #: How long a call waits for its busy preferred agent; 0 disables the wait (S9).
    affinity_timeout: float = 20.0
    #: Seconds of waiting worth one priority level, so no call starves.
    aging_interval: float = 60.0


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """An agent as configured: skills by level (`SkillLevel`) or proficiency (1..100)."""

    agent_id: str
    name: str = ""
    skills: Mapping[str, SkillLevel | int] = field(default_factory=dict)
    #: Overrides the router's `case_capacity` for this agent (S2).
    case_capacity: int | None = None


@dataclass(frozen=True, slots=True)
class AgentView:
    """What the wallboard shows for one agent."""

    agent_id: str
    name: str
    state: AgentState
    reason: str | None  # pause reason, or what caused the last transition
    since: float
    available: bool  # would be offered a call right now
    device_busy: bool
    open_cases: int
    case_capacity: int | None  # None when open cases do not gate calls
    calls_today: int
    call_id: str | None  # the call ringing or connected to this agent


@dataclass(frozen=True, slots=True)
class CallView:
    """One call the core knows about (waiting, held, ringing or connected)."""

    call_id: str
    queue: str
    status: CallStatus
    priority: int
    preferred_agent: str | None
    agent_id: str | None
    first_queued_at: float
    queue_entered_at: float
    wait: float  # seconds in the current queue
    step: int
    #: Routing order inside the queue: smaller is served first (priority with aging, FIFO).
    rank: tuple[float, int]


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """A queue for the wallboard: its unanswered calls in routing order."""

    name: str
    calls: tuple[CallView, ...]
    available_primary: int
    available_secondary: int

    @property
    def longest_wait(self) -> float:
        """The longest current wait, 0 when the queue is empty."""
        return max((c.wait for c in self.calls), default=0.0)
