"""Routing plans: steps that widen the target (D3), overflow (D9), validation at load."""

from __future__ import annotations

import pytest

from acd.routing import (
    AgentPaused,
    AgentState,
    CallLeftQueue,
    CallOutcome,
    CallOverflowed,
    CallQueued,
    InvalidPlan,
    OfferFailed,
    QueueSpec,
    Router,
    RoutingStep,
    Tick,
    describe_plan,
    validate_plan,
)
from tests.support.routing import S2, P, agent, login, of_type, offers, router, waiting_ids

S = AgentState


def codes(errors):
    return sorted((e.code, e.queue, e.field) for e in errors)


# ------------------------------------------------------------------ validation


def test_a_queue_with_just_name_and_skill_is_valid():
    assert validate_plan([QueueSpec("sales", "sales")]) == []


def test_overflow_loop_is_detected_and_names_queue_and_field():  # D9
    queues = [
        QueueSpec("a", "x", max_wait=60, overflow_to="b"),
        QueueSpec("b", "x", steps=(RoutingStep((P,), timeout=10), RoutingStep.overflow("c"))),
        QueueSpec("c", "x", max_length=5, overflow_to="a"),
    ]
    errors = validate_plan(queues)
    assert [e.code for e in errors] == ["overflow_loop"]
    assert "a -> b -> c -> a" in errors[0].message
    assert errors[0].queue == "c" and errors[0].field == "overflow_to"


def test_queue_overflowing_to_itself_is_a_loop():  # D9
    errors = validate_plan([QueueSpec("a", "x", max_wait=5, overflow_to="a")])
    assert codes(errors) == [("overflow_loop", "a", "overflow_to")]


def test_every_plan_problem_is_reported_at_once():
    queues = [
        QueueSpec("a", "x", max_wait=60, overflow_to="nowhere", ring_timeout=0),
        QueueSpec(
            "b",
            "x",
            steps=(RoutingStep((P,)), RoutingStep((P, S2)), RoutingStep.overflow("a")),
        ),
        QueueSpec("c", "x", max_length=3),
        QueueSpec("d", "x", steps=(RoutingStep((P,), timeout=30),)),
        QueueSpec("e", "x", steps=(RoutingStep.overflow("a"), RoutingStep((P,)))),
        QueueSpec("a", "y"),
    ]
    assert codes(validate_plan(queues)) == [
        ("bad_number", "a", "ring_timeout"),
        ("duplicate_queue", "a", "name"),
        ("no_overflow_target", "c", "overflow_to"),
        ("step_leads_nowhere", "d", "steps[0].timeout"),
        ("unknown_queue", "a", "overflow_to"),
        ("unreachable_step", "b", "steps[1]"),
        ("unreachable_step", "e", "steps[1]"),
    ]


def test_router_refuses_an_invalid_plan_with_every_error():
    with pytest.raises(InvalidPlan) as err:
        Router([QueueSpec("a", "x", max_wait=5, overflow_to="zz")], [agent("x", x=500)])
    assert err.value.code == "invalid_plan"
    assert {e.code for e in err.value.errors} == {"unknown_queue", "bad_proficiency"}
    assert "zz" in str(err.value)


def test_describe_plan_reads_like_the_policy():
    q = QueueSpec(
        "sales",
        "sales",
        steps=(
            RoutingStep((P,), timeout=30, skip_if_no_agent=True),
            RoutingStep((P, S2), timeout=90),
            RoutingStep.overflow("backup"),
        ),
    )
    text = describe_plan(q)
    assert (
        "1. offer to primary-skill agents; next step at once when none is ready or after 30 s"
        in text
    )
    assert "2. offer to primary-skill + secondary-skill agents; next step after 90 s" in text
    assert "3. overflow to queue 'backup'" in text


# ------------------------------------------------------------------------ steps

PRIMARY_THEN_WIDEN = (RoutingStep((P,), timeout=30.0), RoutingStep((P, S2)))


def test_secondary_agents_are_added_after_the_step_timeout():  # D3
    r = router(QueueSpec("sales", "sales", steps=PRIMARY_THEN_WIDEN), [agent("sec", sales=S2)])
    login(r, "sec")
    assert r.handle(CallQueued("c1", "sales", at=0.0)) == []
    assert r.next_deadline() == 30.0
    assert offers(r.handle(Tick(at=30.0))) == [("c1", "sec")]


def test_default_plan_widens_at_once_when_no_primary_agent_is_ready():  # D3
    r = router(QueueSpec("sales", "sales"), [agent("pri", sales=P), agent("sec", sales=S2)])
    login(r, "pri", "sec")
    r.handle(AgentPaused("pri", "x", at=0.5))
    assert offers(r.handle(CallQueued("c1", "sales", at=1.0))) == [("c1", "sec")]


def test_default_plan_keeps_a_call_for_primary_agents_while_one_is_ready():  # D3
    r = router(QueueSpec("sales", "sales"), [agent("pri", sales=P), agent("sec", sales=S2)])
    login(r, "sec", at=0.0)
    login(r, "pri", at=1.0)
    assert offers(r.handle(CallQueued("c1", "sales", at=2.0))) == [("c1", "pri")]


