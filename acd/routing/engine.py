"""The Router: events in, decisions out. No I/O, no clock, no unseeded randomness.

Matching is eager: after every `handle`, no available agent could take a waiting call
its routing step targets (otherwise the call would have been offered). So there are
only two matching moments, each O(log n):

* a call becomes open (queued, returned, widened, released): pick the best available
  agent from the ready-agent heaps of the tiers its step targets, primary first (D3);
* an agent becomes available: take the best call reserved for them (affinity), else the
  best call among the heads of the waiting-call heaps their skills and tiers may serve.

Every handler checks first (raising a `RoutingError`, which changes nothing) and then
acts.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .agents import Agent, Membership, check_transition
from .decisions import (
    AgentStateChanged,
    CallLeftQueue,
    CallOverflowed,
    CancelOffer,
    Decision,
    OfferCall,
)
from .errors import (
    AgentNotReady,
    CallNotConnected,
    CallNotWaiting,
    DuplicateCall,
    IllegalTransition,
    InvalidCommand,
    InvalidPlan,
    NoSuchOffer,
    PlanError,
    UnknownAgent,
    UnknownCall,
    UnknownQueue,
)
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
from .heaps import Slot
from .model import (
    NO_ANSWER,
    AgentSpec,
    AgentState,
    AgentView,
    CallOutcome,
    CallStatus,
    CallView,
    OfferFailure,
    OfferVia,
    QueueSnapshot,
    QueueSpec,
    SkillLevel,
    Strategy,
    skill_level,
    skill_proficiency,
)
from .policy import validate_agents, validate_plan
from .queues import Call, QueueRuntime
from .timers import Timer, TimerKind, Timers

S = AgentState
_Handler = Callable[[Any, list[Decision]], None]


class Router:
    """The routing core. Feed it events with `handle`; perform the decisions it returns;
    after each call, wake up at `next_deadline()` and send `Tick(at=now)`."""

    def __init__(
        self,
        queues: Iterable[QueueSpec],
        agents: Iterable[AgentSpec],
        *,
        case_capacity: int | None = 4,
        rng_seed: int = 0,
    ) -> None:
        queue_specs = list(queues)
        agent_specs = list(agents)
        errors = validate_plan(queue_specs) + validate_agents(agent_specs)
        if case_capacity is not None and case_capacity < 0:
            errors.append(PlanError("bad_number", "must be >= 0", None, "case_capacity"))
        if errors:
            raise InvalidPlan(errors)
        self._rng = random.Random(rng_seed)
        self._queues: dict[str, QueueRuntime] = {q.name: QueueRuntime(q) for q in queue_specs}
        by_skill: dict[str, list[QueueRuntime]] = defaultdict(list)
        for q in self._queues.values():
            by_skill[q.spec.skill].append(q)
        self._agents: dict[str, Agent] = {}
        for order, spec in enumerate(agent_specs):
            capacity = case_capacity if spec.case_capacity is None else spec.case_capacity
            agent = Agent(spec, order, capacity)
            agent.memberships = tuple(
                Membership(q, skill_level(value), skill_proficiency(value))
                for skill, value in spec.skills.items()
                for q in by_skill.get(skill, ())
            )
            self._agents[spec.agent_id] = agent
        self._calls: dict[str, Call] = {}
        self._timers = Timers()
        self._now = -math.inf
        self._seq = 0  # tie-breaker of agent heap entries
        self._call_seq = 0  # arrival order of calls (FIFO)
        self._offer_seq = 0  # round robin
        self._handlers: dict[type, _Handler] = {
            AgentLoggedIn: self._on_agent_logged_in,
            AgentLoggedOut: self._on_agent_logged_out,
            MakeAgentReady: self._on_make_agent_ready,
            AgentPaused: self._on_agent_paused,
            EnterManualCall: self._on_enter_manual_call,
            LeaveManualCall: self._on_leave_manual_call,
            EndWrapUp: self._on_end_wrap_up,
            AgentDeviceBusy: self._on_agent_device_busy,
            AgentDeviceFree: self._on_agent_device_free,
            CallQueued: self._on_call_queued,
            OfferAnswered: self._on_offer_answered,
            OfferFailed: self._on_offer_failed,
            CallAbandoned: self._on_call_abandoned,
            CallEnded: self._on_call_ended,
            TransferCall: self._on_transfer_call,
            AssignCall: self._on_assign_call,
            ForceAgentState: self._on_force_agent_state,
            CaseCountChanged: self._on_case_count_changed,
            ResetDailyCounters: self._on_reset_daily_counters,
            Tick: self._on_tick,
        }

    # ------------------------------------------------------------------ public API

    def handle(self, event: Event) -> list[Decision]:
        """Apply one event; return the decisions it causes, in order.

        Raises a `RoutingError` (with a stable `code`) for a refused command, in which
        case nothing changed. Timers fire only on `Tick`. An event stamped earlier than
        the last one is taken as happening at the last known time.
        """
        handler = self._handlers.get(type(event))
        if handler is None:
            raise InvalidCommand(f"unknown event type {type(event).__name__}")
        previous = self._now
        if event.at > previous and type(event) is not Tick:
            self._now = event.at
        out: list[Decision] = []
        try:
            handler(event, out)
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

    # ------------------------------------------------------------- agent commands

    def _on_agent_logged_in(self, ev: AgentLoggedIn, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is not S.LOGGED_OUT:
            raise IllegalTransition(f"agent {agent.agent_id!r} is already logged in")
        self._move_agent(agent, S.READY, "login", out)

    def _on_agent_logged_out(self, ev: AgentLoggedOut, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is S.LOGGED_OUT:
            return
        check_transition(agent.agent_id, agent.state, S.LOGGED_OUT)
        self._move_agent(agent, S.LOGGED_OUT, "logout", out)

    def _on_make_agent_ready(self, ev: MakeAgentReady, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is S.READY:
            return
        if agent.state is S.LOGGED_OUT:
            raise IllegalTransition(f"agent {agent.agent_id!r} is logged out: log in first")
        check_transition(agent.agent_id, agent.state, S.READY)
        self._move_agent(agent, S.READY, "agent", out)

    def _on_agent_paused(self, ev: AgentPaused, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is S.PAUSED and agent.reason == ev.reason:
            return
        check_transition(agent.agent_id, agent.state, S.PAUSED)
        self._move_agent(agent, S.PAUSED, ev.reason, out)

    def _on_enter_manual_call(self, ev: EnterManualCall, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is S.MANUAL_CALL:
            return
        check_transition(agent.agent_id, agent.state, S.MANUAL_CALL)
        self._move_agent(agent, S.MANUAL_CALL, "manual_call", out)

    def _on_leave_manual_call(self, ev: LeaveManualCall, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is not S.MANUAL_CALL:
            raise IllegalTransition(f"agent {agent.agent_id!r} is not in manual-call mode")
        self._move_agent(agent, S.READY, "manual_call_ended", out)

    def _on_end_wrap_up(self, ev: EndWrapUp, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if agent.state is not S.WRAP_UP:
            raise IllegalTransition(f"agent {agent.agent_id!r} is not in wrap-up")
        self._move_agent(agent, S.READY, "wrap_up_ended", out)

    def _on_agent_device_busy(self, ev: AgentDeviceBusy, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        agent.device_busy = True
        self._refresh(agent, out)

    def _on_agent_device_free(self, ev: AgentDeviceFree, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        agent.device_busy = False
        self._refresh(agent, out)

    def _on_case_count_changed(self, ev: CaseCountChanged, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        if ev.open_cases < 0:
            raise InvalidCommand(f"open_cases must be >= 0, got {ev.open_cases}")
        agent.open_cases = ev.open_cases
        self._refresh(agent, out)

    def _on_force_agent_state(self, ev: ForceAgentState, out: list[Decision]) -> None:
        agent = self._agent(ev.agent_id)
        state = AgentState(ev.state)
        if state is agent.state and (state is not S.PAUSED or agent.reason == ev.reason):
            return
        check_transition(agent.agent_id, agent.state, state, forced=True)
        self._move_agent(agent, state, ev.reason, out)

    def _on_reset_daily_counters(self, ev: ResetDailyCounters, out: list[Decision]) -> None:
        for agent in self._agents.values():
            agent.calls_today = 0
        # Only the fewest-calls key depends on the counter: rebuild those heaps, O(n).
        for q in self._queues.values():
            if q.spec.strategy is Strategy.FEWEST_CALLS:
                for heap in q.agent_heaps.values():
                    heap.entries = [
                        (0, e[-1].item.idle_since, e[2], e[3]) for e in heap.entries if e[-1].live
                    ]
                    heap.compact()

    # -------------------------------------------------------------- call events

    def _on_call_queued(self, ev: CallQueued, out: list[Decision]) -> None:
        if ev.call_id in self._calls:
            raise DuplicateCall(f"call {ev.call_id!r} is already known")
        q = self._queue(ev.queue)
        self._call_seq += 1
        call = Call(
            ev.call_id,
            q,
            ev.priority,
            ev.preferred_agent,
            ev.preferred_reason,
            ev.caller,
            self._now,
            self._call_seq,
        )
        self._calls[call.call_id] = call
        self._enter_queue(call, q, out, affinity=True)

    def _on_offer_answered(self, ev: OfferAnswered, out: list[Decision]) -> None:
        call, agent = self._offer_of(ev.call_id, ev.agent_id)
        self._timers.cancel(call.ring_timer)
        call.ring_timer = None
        call.pending_overflow = None
        self._leave_queue(call, CallOutcome.ANSWERED, out, agent.agent_id)
        call.status = CallStatus.CONNECTED
        agent.calls_today += 1
        self._emit_state(agent, S.ON_CALL, "answered", out)

    def _on_offer_failed(self, ev: OfferFailed, out: list[Decision]) -> None:
        call, agent = self._offer_of(ev.call_id, ev.agent_id)
        self._release_offer(call)
        if ev.reason == OfferFailure.BUSY:
            # Busy with a call we did not place: ready, but not offered until the
            # phone is reported free. Keeps its idle time (it did nothing wrong).
            agent.device_busy = True
            self._emit_state(agent, S.READY, OfferFailure.BUSY.value, out)
        else:
            self._emit_state(agent, S.PAUSED, ev.reason, out)
        self._return_call(call, out)

    def _on_call_abandoned(self, ev: CallAbandoned, out: list[Decision]) -> None:
        call = self._call(ev.call_id)
        self._drop_call(call, out)

    def _on_call_ended(self, ev: CallEnded, out: list[Decision]) -> None:
        call = self._call(ev.call_id)
        self._drop_call(call, out)

    def _on_transfer_call(self, ev: TransferCall, out: list[Decision]) -> None:
        call = self._call(ev.call_id)
        if call.status is not CallStatus.CONNECTED or call.agent is None:
            raise CallNotConnected(f"call {call.call_id!r} is not connected to an agent")
        if (ev.to_agent is None) == (ev.to_queue is None):
            raise InvalidCommand("transfer needs exactly one of to_agent and to_queue")
        from_agent = call.agent
        if ev.to_agent is not None:
            target = self._agent(ev.to_agent)
            if target is from_agent:
                raise InvalidCommand("cannot transfer a call to the agent who holds it")
            if target.state is not S.READY or target.device_busy:
                raise AgentNotReady(f"agent {target.agent_id!r} is {self._busy_word(target)}")
            self._finish_agent_call(call, "transferred", out)
            q = call.queue
            self._join(call, q)
            self._offer(call, target, OfferVia.TRANSFER, out)
        else:
            assert ev.to_queue is not None
            q = self._queue(ev.to_queue)
            self._finish_agent_call(call, "transferred", out)
            # A new wait in the new queue; the priority travels with the call.
            call.first_queued_at = self._now
            call.preferred_agent = None
            self._enter_queue(call, q, out, affinity=False)

    def _on_assign_call(self, ev: AssignCall, out: list[Decision]) -> None:
        call = self._call(ev.call_id)
        agent = self._agent(ev.agent_id)
        if call.status is CallStatus.CONNECTED:
            raise CallNotWaiting(f"call {call.call_id!r} is already connected")
        if call.status is CallStatus.RINGING and call.agent is agent:
            return
        if agent.state is not S.READY or agent.device_busy:
            raise AgentNotReady(f"agent {agent.agent_id!r} is {self._busy_word(agent)}")
        previous = call.agent
        if previous is not None:
            out.append(CancelOffer(call.call_id, previous.agent_id, "reassigned"))
            self._release_offer(call)
            self._emit_state(previous, S.READY, "offer_reassigned", out)
        else:
            self._unqueue(call)
        # Supervisor assignment ignores case capacity (S2).
        self._offer(call, agent, OfferVia.ASSIGNED, out)
        if previous is not None:
            self._refresh(previous, out)

    # ------------------------------------------------------------------- timers

    def _on_tick(self, ev: Tick, out: list[Decision]) -> None:
        timers = self._timers
        while (timer := timers.pop_due(ev.at)) is not None:
            # Each timer acts at its own deadline (accurate stats), never before a
            # time the core has already seen (monotonic timestamps).
            if timer.deadline > self._now:
                self._now = timer.deadline
            self._fire(timer, out)
        if ev.at > self._now:
            self._now = ev.at

    def _fire(self, timer: Timer, out: list[Decision]) -> None:
        kind = timer.kind
        if kind is TimerKind.WRAP_UP:
            agent: Agent = timer.target
            agent.wrap_timer = None
            self._move_agent(agent, S.READY, "wrap_up_timer", out)
            return
        call: Call = timer.target
        if kind is TimerKind.RING:
            call.ring_timer = None
            agent = _require(call.agent)
            out.append(CancelOffer(call.call_id, agent.agent_id, NO_ANSWER))
            self._release_offer(call)
            self._emit_state(agent, S.PAUSED, NO_ANSWER, out)
            self._return_call(call, out)
        elif kind is TimerKind.STEP:
            call.step_timer = None
            self._next_step(call, out)
        elif kind is TimerKind.MAX_WAIT:
            call.max_wait_timer = None
            target = _require(call.queue.spec.overflow_to)
            if call.status is CallStatus.RINGING:
                call.pending_overflow = (target, "max_wait")
            else:
                self._overflow(call, target, "max_wait", out)
        else:  # AFFINITY: stop waiting for the preferred agent
            call.hold_timer = None
            self._unqueue(call)
            self._place(call, out)

    # ------------------------------------------------------------ agent actions

    def _move_agent(
        self, agent: Agent, new: AgentState, reason: str | None, out: list[Decision]
    ) -> None:
        """Move `agent` to `new` with every side effect of leaving its old state.

        Precondition: the transition was checked (or is part of the automatic flow).
        """
        old = agent.state
        ringing: Call | None = None
        if old is S.RINGING:
            ringing = _require(agent.call)
            out.append(CancelOffer(ringing.call_id, agent.agent_id, f"agent_{new.value}"))
            self._release_offer(ringing)
        elif old is S.WRAP_UP:
            self._timers.cancel(agent.wrap_timer)
            agent.wrap_timer = None
        if agent.available_slot is not None:
            self._withdraw(agent)
        self._emit_state(agent, new, reason, out)
        if new is S.READY:
            agent.idle_since = self._now
        elif new is S.LOGGED_OUT:
            # Affinity falls back at once when the preferred agent logs out (S9, P1).
            for entry in agent.held.live_entries():
                held: Call = entry[-1].item
                self._unqueue(held)
                self._place(held, out)
        if ringing is not None:
            self._return_call(ringing, out)
        if new is S.READY:
            self._refresh(agent, out)

    def _emit_state(
        self, agent: Agent, new: AgentState, reason: str | None, out: list[Decision]
    ) -> None:
        old = agent.state
        agent.state = new
        agent.reason = reason
        agent.since = self._now
        out.append(AgentStateChanged(agent.agent_id, old, new, reason, self._now))

    def _refresh(self, agent: Agent, out: list[Decision]) -> None:
        """Make the agent's presence in the ready-agent heaps match `can_take_calls`,
        handing a newly available agent the best call waiting for them."""
        if agent.can_take_calls():
            if agent.available_slot is None:
                self._feed(agent, out)
        elif agent.available_slot is not None:
            self._withdraw(agent)

    def _feed(self, agent: Agent, out: list[Decision]) -> None:
        """Offer the agent the best call for them, or index them as available.

        Precondition: `agent.can_take_calls()` and the agent is not indexed.
        """
        top = agent.held.peek()
        if top is not None:  # affinity first (S9, P1, P5)
            call: Call = top[-1].item
            self._unqueue(call)
            self._offer(call, agent, OfferVia.AFFINITY, out)
            return
        best = None
        for membership in agent.memberships:
            for heap in membership.call_heaps:
                head = heap.peek()
                if head is not None and (best is None or head < best):
                    best = head
        if best is not None:
            call = best[-1].item
            self._unqueue(call)
            self._offer(call, agent, OfferVia.QUEUE, out)
            return
        self._index(agent)

    def _index(self, agent: Agent) -> None:
        slot: Slot[Agent] = Slot(agent)
        agent.available_slot = slot
        for m in agent.memberships:
            strategy = m.queue.spec.strategy
            k1: float
            k2: float
            if strategy is Strategy.LONGEST_IDLE:
                k1, k2 = agent.idle_since, agent.order
            elif strategy is Strategy.FEWEST_CALLS:
                k1, k2 = agent.calls_today, agent.idle_since
            elif strategy is Strategy.ROUND_ROBIN:
                k1, k2 = agent.rr_seq.get(m.queue.name, 0), agent.order
            elif strategy is Strategy.RANDOM:
                k1, k2 = self._rng.random(), 0
            else:  # MOST_SKILLED
                k1, k2 = -m.proficiency, agent.idle_since
            self._seq += 1
            m.queue.agent_heaps[m.tier].push((k1, k2, self._seq, slot))

    def _withdraw(self, agent: Agent) -> None:
        slot = _require(agent.available_slot)
        slot.live = False
        agent.available_slot = None
        for m in agent.memberships:
            m.queue.agent_heaps[m.tier].dropped()

    def _finish_agent_call(self, call: Call, reason: str, out: list[Decision]) -> None:
        """The agent's part of a connected call is over: wrap-up (D6), or ready at once."""
        agent = _require(call.agent)
        agent.call = None
        call.agent = None
        wrapup = call.queue.spec.wrapup_time
        if wrapup > 0:
            self._emit_state(agent, S.WRAP_UP, reason, out)
            agent.wrap_timer = self._timers.start(self._now + wrapup, TimerKind.WRAP_UP, agent)
        else:
            self._emit_state(agent, S.READY, reason, out)
            agent.idle_since = self._now
            self._refresh(agent, out)

    # ------------------------------------------------------------- call actions

    def _enter_queue(
        self, call: Call, q: QueueRuntime, out: list[Decision], *, affinity: bool
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
            self._enter_queue(call, self._queues[spec.overflow_to], out, affinity=affinity)
            return
        self._join(call, q)
        preferred = (
            self._agents.get(call.preferred_agent) if affinity and call.preferred_agent else None
        )
        if preferred is not None and preferred.state is not S.LOGGED_OUT:
            if preferred.available_slot is not None:
                self._offer(call, preferred, OfferVia.AFFINITY, out)
                return
            if spec.affinity_timeout > 0:
                # Busy or paused: keep the call for them a while (S9, P1, P5).
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

    def _join(self, call: Call, q: QueueRuntime) -> None:
        """Make `call` a member of `q` at step 0 with its timers (no matching)."""
        call.queue = q
        q.calls[call.call_id] = call
        call.queue_entered_at = self._now
        call.key = q.call_key(call)
        call.pending_overflow = None
        if q.spec.max_wait is not None:
            call.max_wait_timer = self._timers.start(
                self._now + q.spec.max_wait, TimerKind.MAX_WAIT, call
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

    def _offer(self, call: Call, agent: Agent, via: OfferVia, out: list[Decision]) -> None:
        """Reserve `agent` for `call` and ring them.

        Precondition: the call is in no heap; the agent is READY with no call.
        """
        if agent.available_slot is not None:
            self._withdraw(agent)
        q = call.queue
        self._emit_state(agent, S.RINGING, via.value, out)
        agent.call = call
        call.agent = agent
        call.status = CallStatus.RINGING
        call.via = via
        self._offer_seq += 1
        agent.rr_seq[q.name] = self._offer_seq
        ring = q.spec.ring_timeout
        call.ring_timer = self._timers.start(self._now + ring, TimerKind.RING, call)
        out.append(OfferCall(call.call_id, agent.agent_id, q.name, ring, via))

    def _release_offer(self, call: Call) -> None:
        """Undo the agent/call link of a ringing call (the caller changes the agent's state)."""
        agent = _require(call.agent)
        agent.call = None
        call.agent = None
        self._timers.cancel(call.ring_timer)
        call.ring_timer = None

    def _return_call(self, call: Call, out: list[Decision]) -> None:
        """A ringing call was not answered: back to its place in the queue (it keeps its
        key, so it is served before every later call of the same priority)."""
        pending = call.pending_overflow
        if pending is not None:
            call.pending_overflow = None
            self._overflow(call, pending[0], pending[1], out)
        else:
            self._place(call, out)

    def _unqueue(self, call: Call) -> None:
        """Take the call out of its waiting or held heap, if any."""
        slot = call.slot
        if slot is not None:
            slot.live = False
            _require(call.heap).dropped()
            call.slot = None
            call.heap = None
        if call.hold_timer is not None:
            self._timers.cancel(call.hold_timer)
            call.hold_timer = None

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

    def _drop_call(self, call: Call, out: list[Decision]) -> None:
        """The call is over (caller hung up, or the talk ended)."""
        status = call.status
        if status is CallStatus.CONNECTED:
            del self._calls[call.call_id]
            self._finish_agent_call(call, "call_ended", out)
            return
        agent = call.agent
        if agent is not None:  # ringing
            out.append(CancelOffer(call.call_id, agent.agent_id, "abandoned"))
            self._release_offer(call)
        self._leave_queue(call, CallOutcome.ABANDONED, out)
        del self._calls[call.call_id]
        if agent is not None:
            # Back to ready, keeping its idle time: the caller left, not the agent.
            self._emit_state(agent, S.READY, "caller_abandoned", out)
            self._refresh(agent, out)

    # ------------------------------------------------------------------ lookups

    def _agent(self, agent_id: str) -> Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise UnknownAgent(f"no agent {agent_id!r}")
        return agent

    def _call(self, call_id: str) -> Call:
        call = self._calls.get(call_id)
        if call is None:
            raise UnknownCall(f"no live call {call_id!r}")
        return call

    def _queue(self, name: str) -> QueueRuntime:
        q = self._queues.get(name)
        if q is None:
            raise UnknownQueue(f"no queue {name!r}")
        return q

    def _offer_of(self, call_id: str, agent_id: str) -> tuple[Call, Agent]:
        call = self._call(call_id)
        agent = self._agent(agent_id)
        if call.status is not CallStatus.RINGING or call.agent is not agent:
            raise NoSuchOffer(f"call {call_id!r} is not ringing at agent {agent_id!r}")
        return call, agent

    @staticmethod
    def _busy_word(agent: Agent) -> str:
        if agent.state is S.READY and agent.device_busy:
            return "ready but its phone is busy"
        return f"not ready ({agent.state.value})"


def _by_seq(call: Call) -> int:
    return call.seq


def _by_rank(call: Call) -> tuple[float, int]:
    return (call.key, call.seq)


_T = TypeVar("_T")


def _require(value: _T | None) -> _T:
    # Internal invariant, not a user error: a failure here is a bug in the core.
    assert value is not None
    return value
