"""The agent state machine: D6 (wrap-up), D8 (states), S6 (manual call), supervisor force."""

from __future__ import annotations

import pytest

from acd.routing import (
    AgentDeviceBusy,
    AgentDeviceFree,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentState,
    AgentStateChanged,
    CallEnded,
    CallQueued,
    EndWrapUp,
    EnterManualCall,
    ForceAgentState,
    IllegalTransition,
    LeaveManualCall,
    MakeAgentReady,
    OfferAnswered,
    QueueSpec,
    RoutingError,
    Tick,
    UnknownAgent,
)
from tests.support.routing import P, agent, login, offers, router, transitions

S = AgentState
SALES = QueueSpec("sales", "sales", wrapup_time=10.0)


def two_agents():
    return router(SALES, [agent("ann", sales=P), agent("bob", sales=P)])


def test_login_makes_agent_ready_with_a_timestamped_transition():  # D8
    r = two_agents()
    out = r.handle(AgentLoggedIn("ann", at=5.0))
    assert out == [AgentStateChanged("ann", S.LOGGED_OUT, S.READY, "login", 5.0)]
    view = r.agent("ann")
    assert (view.state, view.since, view.available) == (S.READY, 5.0, True)


def test_pause_carries_its_reason_and_ready_resumes():  # D8
    r = two_agents()
    login(r, "ann")
    out = r.handle(AgentPaused("ann", "lunch", at=3.0))
    assert out == [AgentStateChanged("ann", S.READY, S.PAUSED, "lunch", 3.0)]
    assert r.agent("ann").reason == "lunch"
    out = r.handle(AgentPaused("ann", "training", at=4.0))  # a new reason is a transition
    assert transitions(out) == [("ann", S.PAUSED, S.PAUSED)]
    assert r.handle(AgentPaused("ann", "training", at=5.0)) == []  # same reason: no-op
    out = r.handle(MakeAgentReady("ann", at=6.0))
    assert transitions(out) == [("ann", S.PAUSED, S.READY)]


def test_paused_agent_is_not_offered_calls():  # D8
    r = two_agents()
    login(r, "ann")
    r.handle(AgentPaused("ann", "break", at=1.0))
    assert offers(r.handle(CallQueued("c1", "sales", at=2.0))) == []
    assert offers(r.handle(MakeAgentReady("ann", at=3.0))) == [("c1", "ann")]


@pytest.mark.parametrize(
    ("setup", "event"),
    [
        ([], EndWrapUp("ann", at=1.0)),  # logged out, not in wrap-up
        ([AgentLoggedIn("ann", at=0.0)], AgentLoggedIn("ann", at=1.0)),  # already in
        ([], MakeAgentReady("ann", at=1.0)),  # must log in first
        ([], AgentPaused("ann", "x", at=1.0)),
        ([AgentLoggedIn("ann", at=0.0)], LeaveManualCall("ann", at=1.0)),
    ],
)
def test_illegal_transitions_are_refused_with_a_stable_code(setup, event):  # D8
    r = two_agents()
    for e in setup:
        r.handle(e)
    before = r.agents()
    with pytest.raises(IllegalTransition) as err:
        r.handle(event)
    assert err.value.code == "illegal_transition"
    assert "ann" in err.value.message
    assert r.agents() == before  # refused: nothing changed


def test_agent_on_a_call_cannot_log_out_or_pause():  # D8
    r = two_agents()
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=2.0))
    for event in (AgentLoggedOut("ann", at=3.0), AgentPaused("ann", "x", at=3.0)):
        with pytest.raises(IllegalTransition, match="on a call"):
            r.handle(event)
    assert r.agent("ann").state is S.ON_CALL


def test_agent_cannot_ask_for_a_transition_only_the_call_flow_makes():  # D8
    r = two_agents()
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    with pytest.raises(IllegalTransition, match="call flow"):
        r.handle(MakeAgentReady("ann", at=2.0))  # ringing -> ready by hand


def test_unknown_agent_is_refused_with_its_code():
    r = two_agents()
    with pytest.raises(UnknownAgent) as err:
        r.handle(AgentLoggedIn("zoe", at=0.0))
    assert isinstance(err.value, RoutingError) and err.value.code == "unknown_agent"


def test_call_end_puts_agent_in_wrap_up_then_ready_by_timer():  # D6
    r = two_agents()
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=2.0))
    out = r.handle(CallEnded("c1", at=30.0))
    assert out == [AgentStateChanged("ann", S.ON_CALL, S.WRAP_UP, "call_ended", 30.0)]
    assert r.next_deadline() == 40.0
    assert r.handle(Tick(at=39.9)) == []
    out = r.handle(Tick(at=41.0))
    assert out == [AgentStateChanged("ann", S.WRAP_UP, S.READY, "wrap_up_timer", 40.0)]
    assert r.next_deadline() is None


