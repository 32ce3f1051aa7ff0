"""Input events: facts from the shell (past tense) and commands (imperative).

Every event carries `at`, the shell's monotonic clock in seconds: the core never reads
a clock. Fields after `at` in the signatures are keyword-only.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from .model import AgentState


@dataclass(frozen=True, slots=True)
class AgentLoggedIn:
    """The agent logged in; they become ready."""

    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class AgentLoggedOut:
    """The agent logged out (refused while on a call)."""

    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class MakeAgentReady:
    """The agent asks to be ready (from paused, wrap-up or manual call)."""

    agent_id: str
    _: KW_ONLY
    at: float


AgentReadied = MakeAgentReady


@dataclass(frozen=True, slots=True)
class AgentPaused:
    """The agent paused with a reason (also changes the reason of a paused agent)."""

    agent_id: str
    reason: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class EnterManualCall:
    """The agent switches to outbound mode (S6); never offered calls in it."""

    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class LeaveManualCall:
    """The agent leaves outbound mode and becomes ready."""

    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class EndWrapUp:
    """The agent ends after-call work before its timer (D6)."""

    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class AgentDeviceBusy:
    """The agent's phone is busy with a call the ACD did not place: not offered calls."""

    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class AgentDeviceFree:
    """The agent's phone is free again."""

    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class CallQueued:
    """A caller entered a queue. `preferred_agent` asks for affinity (S9, P1, P5).
    `waited` is how long the caller already waited before the core heard of them (a
    caller found waiting after a restart): they keep their place and their wait."""

    call_id: str
    queue: str
    _: KW_ONLY
    priority: int = 0
    preferred_agent: str | None = None
    preferred_reason: str | None = None  # e.g. "follow_up", "owner", "last_agent"
    caller: str | None = None
    waited: float = 0.0
    at: float


@dataclass(frozen=True, slots=True)
class CallResumed:
    """A call already connected to an agent, found after a restart: the agent is on it,
    and it ends as any connected call does (`CallEnded`, then wrap-up)."""

    call_id: str
    queue: str
    agent_id: str
    _: KW_ONLY
    priority: int = 0
    caller: str | None = None
    at: float


@dataclass(frozen=True, slots=True)
class OfferAnswered:
    """The agent answered the offered call."""

    call_id: str
    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class OfferFailed:
    """Ringing the agent failed (`OfferFailure`: busy, unreachable, rejected...)."""

    call_id: str
    agent_id: str
    reason: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class CallAbandoned:
    """The caller hung up while waiting or ringing."""

    call_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The call ended after talk; the agent goes to wrap-up."""

    call_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class TransferCall:
    """Transfer a connected call to a ready agent or to a queue (exactly one of them)."""

    call_id: str
    _: KW_ONLY
    to_agent: str | None = None
    to_queue: str | None = None
    at: float


@dataclass(frozen=True, slots=True)
class AssignCall:
    """Supervisor: offer a waiting call to a ready agent, beyond case capacity (S2)."""

    call_id: str
    agent_id: str
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class ForceAgentState:
    """Supervisor: force an agent to READY, PAUSED or LOGGED_OUT."""

    agent_id: str
    state: AgentState
    reason: str = "supervisor"
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class CaseCountChanged:
    """The CRM reports how many open cases the agent holds (S2)."""

    agent_id: str
    open_cases: int
    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class ResetDailyCounters:
    """Start a new day for the `fewest_calls` strategy."""

    _: KW_ONLY
    at: float


@dataclass(frozen=True, slots=True)
class Tick:
    """Time has passed: fire every timer due at or before `at`."""

    at: float


Event = (
    AgentLoggedIn
    | AgentLoggedOut
    | MakeAgentReady
    | AgentPaused
    | EnterManualCall
    | LeaveManualCall
    | EndWrapUp
    | AgentDeviceBusy
    | AgentDeviceFree
    | CallQueued
    | CallResumed
    | OfferAnswered
    | OfferFailed
    | CallAbandoned
    | CallEnded
    | TransferCall
    | AssignCall
    | ForceAgentState
    | CaseCountChanged
    | ResetDailyCounters
    | Tick
)
