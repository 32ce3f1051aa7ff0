"""Offering calls to agents: D2 (automatic distribution), D3 (primary before secondary),
strategies, priorities with aging, ring-no-answer, S2 (case capacity), supervisor tools."""

from __future__ import annotations

import pytest

from acd.routing import (
    AgentNotReady,
    AgentPaused,
    AgentState,
    AssignCall,
    CallAbandoned,
    CallEnded,
    CallLeftQueue,
    CallNotConnected,
    CallOutcome,
    CallQueued,
    CaseCountChanged,
    DuplicateCall,
    EndWrapUp,
    MakeAgentReady,
    NoSuchOffer,
    OfferAnswered,
    OfferFailed,
    OfferVia,
    QueueSpec,
    ResetDailyCounters,
    RoutingStep,
    Strategy,
    Tick,
    TransferCall,
    UnknownQueue,
)
from tests.support.routing import (
    S2,
    P,
    agent,
    cancels,
    login,
    of_type,
    offers,
    router,
    transitions,
    waiting_ids,
)

S = AgentState
SALES = QueueSpec("sales", "sales")


def answer_and_end(r, call_id, agent_id, at):
    r.handle(OfferAnswered(call_id, agent_id, at=at))
    r.handle(CallEnded(call_id, at=at))
    if r.agent(agent_id).state is S.WRAP_UP:
        r.handle(EndWrapUp(agent_id, at=at))


def test_queued_call_is_offered_to_a_ready_agent_holding_the_skill():  # D2
    r = router(SALES, [agent("ann", support=P), agent("bob", sales=P)])
    login(r, "ann", "bob")
    out = r.handle(CallQueued("c1", "sales", at=1.0))
    assert offers(out) == [("c1", "bob")]
    assert out[-1].queue == "sales" and out[-1].ring_timeout == 15.0


def test_call_waits_until_an_agent_becomes_ready():  # D2
    r = router(SALES, [agent("ann", sales=P)])
    assert r.handle(CallQueued("c1", "sales", at=1.0)) == []
    assert waiting_ids(r, "sales") == ["c1"]
    assert offers(login(r, "ann", at=2.0)) == [("c1", "ann")]


def test_answer_records_the_wait_and_counts_the_call():  # D2
    r = router(SALES, [agent("ann", sales=P)])
    r.handle(CallQueued("c1", "sales", at=1.0))
    login(r, "ann", at=4.0)
    out = r.handle(OfferAnswered("c1", "ann", at=6.0))
    assert of_type(out, CallLeftQueue) == [
        CallLeftQueue("c1", "sales", CallOutcome.ANSWERED, 5.0, "ann")
    ]
    assert r.agent("ann").calls_today == 1 and r.agent("ann").state is S.ON_CALL
    assert waiting_ids(r, "sales") == []


def test_primary_agent_is_chosen_over_a_longer_idle_secondary_agent():  # D3
    r = router(SALES, [agent("sec", sales=S2), agent("pri", sales=P)])
    login(r, "sec", at=0.0)
    login(r, "pri", at=5.0)
    assert offers(r.handle(CallQueued("c1", "sales", at=6.0))) == [("c1", "pri")]


def test_call_goes_to_secondary_skill_only_when_no_primary_is_ready():  # D3
    r = router(SALES, [agent("pri", sales=P), agent("sec", sales=S2)])
    login(r, "pri", "sec")
    r.handle(AgentPaused("pri", "break", at=1.0))
    assert offers(r.handle(CallQueued("c1", "sales", at=2.0))) == [("c1", "sec")]


def test_newly_ready_primary_agent_takes_the_waiting_call_not_the_secondary():  # D3
    steps = (RoutingStep((P,), timeout=30.0), RoutingStep((P, S2)))
    r = router(
        QueueSpec("sales", "sales", steps=steps), [agent("pri", sales=P), agent("sec", sales=S2)]
    )
    login(r, "sec")
    assert r.handle(CallQueued("c1", "sales", at=1.0)) == []  # primary step: sec not asked
    assert offers(login(r, "pri", at=2.0)) == [("c1", "pri")]


