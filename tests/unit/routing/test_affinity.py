"""Affinity: the call's preferred agent (S9 last agent, P1 opportunity owner, P5 follow-up
author, Q3 smart-then-fallback)."""

from __future__ import annotations

from acd.routing import (
    AgentLoggedOut,
    AgentPaused,
    AgentState,
    CallEnded,
    CallQueued,
    CallStatus,
    EndWrapUp,
    MakeAgentReady,
    OfferAnswered,
    OfferVia,
    QueueSpec,
    Tick,
)
from tests.support.routing import P, agent, cancels, login, offers, router, waiting_ids

S = AgentState
SALES = QueueSpec("sales", "sales", affinity_timeout=20.0, ring_timeout=10.0)


def three():
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P), agent("cat", sales=P)])
    return r


def busy(r, agent_id, call_id, at):
    """Put `agent_id` on a call (they must be the only available agent)."""
    r.handle(CallQueued(call_id, "sales", preferred_agent=agent_id, at=at))
    r.handle(OfferAnswered(call_id, agent_id, at=at))


def test_ready_preferred_agent_gets_the_call_even_if_another_idles_longer():  # S9
    r = three()
    login(r, "bob", at=0.0)
    login(r, "ann", at=5.0)
    out = r.handle(
        CallQueued("c1", "sales", preferred_agent="ann", preferred_reason="last_agent", at=6.0)
    )
    assert offers(out) == [("c1", "ann")]
    assert out[-1].via is OfferVia.AFFINITY


def test_call_waits_for_a_busy_preferred_agent_and_is_offered_when_they_are_ready():  # S9 P5
    r = three()
    login(r, "ann")
    busy(r, "ann", "c0", at=1.0)
    login(r, "bob", at=2.0)
    out = r.handle(CallQueued("c1", "sales", preferred_agent="ann", at=3.0))
    assert offers(out) == []  # bob is ready but the call is kept for ann
    assert r.call("c1").status is CallStatus.HELD
    r.handle(CallEnded("c0", at=5.0))
    out = r.handle(EndWrapUp("ann", at=6.0))
    assert offers(out) == [("c1", "ann")]


def test_held_call_falls_back_to_the_pool_after_the_affinity_timeout():  # S9
    r = three()
    login(r, "ann")
    r.handle(AgentPaused("ann", "lunch", at=1.0))
    login(r, "bob", at=2.0)
    r.handle(
        CallQueued("c1", "sales", preferred_agent="ann", preferred_reason="last_agent", at=3.0)
    )
    assert r.next_deadline() == 23.0
    assert offers(r.handle(Tick(at=22.9))) == []
    out = r.handle(Tick(at=23.0))
    assert offers(out) == [("c1", "bob")] and out[-1].via is OfferVia.QUEUE


def test_a_busy_or_paused_owner_or_follow_up_author_is_not_waited_for():  # P1 P5
    for reason in ("owner", "follow_up"):
        r = three()
        login(r, "ann")
        r.handle(AgentPaused("ann", "lunch", at=1.0))
        login(r, "bob", at=2.0)
        out = r.handle(
            CallQueued("c1", "sales", preferred_agent="ann", preferred_reason=reason, at=3.0)
        )
        assert offers(out) == [("c1", "bob")] and out[-1].via is OfferVia.QUEUE, reason
        login(r, "cat", at=4.0)
        busy(r, "cat", "c2", at=5.0)
        out = r.handle(
            CallQueued("c3", "sales", preferred_agent="cat", preferred_reason=reason, at=6.0)
        )
        assert offers(out) == [] and r.call("c3").status is CallStatus.WAITING, reason


def test_logged_out_preferred_agent_falls_back_at_once():  # P1 P5
    r = three()
    login(r, "bob")
    out = r.handle(CallQueued("c1", "sales", preferred_agent="ann", at=1.0))
    assert offers(out) == [("c1", "bob")]


def test_unknown_preferred_agent_falls_back_at_once():  # Q3
    r = three()
    login(r, "bob")
    assert offers(r.handle(CallQueued("c1", "sales", preferred_agent="zed", at=1.0))) == [
        ("c1", "bob")
    ]


def test_affinity_timeout_zero_disables_waiting():  # S9
    q = QueueSpec("sales", "sales", affinity_timeout=0)
    r = router(q, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "ann", "bob")
    r.handle(AgentPaused("ann", "x", at=1.0))
    assert offers(r.handle(CallQueued("c1", "sales", preferred_agent="ann", at=2.0))) == [
        ("c1", "bob")
    ]


def test_preferred_agent_logging_out_releases_the_held_calls_at_once():  # P1
    r = three()
    login(r, "ann")
    r.handle(AgentPaused("ann", "x", at=1.0))
    r.handle(CallQueued("c1", "sales", preferred_agent="ann", at=2.0))
    r.handle(CallQueued("c2", "sales", preferred_agent="ann", at=3.0))
    assert waiting_ids(r, "sales") == ["c1", "c2"]
    r.handle(AgentLoggedOut("ann", at=4.0))
    assert [c.status for c in r.queue_snapshot("sales").calls] == [CallStatus.WAITING] * 2
    assert offers(login(r, "bob", at=5.0)) == [("c1", "bob")]
    assert r.next_deadline() == 15.0  # only bob's ring timeout: the hold timers are gone


def test_preferred_agent_gets_their_held_calls_before_older_queue_calls():  # P5
    r = three()
    login(r, "ann")
    r.handle(AgentPaused("ann", "x", at=0.0))
    r.handle(CallQueued("old", "sales", at=1.0))  # nobody ready: waits in the pool
    r.handle(CallQueued("mine", "sales", preferred_agent="ann", at=2.0))
    assert offers(r.handle(MakeAgentReady("ann", at=3.0))) == [("mine", "ann")]


def test_unanswered_affinity_offer_goes_to_the_pool_not_back_to_waiting():  # S9
    r = three()
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", preferred_agent="ann", at=1.0))
    login(r, "bob", at=2.0)
    out = r.handle(Tick(at=11.0))  # ann lets it ring out
    assert cancels(out) == [("c1", "ann", "no_answer")]
    assert offers(out) == [("c1", "bob")]


def test_preferred_agent_without_the_queue_skill_still_gets_the_call():  # P1
    r = router(SALES, [agent("owner", cars=P), agent("bob", sales=P)])
    login(r, "bob", at=0.0)
    login(r, "owner", at=1.0)
    out = r.handle(
        CallQueued("c1", "sales", preferred_agent="owner", preferred_reason="owner", at=2.0)
    )
    assert offers(out) == [("c1", "owner")]


def test_held_calls_count_in_the_queue_and_keep_their_rank():  # S9
    r = three()
    login(r, "ann")
    r.handle(AgentPaused("ann", "x", at=0.0))
    r.handle(CallQueued("c1", "sales", preferred_agent="ann", at=1.0))
    r.handle(CallQueued("c2", "sales", at=2.0))
    snap = r.queue_snapshot("sales")
    assert [(c.call_id, c.status) for c in snap.calls] == [
        ("c1", CallStatus.HELD),
        ("c2", CallStatus.WAITING),
    ]