def test_agent_in_wrap_up_is_not_offered_calls_until_it_ends():  # D6
    r = two_agents()
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=2.0))
    r.handle(CallEnded("c1", at=3.0))
    assert offers(r.handle(CallQueued("c2", "sales", at=4.0))) == []
    out = r.handle(EndWrapUp("ann", at=5.0))  # the agent ends it early
    assert transitions(out)[0] == ("ann", S.WRAP_UP, S.READY)
    assert offers(out) == [("c2", "ann")]
    assert r.next_deadline() == 20.0  # the ring timeout; the wrap-up timer (13 s) is gone
    assert r.handle(Tick(at=14.0)) == []


def test_zero_wrap_up_makes_the_agent_ready_at_once():  # D6
    r = router(QueueSpec("sales", "sales", wrapup_time=0), [agent("ann", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=2.0))
    out = r.handle(CallEnded("c1", at=3.0))
    assert transitions(out) == [("ann", S.ON_CALL, S.READY)]


def test_wrap_up_time_is_the_queue_of_the_call():  # D6
    quick = QueueSpec("quick", "sales", wrapup_time=2.0)
    slow = QueueSpec("slow", "sales", wrapup_time=60.0)
    r = router([quick, slow], [agent("ann", sales=P)])
    login(r, "ann")
    r.handle(CallQueued("c1", "slow", at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=1.0))
    r.handle(CallEnded("c1", at=10.0))
    assert r.next_deadline() == 70.0


def test_manual_call_agent_is_never_offered_calls():  # S6
    r = two_agents()
    login(r, "ann")
    out = r.handle(EnterManualCall("ann", at=1.0))
    assert transitions(out) == [("ann", S.READY, S.MANUAL_CALL)]
    assert offers(r.handle(CallQueued("c1", "sales", at=2.0))) == []
    out = r.handle(LeaveManualCall("ann", at=3.0))
    assert transitions(out)[0] == ("ann", S.MANUAL_CALL, S.READY)
    assert offers(out) == [("c1", "ann")]


def test_device_busy_agent_is_not_offered_until_its_phone_is_free():  # D2
    r = two_agents()
    login(r, "ann")
    assert r.handle(AgentDeviceBusy("ann", at=1.0)) == []
    assert r.agent("ann").state is S.READY and not r.agent("ann").available
    assert offers(r.handle(CallQueued("c1", "sales", at=2.0))) == []
    assert offers(r.handle(AgentDeviceFree("ann", at=3.0))) == [("c1", "ann")]


def test_every_transition_is_emitted_with_the_event_time():  # D8
    r = two_agents()
    seen = []
    seen += login(r, "ann", at=1.0)
    seen += r.handle(CallQueued("c1", "sales", at=2.0))
    seen += r.handle(OfferAnswered("c1", "ann", at=3.0))
    seen += r.handle(CallEnded("c1", at=4.0))
    seen += r.handle(Tick(at=20.0))
    changes = [d for d in seen if isinstance(d, AgentStateChanged)]
    assert [(d.old, d.new, d.at) for d in changes] == [
        (S.LOGGED_OUT, S.READY, 1.0),
        (S.READY, S.RINGING, 2.0),
        (S.RINGING, S.ON_CALL, 3.0),
        (S.ON_CALL, S.WRAP_UP, 4.0),
        (S.WRAP_UP, S.READY, 14.0),
    ]


def test_supervisor_forces_ready_paused_or_logged_out():
    r = two_agents()
    out = r.handle(ForceAgentState("ann", S.PAUSED, "meeting", at=1.0))
    assert out == [AgentStateChanged("ann", S.LOGGED_OUT, S.PAUSED, "meeting", 1.0)]
    out = r.handle(ForceAgentState("ann", S.LOGGED_OUT, at=2.0))
    assert transitions(out) == [("ann", S.PAUSED, S.LOGGED_OUT)]
    with pytest.raises(IllegalTransition):
        r.handle(ForceAgentState("ann", S.ON_CALL, at=3.0))


def test_supervisor_cannot_force_an_agent_off_a_live_call():
    r = two_agents()
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    r.handle(OfferAnswered("c1", "ann", at=2.0))
    with pytest.raises(IllegalTransition, match="on a call"):
        r.handle(ForceAgentState("ann", S.LOGGED_OUT, at=3.0))


def test_forcing_a_ringing_agent_cancels_the_offer_and_requeues_the_call():
    r = two_agents()
    login(r, "ann")
    r.handle(CallQueued("c1", "sales", at=1.0))
    login(r, "bob", at=1.5)
    out = r.handle(ForceAgentState("ann", S.PAUSED, "supervisor", at=2.0))
    assert [type(d).__name__ for d in out] == [
        "CancelOffer",
        "AgentStateChanged",
        "AgentStateChanged",
        "OfferCall",
    ]
    assert offers(out) == [("c1", "bob")]
