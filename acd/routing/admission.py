"""Queue admission: a call joins a queue, widens step by step, waits, or overflows.

A call becomes open when it is queued, returned, widened or released: it is offered to
the best available agent of the tiers its step targets, primary first (D3), or waits in
its step's heap. A full queue (D9), a step that overflows and the maximum wait move it
to another queue; validation forbids overflow loops.
"""

from __future__ import annotations

from .decisions import CallLeftQueue, CallOverflowed, Decision
from .heaps import Slot
from .model import AgentState, CallOutcome, CallStatus, OfferVia
from .offers import Offers
from .queues import Call, QueueRuntime
from .timers import TimerKind

S = AgentState

# P1, P5: a caller whose case owner or follow-up author is on a call or paused is served
# at once by whoever answers, who books the call-back for them; only the caller's last
# agent (S9) is waited for.
SERVED_AT_ONCE = frozenset({"owner", "follow_up"})


class Admission(Offers):
    def _enter_queue(
        self,
        call: Call,
        q: QueueRuntime,
        out: list[Decision],
        *,
        affinity: bool,
        entered_at: float | None = None,
    ) -> None:
        spec = q.spec
        if (
            spec.max_length is not None
            and spec.overflow_to is not None
            and len(q.calls) >= spec.max_length
        ):
            # Full: the call passes straight through (D9); validation forbids loops.
            out.append(CallLeftQueue(call.call_id, q.name, CallOutcome.OVERFLOWED, 0.0))
            out.append(CallOverflowed(call.call_id, q.name, spec.overflow_to, "max_length"))
            self._enter_queue(
                call, self._queues[spec.overflow_to], out, affinity=affinity, entered_at=entered_at
            )
            return
        self._join(call, q, entered_at)
        preferred = (
            self._agents.get(call.preferred_agent) if affinity and call.preferred_agent else None
        )
        if preferred is not None and preferred.state is not S.LOGGED_OUT:
            if preferred.available_slot is not None:
                self._offer(call, preferred, OfferVia.AFFINITY, out)
                return
            if spec.affinity_timeout > 0 and call.preferred_reason not in SERVED_AT_ONCE:
                # Busy or paused: keep the call for its last agent a while (S9).
                call.status = CallStatus.HELD
                slot: Slot[Call] = Slot(call)
                call.slot = slot
                call.heap = preferred.held
                preferred.held.push((call.key, call.seq, slot))
                call.hold_timer = self._timers.start(
                    self._now + spec.affinity_timeout, TimerKind.AFFINITY, call
                )
                return
        self._place(call, out)

    def _join(self, call: Call, q: QueueRuntime, entered_at: float | None = None) -> None:
        """Make `call` a member of `q` at step 0 with its timers (no matching), as if it
        had entered at `entered_at` (default now): a maximum wait already past falls due
        at the next tick."""
        entered = self._now if entered_at is None else entered_at
        call.queue = q
        q.calls[call.call_id] = call
        call.queue_entered_at = entered
        call.key = q.call_key(call)
        call.pending_overflow = None
        if q.spec.max_wait is not None:
            call.max_wait_timer = self._timers.start(
                entered + q.spec.max_wait, TimerKind.MAX_WAIT, call
            )
        self._enter_step(call, 0)

    def _enter_step(self, call: Call, index: int) -> None:
        self._timers.cancel(call.step_timer)
        call.step = index
        timeout = call.queue.spec.steps[index].timeout
        call.step_timer = (
            self._timers.start(self._now + timeout, TimerKind.STEP, call)
            if timeout is not None
            else None
        )

    def _place(self, call: Call, out: list[Decision]) -> None:
        """Offer the open call to the best available agent its step targets, widening at
        once through steps that skip when nobody is available; else make it wait.

        Precondition: the call is in its queue, in no heap and not ringing.
        """
        q = call.queue
        steps = q.spec.steps
        while True:
            step = steps[call.step]
            if step.overflow_to is not None:
                self._overflow(call, step.overflow_to, "step", out)
                return
            for tier in q.step_tiers[call.step]:  # primary first (D3)
                top = q.agent_heaps[tier].peek()
                if top is not None:
                    self._offer(call, top[-1].item, OfferVia.QUEUE, out)
                    return
            if step.skip_if_no_agent and call.step + 1 < len(steps):
                self._enter_step(call, call.step + 1)
                continue
            break
        call.status = CallStatus.WAITING
        slot: Slot[Call] = Slot(call)
        call.slot = slot
        heap = q.call_heaps[call.step]
        call.heap = heap
        heap.push((call.key, call.seq, slot))

    def _next_step(self, call: Call, out: list[Decision]) -> None:
        """The call's step timed out: move on, keeping its place in the queue."""
        index = call.step + 1
        status = call.status
        if status is CallStatus.WAITING:
            self._unqueue(call)
            self._enter_step(call, index)
            self._place(call, out)
            return
        self._enter_step(call, index)
        target = call.queue.spec.steps[index].overflow_to
        if target is not None:
            if status is CallStatus.RINGING:
                call.pending_overflow = (target, "step")
            else:  # HELD
                self._overflow(call, target, "step", out)

    def _return_call(self, call: Call, out: list[Decision]) -> None:
        """A ringing call was not answered: back to its place in the queue (it keeps its
        key, so it is served before every later call of the same priority)."""
        pending = call.pending_overflow
        if pending is not None:
            call.pending_overflow = None
            self._overflow(call, pending[0], pending[1], out)
        else:
            self._place(call, out)

    def _leave_queue(
        self, call: Call, outcome: CallOutcome, out: list[Decision], agent_id: str | None = None
    ) -> None:
        q = call.queue
        del q.calls[call.call_id]
        self._unqueue(call)
        self._timers.cancel(call.step_timer)
        self._timers.cancel(call.max_wait_timer)
        call.step_timer = None
        call.max_wait_timer = None
        wait = self._now - call.queue_entered_at
        out.append(CallLeftQueue(call.call_id, q.name, outcome, wait, agent_id))

    def _overflow(self, call: Call, target: str, reason: str, out: list[Decision]) -> None:
        """Precondition: the call is not ringing."""
        source = call.queue.name
        self._leave_queue(call, CallOutcome.OVERFLOWED, out)
        out.append(CallOverflowed(call.call_id, source, target, reason))
        # Affinity applies in the first queue only; the caller keeps their arrival
        # time, so an overflowed call does not go behind later callers.
        self._enter_queue(call, self._queues[target], out, affinity=False)