def test_numeric_proficiency_sets_the_tier():  # D3
    r = router(SALES, [agent("low", sales=20), agent("high", sales=80)])
    login(r, "low", at=0.0)
    login(r, "high", at=1.0)
    assert offers(r.handle(CallQueued("c1", "sales", at=2.0))) == [("c1", "high")]


def test_longest_idle_agent_is_chosen_by_default():
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "bob", at=0.0)
    login(r, "ann", at=1.0)
    assert offers(r.handle(CallQueued("c1", "sales", at=2.0))) == [("c1", "bob")]


def test_pausing_resets_idle_time_for_longest_idle():
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "bob", at=0.0)
    login(r, "ann", at=1.0)
    r.handle(AgentPaused("bob", "coffee", at=2.0))
    r.handle(MakeAgentReady("bob", at=3.0))
    assert offers(r.handle(CallQueued("c1", "sales", at=4.0))) == [("c1", "ann")]


def test_fewest_calls_strategy_prefers_the_agent_with_fewest_calls_today():
    q = QueueSpec("sales", "sales", strategy=Strategy.FEWEST_CALLS, wrapup_time=0)
    r = router(q, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "ann", at=0.0)
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=1.0))
    login(r, "bob", at=2.0)
    r.handle(CallEnded("c1", at=3.0))  # ann: 1 call, idle since 3; bob: 0 calls, since 2
    login_order = offers(r.handle(CallQueued("c2", "sales", at=4.0)))
    assert login_order == [("c2", "bob")]
    answer_and_end(r, "c2", "bob", 5.0)
    r.handle(CallQueued("c3", "sales", at=6.0))
    answer_and_end(r, "c3", "ann", 7.0)  # ann 2 calls, bob 1
    r.handle(ResetDailyCounters(at=8.0))  # a new day: a tie, bob (idle since 5) wins
    assert offers(r.handle(CallQueued("c4", "sales", at=9.0))) == [("c4", "bob")]


def test_round_robin_strategy_cycles_through_agents():
    q = QueueSpec("sales", "sales", strategy=Strategy.ROUND_ROBIN, wrapup_time=0)
    r = router(q, [agent(a, sales=P) for a in ("ann", "bob", "cat")])
    login(r, "cat", "bob", "ann")
    order = []
    for i in range(6):
        ((call, who),) = offers(r.handle(CallQueued(f"c{i}", "sales", at=float(i))))
        order.append(who)
        answer_and_end(r, call, who, float(i))
    assert order == ["ann", "bob", "cat", "ann", "bob", "cat"]


def test_random_strategy_is_reproducible_with_a_seed():
    q = QueueSpec("sales", "sales", strategy=Strategy.RANDOM, wrapup_time=0)

    def picks(seed):
        r = router(q, [agent(f"a{i}", sales=P) for i in range(10)], rng_seed=seed)
        login(r, *[f"a{i}" for i in range(10)])
        out = []
        for i in range(20):
            ((call, who),) = offers(r.handle(CallQueued(f"c{i}", "sales", at=float(i))))
            out.append(who)
            answer_and_end(r, call, who, float(i))
        return out

    assert picks(1) == picks(1)
    assert picks(1) != picks(2)
    assert len(set(picks(3))) > 3


def test_most_skilled_strategy_prefers_the_highest_proficiency():
    q = QueueSpec("sales", "sales", strategy=Strategy.MOST_SKILLED)
    r = router(q, [agent("ok", sales=60), agent("best", sales=95)])
    login(r, "ok", at=0.0)
    login(r, "best", at=1.0)
    assert offers(r.handle(CallQueued("c1", "sales", at=2.0))) == [("c1", "best")]


def test_higher_priority_call_is_served_first():
    r = router(SALES, [agent("ann", sales=P)])
    r.handle(CallQueued("low", "sales", at=0.0))
    r.handle(CallQueued("vip", "sales", priority=2, at=1.0))
    assert waiting_ids(r, "sales") == ["vip", "low"]
    assert offers(login(r, "ann", at=2.0)) == [("vip", "ann")]