def test_caller_keeps_their_position_as_the_target_widens():  # D3
    r = router(
        QueueSpec("sales", "sales", steps=PRIMARY_THEN_WIDEN),
        [agent("pri", sales=P), agent("sec", sales=S2)],
    )
    r.handle(CallQueued("c1", "sales", at=0.0))
    r.handle(CallQueued("c2", "sales", at=40.0))  # c1 already widened at 30 s
    r.handle(Tick(at=40.0))
    assert [c.step for c in r.queue_snapshot("sales").calls] == [1, 0]
    assert waiting_ids(r, "sales") == ["c1", "c2"]
    assert offers(login(r, "pri", at=41.0)) == [("c1", "pri")]


def test_step_timeout_while_ringing_applies_when_the_call_comes_back():  # D3
    r = router(
        QueueSpec("sales", "sales", steps=PRIMARY_THEN_WIDEN, ring_timeout=100),
        [agent("pri", sales=P), agent("sec", sales=S2)],
    )
    login(r, "pri", "sec")
    r.handle(CallQueued("c1", "sales", at=0.0))
    r.handle(Tick(at=31.0))
    out = r.handle(OfferFailed("c1", "pri", "rejected", at=32.0))
    assert offers(out) == [("c1", "sec")]


# --------------------------------------------------------------------- overflow


BACKUP = QueueSpec("backup", "backup")


def test_call_overflows_after_max_wait():  # D9
    q = QueueSpec("sales", "sales", max_wait=120.0, overflow_to="backup")
    r = router([q, BACKUP], [agent("bk", backup=P)])
    r.handle(CallQueued("c1", "sales", at=0.0))
    login(r, "bk", at=1.0)
    out = r.handle(Tick(at=120.0))
    assert of_type(out, CallLeftQueue) == [
        CallLeftQueue("c1", "sales", CallOutcome.OVERFLOWED, 120.0)
    ]
    assert of_type(out, CallOverflowed) == [CallOverflowed("c1", "sales", "backup", "max_wait")]
    assert offers(out) == [("c1", "bk")]


def test_call_overflows_on_arrival_when_the_queue_is_full():  # D9
    q = QueueSpec("sales", "sales", max_length=2, overflow_to="backup")
    r = router([q, BACKUP], [])
    for i in range(3):
        out = r.handle(CallQueued(f"c{i}", "sales", at=float(i)))
    assert of_type(out, CallOverflowed) == [CallOverflowed("c2", "sales", "backup", "max_length")]
    assert waiting_ids(r, "sales") == ["c0", "c1"] and waiting_ids(r, "backup") == ["c2"]


def test_overflow_step_sends_the_call_to_the_backup_queue():  # D9
    steps = (
        RoutingStep((P,), timeout=30),
        RoutingStep((P, S2), timeout=90),
        RoutingStep.overflow("backup"),
    )
    r = router([QueueSpec("sales", "sales", steps=steps), BACKUP], [])
    r.handle(CallQueued("c1", "sales", at=0.0))
    assert of_type(r.handle(Tick(at=119.0)), CallOverflowed) == []
    out = r.handle(Tick(at=120.0))
    assert of_type(out, CallOverflowed) == [CallOverflowed("c1", "sales", "backup", "step")]


def test_an_overflow_falling_due_while_ringing_waits_for_the_offer_outcome():  # D9
    q = QueueSpec("sales", "sales", max_wait=10.0, overflow_to="backup", ring_timeout=20)
    r = router([q, BACKUP], [agent("ann", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=0.0))
    assert of_type(r.handle(Tick(at=10.0)), CallOverflowed) == []  # still ringing ann
    out = r.handle(OfferFailed("c1", "ann", "rejected", at=12.0))
    assert of_type(out, CallOverflowed) == [CallOverflowed("c1", "sales", "backup", "max_wait")]


def test_overflowed_call_keeps_its_arrival_time_in_the_backup_queue():  # D9
    q = QueueSpec("sales", "sales", max_wait=60.0, overflow_to="backup")
    r = router([q, BACKUP], [])
    r.handle(CallQueued("early", "sales", at=0.0))
    r.handle(CallQueued("local", "backup", at=30.0))
    r.handle(Tick(at=60.0))
    assert waiting_ids(r, "backup") == ["early", "local"]
    assert r.call("early").wait == 0.0 and r.call("early").first_queued_at == 0.0


def test_chained_overflow_ends_in_the_last_queue():  # D9
    a = QueueSpec("a", "x", max_length=1, overflow_to="b")
    b = QueueSpec("b", "x", max_length=1, overflow_to="c")
    c = QueueSpec("c", "x", max_length=1)
    with pytest.raises(InvalidPlan):  # max_length with no target is refused
        router([a, b, c], [])
    c = QueueSpec("c", "x")
    r = router([a, b, c], [])
    for i in range(4):
        r.handle(CallQueued(f"c{i}", "a", at=float(i)))
    assert [waiting_ids(r, n) for n in "abc"] == [["c0"], ["c1"], ["c2", "c3"]]


def test_next_deadline_is_the_earliest_pending_timer():
    q = QueueSpec("sales", "sales", max_wait=50.0, overflow_to="backup")
    r = router([q, BACKUP], [])
    assert r.next_deadline() is None
    r.handle(CallQueued("c1", "sales", at=0.0))  # step 0 skips at once: only max_wait
    assert r.next_deadline() == 50.0
    r.handle(CallQueued("c2", "sales", at=10.0))
    assert r.next_deadline() == 50.0
    r.handle(Tick(at=50.0))
    assert r.next_deadline() == 60.0
