"""The AMI reader handles each frame in its own try: no frame breaks the link.

The protocol is fed bytes directly (no socket): what a TCP read would hand it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from panoramisk.ami_protocol import AMIProtocol

from acd.ami.events import ChannelHungUp, ChannelIds
from tests.support.faults.ami_transcripts import ProtocolReplay as Reader

HANGUP = (
    b"Event: Hangup\r\nPrivilege: call,all\r\nChannel: PJSIP/1001-00000001\r\n"
    b"Uniqueid: 1733150000.12\r\nLinkedid: 1733150000.10\r\nCause: 16\r\n\r\n"
)
HUNG_UP = ChannelHungUp(ChannelIds("PJSIP/1001-00000001", "1733150000.12", "1733150000.10"))


def test_panoramisks_own_reader_raises_on_a_duplicated_event_header() -> None:
    # Why the guarded reader exists: asyncio closes the link on this exception.
    reader = Reader(protocol=AMIProtocol)
    with pytest.raises(AttributeError):
        reader.feed(b"Event: Hangup\r\nEvent: Hangup\r\n\r\n")


def test_a_duplicated_header_keeps_its_first_value_and_the_link_stays_up() -> None:
    reader = Reader()
    reader.feed(
        b"Event: Hangup\r\nEvent: Newchannel\r\nChannel: PJSIP/1001-00000001\r\n"
        b"Uniqueid: 1733150000.12\r\nUniqueid: 666.6\r\nLinkedid: 1733150000.10\r\n\r\n" + HANGUP
    )
    assert reader.events == [HUNG_UP, HUNG_UP]
    assert reader.malformed.count == 0
    assert not reader.transport.closed


async def test_a_reply_with_a_duplicated_action_id_still_answers_its_action() -> None:
    reader = Reader()
    reply = reader.protocol.send({"Action": "Ping", "ActionID": "ping/1"})
    reader.feed(b"Response: Success\r\nActionID: ping/1\r\nActionID: ping/2\r\nPing: Pong\r\n\r\n")
    message = await asyncio.wait_for(reply, 1)
    assert message.success and message["Ping"] == "Pong"


def test_repeated_command_output_lines_stay_a_list_as_in_panoramisk() -> None:
    reader = Reader()
    received: list[Any] = []
    reader.manager.register_event("*", lambda _, m: received.append(m))
    reader.feed(b"Event: Output\r\nOutput: one\r\nOutput: two\r\n\r\n")
    assert received[0]["Output"] == ["one", "two"]


def test_a_frame_that_raises_in_handling_is_counted_and_the_frames_after_it_in_the_same_read_arrive() -> (
    None
):
    reader = Reader()
    nul = HANGUP.replace(b"Uniqueid: 1733150000.12", b"Uniqueid: 17331\x0050000.12")
    reader.feed(nul + b"Event: Hangup\r\n\r\n" + HANGUP)
    assert reader.events == [HUNG_UP]
    assert reader.malformed.count == 2  # the NUL, then the Hangup without ids


def test_junk_without_any_header_is_counted_and_skipped() -> None:
    reader = Reader()
    reader.feed(b"\x00\xff garbage\r\n\r\n", b"\r\n", HANGUP)
    assert reader.events == [HUNG_UP]
    assert reader.malformed.count == 1


def test_a_frame_split_across_reads_anywhere_arrives_whole_even_inside_a_utf8_character() -> None:
    frame = (
        b"Event: UserEvent\r\nChannel: Local/1@from-trunk-00000001;2\r\nUniqueid: 1.2\r\n"
        b"UserEvent: AcdInbound\r\nDID: 0189000003\r\nCallerIDNum: \xc3\xa9\xe2\x82\xac\r\n\r\n"
    )
    for cut in range(1, len(frame)):
        reader = Reader()
        reader.feed(frame[:cut], frame[cut:])
        [event] = reader.events
        assert event.caller_number == "é€"


def test_invalid_utf8_is_replaced_and_the_event_still_arrives() -> None:
    reader = Reader()
    reader.feed(HANGUP.replace(b"Cause: 16", b"Cause-txt: \xff\xfeNormal"))
    assert reader.events == [HUNG_UP]


def test_a_frame_that_never_ends_is_dropped_and_counted_with_memory_bounded() -> None:
    reader = Reader(max_frame_bytes=8192)
    reader.feed(b"Event: Hangup\r\nPadding: ")
    for _ in range(1000):
        reader.feed(b"p" * 1000)
        assert reader.protocol.buffered_bytes <= 8192 + 3
    assert reader.malformed.count == 1
    reader.feed(b"pp\r\n\r\n", HANGUP)  # the end of the long frame, then a good one
    assert reader.events == [HUNG_UP]
    assert reader.malformed.count == 1
    assert not reader.transport.closed


def test_a_frame_exactly_at_the_limit_split_inside_its_blank_line_is_kept() -> None:
    frame = HANGUP[:-4] + b"\r\nPadding: " + b"p" * (8192 - len(HANGUP) - 7)
    assert len(frame) == 8192
    reader = Reader(max_frame_bytes=8192)
    reader.feed(frame + b"\r\n\r", b"\n")
    assert reader.events == [HUNG_UP]
    assert reader.malformed.count == 0


async def test_the_banner_is_read_as_the_version_and_not_glued_to_the_login_reply() -> None:
    reader = Reader()
    reply = reader.protocol.send({"Action": "Login", "ActionID": "login/1"})
    reader.feed(b"Asterisk Call Manager/9.0.0\r\nResponse: Success\r\nActionID: login/1\r\n\r\n")
    assert reader.protocol.version == "9.0.0"
    assert reply.done() and reply.result().success


def test_the_malformed_log_is_bounded_to_one_line_a_second(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reader = Reader()
    reader.feed(b"junk\r\n\r\n" * 500)
    assert reader.malformed.count == 500
    assert capsys.readouterr().out.count("ami_malformed_message") <= 1