def test_calls_of_one_priority_are_served_first_in_first_out():
    r = router(SALES, [agent("ann", sales=P)])
    for i in range(5):
        r.handle(CallQueued(f"c{i}", "sales", at=float(i)))
    assert waiting_ids(r, "sales") == ["c0", "c1", "c2", "c3", "c4"]
    assert offers(login(r, "ann", at=10.0)) == [("c0", "ann")]


def test_aging_lets_an_old_low_priority_call_beat_a_new_high_priority_one():
    q = QueueSpec("sales", "sales", aging_interval=30.0)
    r = router(q, [agent("ann", sales=P)])
    r.handle(CallQueued("old", "sales", at=0.0))
    r.handle(CallQueued("vip", "sales", priority=1, at=31.0))  # one level = 30 s of wait
    assert waiting_ids(r, "sales") == ["old", "vip"]
    r.handle(CallQueued("vvip", "sales", priority=2, at=32.0))
    assert waiting_ids(r, "sales") == ["vvip", "old", "vip"]


def test_ring_no_answer_pauses_the_agent_and_puts_the_call_back_at_the_head():
    r = router(
        QueueSpec("sales", "sales", ring_timeout=10.0),
        [agent("ann", sales=P), agent("bob", sales=P)],
    )
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(CallQueued("c2", "sales", at=2.0))
    assert r.next_deadline() == 11.0
    out = r.handle(Tick(at=11.0))
    assert cancels(out) == [("c1", "ann", "no_answer")]
    assert transitions(out) == [("ann", S.RINGING, S.PAUSED)]
    assert r.agent("ann").reason == "no_answer"
    assert waiting_ids(r, "sales") == ["c1", "c2"]
    assert offers(login(r, "bob", at=12.0)) == [("c1", "bob")]


def test_ring_no_answer_offers_the_call_to_the_next_ready_agent_at_once():
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "ann", at=0.0)
    login(r, "bob", at=1.0)
    r.handle(CallQueued("c1", "sales", at=2.0))
    out = r.handle(Tick(at=100.0))
    assert offers(out) == [("c1", "bob")]


