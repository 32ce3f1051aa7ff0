"""Asterisk's channel list (the Status action, read at every login) reaches the server
as bounded fields: a channel that does not fit is left out and counted, never taken up."""

from __future__ import annotations

import pytest

from acd.ami import actions
from acd.ami import events as ami
from acd.ami.reader import parse_frame

# A caller parked in [acd-wait], as the sandbox's Asterisk 22 lists it (trimmed).
WAITING = (
    "Event: Status\r\nPrivilege: Call\r\n"
    "Channel: Local/0189000003@from-trunk-0000001f;2\r\nCallerIDNum: 0611000101\r\n"
    "Context: acd-wait\r\nExten: s\r\nPriority: 2\r\n"
    "Uniqueid: aiguilleur-1796281544.73\r\nLinkedid: aiguilleur-1796281544.72\r\n"
    "BridgeID: \r\nApplication: MusicOnHold\r\nData: default\r\nSeconds: 12\r\n"
    "Variable: ACD_QUEUE=support\r\nVariable: ACD_QUEUED_AT=1796281545.096\r\n"
    "Variable: ACD_PRIORITY=(null)\r\nVariable: ACD_PREFERRED_AGENT=2001\r\n"
    "Variable: ACD_PREFERRED_REASON=last_agent\r\nVariable: ACD_DID=0189000003\r\n"
    "Variable: ACD_AGENT=(null)\r\nActionID: 7"
)


def _listed(frame: str) -> ami.ChannelList:
    message = parse_frame(frame)
    return ami.channel_list([{"Response": "Success"}, message, {"Event": "StatusComplete"}])


def test_a_waiting_callers_channel_gives_back_what_the_server_set_on_it() -> None:  # D2
    listing = _listed(WAITING)
    [channel] = listing.channels
    assert listing.refused == 0
    assert channel.ids == ami.ChannelIds(
        "Local/0189000003@from-trunk-0000001f;2",
        "aiguilleur-1796281544.73",
        "aiguilleur-1796281544.72",
    )
    assert (channel.context, channel.bridge_id, channel.caller_number) == (
        "acd-wait",
        "",
        "0611000101",
    )
    assert (channel.queue, channel.queued_at, channel.priority) == ("support", 1796281545.096, 0)
    assert (channel.preferred_agent, channel.preferred_reason) == ("2001", "last_agent")
    assert (channel.did, channel.agent) == ("0189000003", "")


@pytest.mark.parametrize(
    "line",
    [
        "Variable: ACD_QUEUED_AT=yesterday",
        "Variable: ACD_QUEUED_AT=99",
        "Variable: ACD_QUEUED_AT=nan",
        "Variable: ACD_PRIORITY=99999",
        "Variable: ACD_PRIORITY=1e3",
        "Variable: ACD_QUEUE=" + "x" * (ami.MAX_FIELD_CHARS + 1),
    ],
)
def test_a_channel_whose_variables_do_not_fit_is_left_out_and_counted(line: str) -> None:
    listing = _listed(line + "\r\n" + WAITING)
    assert (listing.channels, listing.refused) == ([], 1)


def test_the_list_asks_only_for_variable_names_and_an_agent_leg_names_one_agent() -> None:
    assert actions.status(ami.LISTED_VARIABLES).as_dict()["Variables"].startswith("ACD_QUEUE,")
    with pytest.raises(actions.UnsafeAction):
        actions.status(("ACD_QUEUE\r\nAction: Originate",))
    leg = dict(
        channel="Local/2001@test-phones",
        application="Bridge",
        data="PJSIP/trunk-1",
        timeout_ms=1000,
        channel_id="acd-1",
        other_channel_id="1-dca",
    )
    assert actions.originate(**leg, variable=("ACD_AGENT", "2001")).as_dict()["Variable"] == (
        "ACD_AGENT=2001"
    )
    # A comma would set a second variable of the caller's choosing.
    with pytest.raises(actions.UnsafeAction):
        actions.originate(**leg, variable=("ACD_AGENT", "2001,ACD_QUEUE=vip"))
