"""AMI events reach the server as bounded str fields, or not at all."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.ami.events import (
    MAX_FIELD_CHARS,
    ChannelHungUp,
    ChannelIds,
    DeviceStateChanged,
    InboundCallArrived,
    MalformedEvent,
    OriginateFinished,
    translate,
)

HANGUP = {
    "Event": "Hangup",
    "Channel": "PJSIP/1001-00000001",
    "Uniqueid": "1733150000.12",
    "Linkedid": "1733150000.10",
}


def test_a_duplicated_header_given_as_a_list_keeps_its_first_value() -> None:
    event = translate({**HANGUP, "Uniqueid": ["1733150000.12", "1733150000.99"]})
    assert event == ChannelHungUp(
        ChannelIds("PJSIP/1001-00000001", "1733150000.12", "1733150000.10")
    )


@pytest.mark.parametrize("bad", ["\x00", "\r", "\n", "\x1b", "\x7f"])
def test_a_control_character_in_a_field_refuses_the_event(bad: str) -> None:
    with pytest.raises(MalformedEvent, match="control character"):
        translate({**HANGUP, "Channel": f"PJSIP/1001{bad}-00000001"})


def test_a_field_longer_than_the_bound_refuses_the_event() -> None:
    translate({**HANGUP, "Channel": "x" * MAX_FIELD_CHARS})
    with pytest.raises(MalformedEvent, match="longer"):
        translate({**HANGUP, "Channel": "x" * (MAX_FIELD_CHARS + 1)})


def test_an_event_without_the_ids_it_is_about_is_refused() -> None:
    with pytest.raises(MalformedEvent, match="Uniqueid missing"):
        translate({"Event": "Hangup", "Channel": "PJSIP/1001-00000001"})
    with pytest.raises(MalformedEvent, match="Device missing"):
        translate({"Event": "DeviceStateChange", "State": "INUSE"})
    with pytest.raises(MalformedEvent, match="ActionID missing"):
        translate({"Event": "OriginateResponse", "Response": "Success"})


def test_a_reason_that_is_not_a_small_number_refuses_the_originate_response() -> None:
    reply = {"Event": "OriginateResponse", "ActionID": "a/1", "Response": "Failure"}
    assert translate({**reply, "Reason": "3"}) == OriginateFinished("a/1", "", "", False, 3)
    for bad in ("-1", "3x", "9" * 40, ""):
        with pytest.raises(MalformedEvent, match="Reason"):
            translate({**reply, "Reason": bad})


def test_a_value_that_is_not_text_refuses_the_event() -> None:
    with pytest.raises(MalformedEvent, match="not text"):
        translate({"Event": "DeviceStateChange", "Device": 1001, "State": "INUSE"})
    with pytest.raises(MalformedEvent, match="not text"):
        translate({"Event": []})


def test_an_event_name_the_server_does_not_read_translates_to_nothing() -> None:
    assert translate({"Event": "VarSet", "Variable": "x" * 10_000}) is None
    assert translate({"Response": "Success"}) is None


printable = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=MAX_FIELD_CHARS)


@given(did=printable, caller=printable)
def test_any_bounded_printable_text_passes_through_unchanged(did: str, caller: str) -> None:
    event = translate(
        {
            "Event": "UserEvent",
            "UserEvent": "AcdInbound",
            "Channel": "Local/0189000003@from-trunk-00000001;2",
            "Uniqueid": "1.2",
            "DID": did,
            "CallerIDNum": caller,
        }
    )
    assert event == InboundCallArrived(
        ChannelIds("Local/0189000003@from-trunk-00000001;2", "1.2", "1.2"), did, caller
    )


@given(value=st.one_of(st.text(), st.lists(st.text()), st.integers(), st.none(), st.binary()))
def test_whatever_a_field_holds_translation_returns_bounded_text_or_refuses(value: object) -> None:
    try:
        event = translate({"Event": "DeviceStateChange", "Device": "PJSIP/1001", "State": value})
    except MalformedEvent:
        return
    assert isinstance(event, DeviceStateChanged)
    assert isinstance(event.state, str) and len(event.state) <= MAX_FIELD_CHARS
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in event.state)