def test_offer_failed_busy_keeps_the_agent_ready_with_its_phone_busy():
    r = router(SALES, [agent("ann", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    out = r.handle(OfferFailed("c1", "ann", "busy", at=2.0))
    assert transitions(out) == [("ann", S.RINGING, S.READY)]
    view = r.agent("ann")
    assert view.device_busy and not view.available
    assert waiting_ids(r, "sales") == ["c1"]


def test_offer_failed_unreachable_pauses_the_agent_with_the_reason():
    r = router(SALES, [agent("ann", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(OfferFailed("c1", "ann", "unreachable", at=2.0))
    assert (r.agent("ann").state, r.agent("ann").reason) == (S.PAUSED, "unreachable")


def test_answer_or_failure_for_an_offer_that_does_not_exist_is_refused():
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    with pytest.raises(NoSuchOffer) as err:
        r.handle(OfferAnswered("c1", "bob", at=2.0))
    assert err.value.code == "no_such_offer"


def test_duplicate_call_and_unknown_queue_are_refused():
    r = router(SALES, [])
    r.handle(CallQueued("c1", "sales", at=1.0))
    with pytest.raises(DuplicateCall):
        r.handle(CallQueued("c1", "sales", at=1.0))
    with pytest.raises(UnknownQueue):
        r.handle(CallQueued("c2", "nope", at=1.0))


def test_abandon_while_waiting_records_the_wait():
    r = router(SALES, [])
    r.handle(CallQueued("c1", "sales", at=1.0))
    out = r.handle(CallAbandoned("c1", at=9.0))
    assert out == [CallLeftQueue("c1", "sales", CallOutcome.ABANDONED, 8.0)]
    assert waiting_ids(r, "sales") == [] and r.next_deadline() is None


def test_abandon_while_ringing_cancels_the_offer_and_frees_the_agent():
    r = router(SALES, [agent("ann", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(CallQueued("c2", "sales", at=2.0))
    out = r.handle(CallAbandoned("c1", at=3.0))
    assert cancels(out) == [("c1", "ann", "abandoned")]
    assert transitions(out) == [("ann", S.RINGING, S.READY), ("ann", S.READY, S.RINGING)]
    assert offers(out) == [("c2", "ann")]


def test_agent_at_case_capacity_gets_no_automatic_offer():  # S2
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)], case_capacity=4)
    login(r, "ann", at=0.0)
    login(r, "bob", at=1.0)
    r.handle(CaseCountChanged("ann", 4, at=2.0))
    assert not r.agent("ann").available
    assert offers(r.handle(CallQueued("c1", "sales", at=3.0))) == [("c1", "bob")]
    r.handle(CallQueued("c2", "sales", at=4.0))
    assert offers(r.handle(CaseCountChanged("ann", 3, at=5.0))) == [("c2", "ann")]


def test_without_a_case_capacity_open_cases_never_keep_calls_away():  # S2
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)], case_capacity=None)
    login(r, "ann", at=0.0)
    login(r, "bob", at=1.0)
    r.handle(CaseCountChanged("ann", 40, at=2.0))
    assert r.agent("ann").available and r.agent("ann").case_capacity is None
    assert offers(r.handle(CallQueued("c1", "sales", at=3.0))) == [("c1", "ann")]


def test_case_capacity_defaults_to_four_and_can_be_set_per_agent():  # S2
    from acd.routing import AgentSpec

    r = router(
        SALES, [agent("ann", sales=P), AgentSpec("bob", "Bob", {"sales": P}, case_capacity=1)]
    )
    assert r.agent("ann").case_capacity == 4 and r.agent("bob").case_capacity == 1


def test_supervisor_can_assign_a_call_beyond_case_capacity():  # S2
    r = router(SALES, [agent("ann", sales=P)])
    login(r, "ann")
    r.handle(CaseCountChanged("ann", 9, at=1.0))
    r.handle(CallQueued("c1", "sales", at=2.0))
    out = r.handle(AssignCall("c1", "ann", at=3.0))
    assert offers(out) == [("c1", "ann")]
    assert out[-1].via is OfferVia.ASSIGNED


def test_supervisor_cannot_assign_to_an_agent_who_is_not_ready():
    r = router(SALES, [agent("ann", sales=P)])
    r.handle(CallQueued("c1", "sales", at=2.0))
    with pytest.raises(AgentNotReady) as err:
        r.handle(AssignCall("c1", "ann", at=3.0))
    assert err.value.code == "agent_not_ready"


def test_supervisor_reassigns_a_ringing_call():
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(CallQueued("c2", "sales", at=1.5))
    login(r, "bob", at=1.6)  # takes c2
    r.handle(CallAbandoned("c2", at=1.7))  # bob free again
    out = r.handle(AssignCall("c1", "bob", at=2.0))
    assert cancels(out) == [("c1", "ann", "reassigned")]
    assert offers(out) == [("c1", "bob")]
    assert r.agent("ann").state is S.READY


def test_transfer_to_a_queue_requeues_the_call_and_wraps_up_the_agent():
    billing = QueueSpec("billing", "billing")
    r = router([SALES, billing], [agent("ann", sales=P), agent("bob", billing=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", priority=3, at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=2.0))
    out = r.handle(TransferCall("c1", to_queue="billing", at=3.0))
    assert transitions(out) == [("ann", S.ON_CALL, S.WRAP_UP)]
    assert r.call("c1").queue == "billing" and r.call("c1").priority == 3
    assert offers(login(r, "bob", at=4.0)) == [("c1", "bob")]


def test_transfer_to_an_agent_offers_the_call_to_them():
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=2.0))
    login(r, "bob", at=2.5)
    out = r.handle(TransferCall("c1", to_agent="bob", at=3.0))
    assert offers(out) == [("c1", "bob")] and out[-1].via is OfferVia.TRANSFER
    with pytest.raises(CallNotConnected):
        r.handle(TransferCall("c1", to_agent="ann", at=4.0))


def test_logging_out_while_ringing_sends_the_call_back_to_the_queue():
    r = router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    from acd.routing import AgentLoggedOut

    out = r.handle(AgentLoggedOut("ann", at=2.0))
    assert cancels(out) == [("c1", "ann", "agent_logged_out")]
    assert waiting_ids(r, "sales") == ["c1"]
