"""Waiting calls: the live record of a call and of a queue.

A queue keeps one heap of waiting calls per routing step, ordered by a static key
`first_queued_at - priority * aging_interval`: a priority level is worth
`aging_interval` seconds of waiting, which is exactly "effective priority grows by one
per aging_interval" without ever re-sorting. Ties go to the call queued first (FIFO).
Moving a call to the next step moves it between heaps with the same key, so it keeps
its place as its target widens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .heaps import LazyHeap, Slot
from .model import CallStatus, CallView, OfferVia, QueueSpec, RoutingStep, SkillLevel

if TYPE_CHECKING:
    from .agents import Agent
    from .timers import Timer


class Call:
    """Live state of one call. Mutated only by the `Router`."""

    __slots__ = (
        "agent",
        "call_id",
        "caller",
        "first_queued_at",
        "heap",
        "hold_timer",
        "key",
        "max_wait_timer",
        "pending_overflow",
        "preferred_agent",
        "preferred_reason",
        "priority",
        "queue",
        "queue_entered_at",
        "ring_timer",
        "seq",
        "slot",
        "status",
        "step",
        "step_timer",
        "via",
    )

    def __init__(
        self,
        call_id: str,
        queue: QueueRuntime,
        priority: int,
        preferred_agent: str | None,
        preferred_reason: str | None,
        caller: str | None,
        at: float,
        seq: int,
    ) -> None:
        self.call_id = call_id
        self.queue = queue
        self.priority = priority
        self.preferred_agent = preferred_agent
        self.preferred_reason = preferred_reason
        self.caller = caller
        self.first_queued_at = at
        self.seq = seq  # global arrival order: the FIFO tie-breaker
        self.queue_entered_at = at
        self.key = 0.0
        self.step = 0
        self.status = CallStatus.WAITING
        self.slot: Slot[Call] | None = None  # presence in a pool or held heap
        self.heap: LazyHeap[Call] | None = None  # that heap
        self.agent: Agent | None = None  # ringing or connected agent
        self.via = OfferVia.QUEUE
        self.step_timer: Timer | None = None
        self.max_wait_timer: Timer | None = None
        self.hold_timer: Timer | None = None
        self.ring_timer: Timer | None = None
        # (target queue, reason) when an overflow fell due while the call was ringing.
        self.pending_overflow: tuple[str, str] | None = None

    def view(self, now: float) -> CallView:
        """A read-only snapshot at time `now`."""
        return CallView(
            call_id=self.call_id,
            queue=self.queue.name,
            status=self.status,
            priority=self.priority,
            preferred_agent=self.preferred_agent,
            agent_id=self.agent.agent_id if self.agent is not None else None,
            first_queued_at=self.first_queued_at,
            queue_entered_at=self.queue_entered_at,
            wait=max(0.0, now - self.queue_entered_at),
            step=self.step,
            rank=(self.key, self.seq),
        )


class QueueRuntime:
    """Live state of one queue: unanswered calls, waiting-call heaps per step, and
    ready-agent heaps per tier (ordered by the queue's strategy)."""

    __slots__ = (
        "agent_heaps",
        "call_heaps",
        "calls",
        "name",
        "spec",
        "step_tiers",
    )

    def __init__(self, spec: QueueSpec) -> None:
        self.spec = spec
        self.name = spec.name
        # Tiers of each step, primary first (D3), whatever order the admin wrote.
        self.step_tiers: tuple[tuple[SkillLevel, ...], ...] = tuple(
            tuple(sorted(set(s.tiers))) for s in spec.steps
        )
        self.call_heaps: tuple[LazyHeap[Call], ...] = tuple(LazyHeap() for _ in spec.steps)
        self.agent_heaps: dict[SkillLevel, LazyHeap[Agent]] = {t: LazyHeap() for t in SkillLevel}
        # Unanswered calls in this queue (waiting, held or ringing), for max_length and
        # the wallboard. A dict keeps arrival order and O(1) removal.
        self.calls: dict[str, Call] = {}

    def call_heaps_for(self, tier: SkillLevel) -> tuple[LazyHeap[Call], ...]:
        """Heaps of the steps an agent of `tier` may take calls from."""
        return tuple(
            h for h, tiers in zip(self.call_heaps, self.step_tiers, strict=True) if tier in tiers
        )

    def step(self, index: int) -> RoutingStep:
        """The routing step at `index`."""
        return self.spec.steps[index]

    def call_key(self, call: Call) -> float:
        """The static routing key of `call` in this queue (priority with aging)."""
        return call.first_queued_at - call.priority * self.spec.aging_interval
