"""D8: a restarted server puts each agent back in the state the journal last recorded."""

from __future__ import annotations

from acd.routing import AgentState, QueueSpec
from acd.telephony.restore import restore_plan
from tests.support.routing import P, agent, router


def _restored(stored: dict[str, tuple[str, str | None]]) -> dict[str, tuple[str, str | None]]:
    core = router(QueueSpec("sales", skill="sales"), [agent(a, sales=P) for a in "abcdef"])
    for command in restore_plan(stored, known_agents=set("abcde")):
        core.handle(command(10.0))
    return {a: (core.agent(a).state.value, core.agent(a).reason) for a in "abcdef"}


def test_d8_agents_come_back_ready_paused_with_their_reason_or_in_manual_call() -> None:
    states = _restored(
        {
            "a": ("ready", None),
            "b": ("paused", "lunch"),
            "c": ("manual_call", None),
            "d": ("logged_out", None),
        }
    )
    assert states["a"][0] == AgentState.READY
    assert states["b"] == (AgentState.PAUSED, "lunch")
    assert states["c"][0] == AgentState.MANUAL_CALL
    assert states["d"][0] == AgentState.LOGGED_OUT
    assert states["e"][0] == AgentState.LOGGED_OUT  # never journaled


def test_d8_an_agent_caught_on_a_call_or_in_wrap_up_comes_back_ready() -> None:
    states = _restored({"a": ("on_call", None), "b": ("wrap_up", None), "c": ("ringing", None)})
    assert {states[a][0] for a in "abc"} == {AgentState.READY}


def test_an_agent_no_longer_configured_is_left_out() -> None:
    states = _restored({"f": ("ready", None)})
    assert states["f"][0] == AgentState.LOGGED_OUT
