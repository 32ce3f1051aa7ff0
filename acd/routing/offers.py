"""Offers: the ready-agent heaps, ringing an agent, and an agent becoming available.

An agent who can take calls is either ringing or indexed in the ready-agent heap of
every tier they belong to, keyed by that queue's strategy. When an agent becomes
available they take the best call reserved for them (affinity), else the best call
among the heads of the waiting-call heaps their skills and tiers may serve.
"""

from __future__ import annotations

from .agents import Agent
from .decisions import Decision, OfferCall
from .heaps import Slot
from .model import AgentState, CallStatus, OfferVia, Strategy
from .queues import Call
from .state import RouterState, require
from .timers import TimerKind

S = AgentState


class Offers(RouterState):
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
        slot = require(agent.available_slot)
        slot.live = False
        agent.available_slot = None
        for m in agent.memberships:
            m.queue.agent_heaps[m.tier].dropped()

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
        agent = require(call.agent)
        agent.call = None
        call.agent = None
        self._timers.cancel(call.ring_timer)
        call.ring_timer = None

    def _unqueue(self, call: Call) -> None:
        """Take the call out of its waiting or held heap, if any."""
        slot = call.slot
        if slot is not None:
            slot.live = False
            require(call.heap).dropped()
            call.slot = None
            call.heap = None
        if call.hold_timer is not None:
            self._timers.cancel(call.hold_timer)
            call.hold_timer = None
