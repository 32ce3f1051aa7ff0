"""Every AMI action is built by acd.ami.actions: no value can change the frame's shape."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from panoramisk.actions import Action as WireAction
from panoramisk.utils import CaseInsensitiveDict

from acd.ami import actions
from acd.ami.actions import UnsafeAction

# Any text, with the characters that matter to the frame well represented.
hostile = st.text(
    alphabet=st.one_of(st.sampled_from("\r\n\x00:, &|;\"'"), st.characters()), max_size=60
)


def _frame(action: actions.Action) -> str:
    """The text panoramisk writes for `action` (it adds an ActionID). Its constructor
    also makes a future, which needs an event loop: only its serialiser is used here."""
    wire = WireAction.__new__(WireAction)
    CaseInsensitiveDict.__init__(wire, {**action.as_dict(), "ActionID": "action/1"})
    return str(wire)


def _builders(value: str) -> list[object]:
    return [
        lambda: actions.originate(
            channel=value,
            application="Bridge",
            data=value,
            timeout_ms=1000,
            channel_id=value,
            other_channel_id="x",
            caller_id=value,
        ),
        lambda: actions.redirect(value, value),
        lambda: actions.hangup(value),
        lambda: actions.setvar(value, value, channel=value),
        lambda: actions.filter_add(value),
        lambda: actions.db_put(value, value, value),
        lambda: actions.originate_to_dialplan(value, value, caller_id=value),
    ]


@given(value=hostile)
def test_no_value_can_add_a_header_or_a_second_action_to_a_frame(value: str) -> None:
    for build in _builders(value):
        try:
            action = build()  # type: ignore[operator]
        except UnsafeAction:
            assert any(c in value for c in "\r\n\x00")
            continue
        frame = _frame(action)
        lines = frame.split("\r\n")
        # Header lines, then the one blank line that ends the frame, and nothing after it.
        assert lines[-2:] == ["", ""] and "" not in lines[:-2]
        assert len(lines) - 2 == len(action.as_dict()) + 1  # + panoramisk's ActionID
        assert sum(line.startswith("Action: ") for line in lines) == 1


def test_a_crlf_in_a_dialled_value_is_refused_before_anything_is_written() -> None:
    with pytest.raises(UnsafeAction, match="line break"):
        actions.originate(
            channel="PJSIP/1001",
            application="Dial",
            data="PJSIP/0612463987@trunk\r\nAction: Originate\r\nApplication: System",
            timeout_ms=1000,
            channel_id="a",
            other_channel_id="b",
        )


@pytest.mark.parametrize("application", ["System", "Exec", "Eval", "Wait", "bridge"])
def test_an_originate_runs_only_bridge_or_dial(application: str) -> None:
    with pytest.raises(UnsafeAction, match="may not be originated"):
        actions.originate(
            channel="PJSIP/1001",
            application=application,
            data="x",
            timeout_ms=1000,
            channel_id="a",
            other_channel_id="b",
        )


def test_an_overlong_value_is_refused() -> None:
    with pytest.raises(UnsafeAction, match="at most"):
        actions.hangup("PJSIP/" + "9" * actions.MAX_VALUE_LENGTH)
