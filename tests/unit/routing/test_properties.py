"""Property-based tests: invariants of the core over random event sequences.

Each example builds a small random configuration (strategies, steps, overflow,
affinity, wrap-up) and drives the router with random commands and facts, legal or not,
advancing time one timer deadline at a time. After every `handle` it checks:

* a call is only offered to a READY agent (and, automatically, only to an available
  one: phone free, below case capacity — S2);
* an agent never holds two offers, a ringing call is ringing at exactly one agent;
* no call is lost or duplicated: the live calls are exactly those queued and not yet
  ended, each in one place;
* matching is eager: no available agent is left idle beside a waiting call its step
  targets, nor beside a call held for them (S9);
* FIFO within a priority (more precisely: by rank, priority with aging) holds;
* primary-skill agents are offered before secondary-skill agents (D3);
* AgentStateChanged is emitted for every transition, with non-decreasing timestamps (D8);
* a refused command changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acd.routing import (
    AgentDeviceBusy,
    AgentDeviceFree,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentSpec,
    AgentState,
    AgentStateChanged,
    AssignCall,
    CallAbandoned,
    CallEnded,
    CallLeftQueue,
    CallQueued,
    CallStatus,
    CaseCountChanged,
    EndWrapUp,
    EnterManualCall,
    ForceAgentState,
    LeaveManualCall,
    MakeAgentReady,
    OfferAnswered,
    OfferCall,
    OfferFailed,
    OfferVia,
    QueueSpec,
    Router,
    RoutingError,
    RoutingStep,
    SkillLevel,
    Strategy,
    Tick,
    TransferCall,
)
from acd.routing.model import skill_level

P, S2 = SkillLevel.PRIMARY, SkillLevel.SECONDARY
AGENTS = ("a0", "a1", "a2", "a3", "a4")
AGENT_OPS = {"login", "logout", "ready", "pause", "manual", "unmanual", "endwrap", "busy", "free"}
AGENT_OPS |= {"cases", "force"}


@st.composite
def configs(draw: st.DrawFn) -> tuple[list[QueueSpec], list[AgentSpec], int]:
    def common() -> dict[str, object]:
        return {
            "strategy": draw(st.sampled_from(list(Strategy))),
            "ring_timeout": draw(st.sampled_from([5.0, 15.0])),
            "wrapup_time": draw(st.sampled_from([0.0, 10.0])),
            "affinity_timeout": draw(st.sampled_from([0.0, 20.0])),
            "aging_interval": draw(st.sampled_from([10.0, 60.0])),
        }

    qa = QueueSpec(
        "qa",
        "a",
        max_wait=draw(st.sampled_from([None, 40.0])),
        max_length=draw(st.sampled_from([None, 3])),
        overflow_to="backup",
        **common(),  # type: ignore[arg-type]
    )
    qb_steps = draw(
        st.sampled_from(
            [
                None,
                (RoutingStep((P,), timeout=20.0), RoutingStep((P, S2))),
                (
                    RoutingStep((P,), timeout=20.0, skip_if_no_agent=True),
                    RoutingStep((P, S2), timeout=30.0),
                    RoutingStep.overflow("backup"),
                ),
            ]
        )
    )
    qb = QueueSpec("qb", "b", **common())  # type: ignore[arg-type]
    if qb_steps is not None:
        qb = QueueSpec("qb", "b", steps=qb_steps, **common())  # type: ignore[arg-type]
    backup = QueueSpec("backup", "a", **common())  # type: ignore[arg-type]
    levels = st.sampled_from([None, P, S2, 30, 90])
    agents = []
    for a in AGENTS:
        skills = {s: lv for s in ("a", "b") if (lv := draw(levels)) is not None}
        agents.append(AgentSpec(a, a, skills))
    capacity = draw(st.sampled_from([1, 4]))
    return [qa, qb, backup], agents, capacity


agent_ix = st.integers(0, len(AGENTS) - 1)
call_ix = st.integers(0, 40)
ops = st.one_of(
    st.tuples(st.just("login"), agent_ix),
    st.tuples(st.just("logout"), agent_ix),
    st.tuples(st.just("ready"), agent_ix),
    st.tuples(st.just("pause"), agent_ix, st.sampled_from(["lunch", "brief"])),
    st.tuples(st.just("manual"), agent_ix),
    st.tuples(st.just("unmanual"), agent_ix),
    st.tuples(st.just("endwrap"), agent_ix),
    st.tuples(st.just("busy"), agent_ix),
    st.tuples(st.just("free"), agent_ix),
    st.tuples(st.just("cases"), agent_ix, st.integers(0, 5)),
    st.tuples(
        st.just("force"),
        agent_ix,
        st.sampled_from([AgentState.READY, AgentState.PAUSED, AgentState.LOGGED_OUT]),
    ),
    st.tuples(
        st.just("queue"),
        st.sampled_from(["qa", "qb", "backup"]),
        st.integers(0, 2),
        st.one_of(st.none(), agent_ix),
    ),
    st.tuples(st.just("answer"), call_ix),
    st.tuples(st.just("answer_wrong"), call_ix, agent_ix),
    st.tuples(st.just("fail"), call_ix, st.sampled_from(["busy", "rejected"])),
    st.tuples(st.just("abandon"), call_ix),
    st.tuples(st.just("end"), call_ix),
    st.tuples(st.just("transfer_q"), call_ix, st.sampled_from(["qa", "qb"])),
    st.tuples(st.just("transfer_a"), call_ix, agent_ix),
    st.tuples(st.just("assign"), call_ix, agent_ix),
)
# The common flow (calls queued, answered, ended; agents back to ready) more often than
# the rest, so that examples get far enough to exercise queues and timers.
flow = st.one_of(
    st.tuples(
        st.just("queue"),
        st.sampled_from(["qa", "qb", "backup"]),
        st.integers(0, 2),
        st.one_of(st.none(), st.none(), agent_ix),
    ),
    st.tuples(st.just("answer"), call_ix),
    st.tuples(st.just("answer"), call_ix),
    st.tuples(st.just("end"), call_ix),
    st.tuples(st.just("ready"), agent_ix),
    st.tuples(st.just("endwrap"), agent_ix),
)
steps = st.lists(
    st.tuples(st.sampled_from([0.0, 0.0, 1.0, 3.0, 12.0, 25.0]), st.one_of(flow, flow, ops)),
    min_size=30,
    max_size=100,
)


@dataclass
class Checker:
    """Drives a router and checks the invariants after every `handle`."""

    router: Router
    queues: dict[str, QueueSpec]
    specs: dict[str, AgentSpec]
    shadow: dict[str, AgentState] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)
    last_at: float = float("-inf")
    next_call: int = 0

    def tier(self, agent_id: str, queue: str) -> SkillLevel | None:
        value = self.specs[agent_id].skills.get(self.queues[queue].skill)
        return None if value is None else skill_level(value)

    def eligible(self, agent_id: str, call_queue: str, step: int) -> bool:
        tier = self.tier(agent_id, call_queue)
        return tier is not None and tier in self.queues[call_queue].steps[step].tiers

    def send(self, event: object) -> None:
        r = self.router
        before_agents = {a.agent_id: a for a in r.agents()}
        before_calls = {c.call_id: c for c in r.calls()}
        before_deadline = r.next_deadline()
        try:
            out = r.handle(event)  # type: ignore[arg-type]
        except RoutingError as err:
            assert err.code and err.message
            # Refused: nothing changed.
            assert {a.agent_id: a for a in r.agents()} == before_agents
            assert {c.call_id: c for c in r.calls()} == before_calls
            assert r.next_deadline() == before_deadline
            return
        if isinstance(event, CallQueued):
            self.live.add(event.call_id)
        after_agents = {a.agent_id: a for a in r.agents()}
        after_calls = {c.call_id: c for c in r.calls()}
        changed = {d.agent_id for d in out if isinstance(d, AgentStateChanged)}
        last_change: dict[str, AgentStateChanged] = {}
        for d in out:
            if isinstance(d, AgentStateChanged):
                assert d.old == self.shadow.get(d.agent_id, AgentState.LOGGED_OUT)
                assert d.at >= self.last_at  # D8: timestamps never go back
                self.last_at = d.at
                self.shadow[d.agent_id] = d.new
                last_change[d.agent_id] = d
            elif isinstance(d, OfferCall):
                # Offered only to a READY agent, just reserved for this offer.
                change = last_change[d.agent_id]
                assert (change.old, change.new) == (AgentState.READY, AgentState.RINGING)
                view = after_agents[d.agent_id]
                if d.via in (OfferVia.QUEUE, OfferVia.AFFINITY):
                    assert view.open_cases < view.case_capacity  # S2
                    assert not view.device_busy
                if d.via is OfferVia.QUEUE:
                    self.check_order(
                        d, before_agents, after_agents, before_calls, after_calls, changed
                    )
            elif isinstance(d, CallLeftQueue):
                assert d.wait >= 0
        for call_id in (e.call_id for e in [event] if isinstance(e, CallAbandoned | CallEnded)):
            self.live.discard(call_id)
        # Every transition was emitted.
        for a in after_agents.values():
            assert a.state == self.shadow.get(a.agent_id, AgentState.LOGGED_OUT)
        self.check_state(after_agents, after_calls)

    def check_order(self, offer, before_agents, after_agents, before_calls, after_calls, changed):
        agent_id = offer.agent_id
        mine = after_calls[offer.call_id]
        for other in before_calls.values():
            now = after_calls.get(other.call_id)
            if now is None or other.call_id == offer.call_id:
                continue
            if other.status is CallStatus.HELD and now.status is CallStatus.HELD:
                # Affinity first: a queue call is never taken over a call held for me.
                assert other.preferred_agent != agent_id or other.queue != now.queue
            if (
                other.status is CallStatus.WAITING
                and now.status is CallStatus.WAITING
                and other.queue == now.queue
                and self.eligible(agent_id, other.queue, other.step)
            ):
                # FIFO within a priority, by rank (priority with aging).
                assert mine.rank <= other.rank, (offer, other)
        # D3: a secondary agent only when no primary agent of the queue was available.
        if self.tier(agent_id, offer.queue) is SkillLevel.SECONDARY:
            for b, view in before_agents.items():
                if (
                    view.available
                    and after_agents[b].available
                    and b not in changed
                    and self.tier(b, offer.queue) is SkillLevel.PRIMARY
                ):
                    raise AssertionError(f"{offer} while primary {b} was ready")

    def check_state(self, agents, calls) -> None:
        # No call lost or duplicated.
        assert set(calls) == self.live
        in_queues: list[str] = []
        for q in self.queues:
            in_queues += [c.call_id for c in self.router.queue_snapshot(q).calls]
        assert len(in_queues) == len(set(in_queues))
        assert set(in_queues) == {
            c for c, v in calls.items() if v.status is not CallStatus.CONNECTED
        }
        # One offer per agent, one agent per ringing call; connected calls likewise.
        for c in calls.values():
            if c.status in (CallStatus.RINGING, CallStatus.CONNECTED):
                assert c.agent_id is not None
                holder = agents[c.agent_id]
                assert holder.call_id == c.call_id
                expected = (
                    AgentState.RINGING if c.status is CallStatus.RINGING else AgentState.ON_CALL
                )
                assert holder.state is expected
            else:
                assert c.agent_id is None
        for a in agents.values():
            if a.state in (AgentState.RINGING, AgentState.ON_CALL):
                assert a.call_id is not None and calls[a.call_id].agent_id == a.agent_id
            else:
                assert a.call_id is None
            should = (
                a.state is AgentState.READY and not a.device_busy and a.open_cases < a.case_capacity
            )
            assert a.available == should
        # Eager matching: nobody available beside a call they could take.
        for a in agents.values():
            if not a.available:
                continue
            for c in calls.values():
                if c.status is CallStatus.WAITING:
                    assert not self.eligible(a.agent_id, c.queue, c.step), (a, c)
                if c.status is CallStatus.HELD:
                    assert c.preferred_agent != a.agent_id, (a, c)

    def advance(self, dt: float) -> float:
        target = max(self.router.now, 0.0) + dt
        while (deadline := self.router.next_deadline()) is not None and deadline <= target:
            self.send(Tick(at=deadline))
        return target

    def pick(self, index: int, *statuses: CallStatus) -> str:
        """A live call, preferably in one of `statuses` (or an unknown id if none)."""
        calls = self.router.calls()
        ids = [c.call_id for c in calls if c.status in statuses] or [c.call_id for c in calls]
        return ids[index % len(ids)] if ids else "nope"


def run(
    config: tuple[list[QueueSpec], list[AgentSpec], int], script, seed: int, logged_in: int
) -> None:
    queues, agents, capacity = config
    router = Router(queues, agents, case_capacity=capacity, rng_seed=seed)
    ck = Checker(router, {q.name: q for q in queues}, {a.agent_id: a for a in agents})
    for name in AGENTS[:logged_in]:
        ck.send(AgentLoggedIn(name, at=0.0))
    for dt, op in script:
        at = ck.advance(dt)
        kind, *args = op
        name = AGENTS[args[0]] if kind in AGENT_OPS else ""
        event: object
        if kind == "login":
            event = AgentLoggedIn(name, at=at)
        elif kind == "logout":
            event = AgentLoggedOut(name, at=at)
        elif kind == "ready":
            event = MakeAgentReady(name, at=at)
        elif kind == "pause":
            event = AgentPaused(name, args[1], at=at)
        elif kind == "manual":
            event = EnterManualCall(name, at=at)
        elif kind == "unmanual":
            event = LeaveManualCall(name, at=at)
        elif kind == "endwrap":
            event = EndWrapUp(name, at=at)
        elif kind == "busy":
            event = AgentDeviceBusy(name, at=at)
        elif kind == "free":
            event = AgentDeviceFree(name, at=at)
        elif kind == "cases":
            event = CaseCountChanged(name, args[1], at=at)
        elif kind == "force":
            event = ForceAgentState(name, args[1], at=at)
        elif kind == "queue":
            ck.next_call += 1
            preferred = None if args[2] is None else AGENTS[args[2]]
            event = CallQueued(
                f"c{ck.next_call}", args[0], priority=args[1], preferred_agent=preferred, at=at
            )
        else:
            wanted = {
                "answer": (CallStatus.RINGING,),
                "fail": (CallStatus.RINGING,),
                "end": (CallStatus.CONNECTED,),
                "transfer_q": (CallStatus.CONNECTED,),
                "transfer_a": (CallStatus.CONNECTED,),
                "assign": (CallStatus.WAITING, CallStatus.HELD),
            }.get(kind, ())
            call_id = ck.pick(args[0], *wanted)
            view = next((c for c in router.calls() if c.call_id == call_id), None)
            holder = view.agent_id if view and view.agent_id else "a0"
            if kind == "answer":
                event = OfferAnswered(call_id, holder, at=at)
            elif kind == "answer_wrong":
                event = OfferAnswered(call_id, AGENTS[args[1]], at=at)
            elif kind == "fail":
                event = OfferFailed(call_id, holder, args[1], at=at)
            elif kind == "abandon":
                event = CallAbandoned(call_id, at=at)
            elif kind == "end":
                event = CallEnded(call_id, at=at)
            elif kind == "transfer_q":
                event = TransferCall(call_id, to_queue=args[1], at=at)
            elif kind == "transfer_a":
                event = TransferCall(call_id, to_agent=AGENTS[args[1]], at=at)
            else:
                event = AssignCall(call_id, AGENTS[args[1]], at=at)
        ck.send(event)
    ck.advance(500.0)  # let every timer fire: still consistent


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=configs(),
    script=steps,
    seed=st.integers(0, 3),
    logged_in=st.integers(0, len(AGENTS)),
)
def test_routing_invariants_hold_over_random_event_sequences(config, script, seed, logged_in):
    # D2 D3 D6 D8 D9 S2 S6 S9 P1
    run(config, script, seed, logged_in)
