"""AMI messages translated into the telephony events the server acts on.

Only the events listed in `TRANSLATORS` matter; everything else is ignored
here (and filtered out by Asterisk where the manager user allows it).

One of these is built for each AMI event the server reads, so they are plain slotted
dataclasses: a frozen one costs three times as much to build.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class ChannelIds:
    """Asterisk's identifiers of one channel, kept on every call record."""

    channel: str
    uniqueid: str
    linkedid: str


@dataclass(slots=True)
class InboundCallArrived:
    """A call from the trunk reached the inbound dialplan (UserEvent AcdInbound)."""

    ids: ChannelIds
    did: str
    caller_number: str


@dataclass(slots=True)
class CallerWaiting:
    """A caller is parked in [acd-wait], hearing music, ready to be bridged."""

    ids: ChannelIds
    queue: str


@dataclass(slots=True)
class ChannelCreated:
    ids: ChannelIds


@dataclass(slots=True)
class DialEnded:
    """A Dial() from `uniqueid`'s channel ended with `status` (ANSWER, BUSY, NOANSWER...)."""

    uniqueid: str
    status: str


@dataclass(slots=True)
class ChannelHungUp:
    ids: ChannelIds


@dataclass(slots=True)
class OriginateFinished:
    """The reply to an async Originate: the dialled device answered or not."""

    action_id: str
    channel: str
    uniqueid: str
    success: bool
    # Asterisk's reason code: 4 answered, 1 hung up, 3 no answer/ring timeout, 5 busy, 8 congestion.
    reason: int


@dataclass(slots=True)
class DeviceStateChanged:
    device: str
    state: str


@dataclass(slots=True)
class DtmfPressed:
    ids: ChannelIds
    digit: str


def _ids(message: Mapping[str, Any]) -> ChannelIds:
    uniqueid = message.get("Uniqueid", "")
    return ChannelIds(
        channel=message.get("Channel", ""),
        uniqueid=uniqueid,
        linkedid=message.get("Linkedid", uniqueid),
    )


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _user_event(message: Mapping[str, Any]) -> Any:
    name = message.get("UserEvent", "")
    if name == "AcdInbound":
        return InboundCallArrived(
            ids=_ids(message),
            did=message.get("DID", ""),
            caller_number=message.get("CallerIDNum", ""),
        )
    if name == "AcdWaiting":
        return CallerWaiting(ids=_ids(message), queue=message.get("Queue", ""))
    return None


def _hangup(message: Mapping[str, Any]) -> ChannelHungUp:
    return ChannelHungUp(ids=_ids(message))


def _originate_response(message: Mapping[str, Any]) -> OriginateFinished:
    return OriginateFinished(
        action_id=message.get("ActionID", ""),
        channel=message.get("Channel", ""),
        uniqueid=message.get("Uniqueid", ""),
        success=message.get("Response") == "Success",
        reason=_int(message.get("Reason")),
    )


def _device_state(message: Mapping[str, Any]) -> DeviceStateChanged:
    return DeviceStateChanged(device=message.get("Device", ""), state=message.get("State", ""))


def _dtmf(message: Mapping[str, Any]) -> DtmfPressed:
    return DtmfPressed(ids=_ids(message), digit=message.get("Digit", ""))


def _new_channel(message: Mapping[str, Any]) -> ChannelCreated:
    return ChannelCreated(ids=_ids(message))


def _dial_end(message: Mapping[str, Any]) -> DialEnded:
    return DialEnded(uniqueid=message.get("Uniqueid", ""), status=message.get("DialStatus", ""))


TRANSLATORS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "UserEvent": _user_event,
    "Newchannel": _new_channel,
    "DialEnd": _dial_end,
    "Hangup": _hangup,
    "OriginateResponse": _originate_response,
    "DeviceStateChange": _device_state,
    "DTMFEnd": _dtmf,
}


def translate(message: Mapping[str, Any]) -> Any:
    """The telephony event for an AMI message, or None when it does not matter."""
    translator = TRANSLATORS.get(message.get("Event", ""))
    return translator(message) if translator is not None else None


# Every event the server reads: the translated ones, and the list CoreShowChannels
# answers with after a reconnect. The client asks Asterisk for these alone (an
# unfiltered session gets ~96 events per call, mostly VarSet and Newexten).
SUBSCRIBED_EVENTS: frozenset[str] = frozenset(
    {*TRANSLATORS, "CoreShowChannel", "CoreShowChannelsComplete"}
)
