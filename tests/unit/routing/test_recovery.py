"""Callers found in Asterisk after a restart enter the core as they were: waiting ones
keep their place and their wait, connected ones keep their agent (D2, D6, D8)."""

from __future__ import annotations

import pytest

from acd.routing import (
    AgentNotReady,
    AgentState,
    CallEnded,
    CallOverflowed,
    CallQueued,
    CallResumed,
    DuplicateCall,
    QueueSpec,
    Tick,
)
from tests.support.routing import P, agent, login, of_type, offers, router, transitions

S = AgentState
SALES = QueueSpec("sales", "sales", wrapup_time=10.0)


def test_a_caller_found_waiting_keeps_the_wait_and_goes_before_a_later_caller():  # D2
    r = router(SALES, [agent("ann", sales=P)])
    r.handle(CallQueued("new", "sales", at=100.0))
    r.handle(CallQueued("found", "sales", waited=40.0, at=100.5))
    waits = {c.call_id: c.wait for c in r.queue_snapshot("sales").calls}
    assert [c.call_id for c in r.queue_snapshot("sales").calls] == ["found", "new"]
    assert waits["found"] == pytest.approx(40.0)
    assert offers(login(r, "ann", at=101.0)) == [("found", "ann")]


def test_a_caller_found_waiting_past_the_maximum_wait_overflows_at_the_next_tick():  # D9
    spec = QueueSpec("sales", "sales", max_wait=30.0, overflow_to="backup")
    r = router([spec, QueueSpec("backup", "backup")], [agent("ann", sales=P)])
    r.handle(CallQueued("found", "sales", waited=45.0, at=100.0))
    assert r.next_deadline() == pytest.approx(85.0)
    [overflowed] = of_type(r.handle(Tick(at=100.0)), CallOverflowed)
    assert (overflowed.from_queue, overflowed.to_queue) == ("sales", "backup")


def test_a_call_found_connected_puts_its_agent_on_call_and_ends_in_wrap_up():  # D6, D8
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "ann", "bob", at=0.0)
    resumed = r.handle(CallResumed("talking", "sales", "ann", at=1.0))
    assert transitions(resumed) == [("ann", S.READY, S.ON_CALL)]
    assert r.agent("ann").call_id == "talking"
    # Ann is on the call: the next caller goes to Bob.
    assert offers(r.handle(CallQueued("next", "sales", at=2.0))) == [("next", "bob")]
    ended = r.handle(CallEnded("talking", at=3.0))
    assert transitions(ended) == [("ann", S.ON_CALL, S.WRAP_UP)]


def test_a_found_call_is_refused_when_known_or_when_its_agent_holds_another():  # D8
    r = router(SALES, [agent("ann", sales=P)])
    login(r, "ann", at=0.0)
    r.handle(CallResumed("one", "sales", "ann", at=1.0))
    with pytest.raises(DuplicateCall):
        r.handle(CallResumed("one", "sales", "ann", at=1.0))
    with pytest.raises(AgentNotReady):
        r.handle(CallResumed("two", "sales", "ann", at=1.0))
