"""AMI messages translated into the telephony events the server acts on.

Only the events listed in `TRANSLATORS` matter; everything else is ignored
here (and filtered out by Asterisk where the manager user allows it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ChannelIds:
    """Asterisk's identifiers of one channel, kept on every call record."""

    channel: str
    uniqueid: str
    linkedid: str


@dataclass(frozen=True, slots=True)
class InboundCallArrived:
    """A call from the trunk reached the inbound dialplan (UserEvent AcdInbound)."""

    ids: ChannelIds
    did: str
    caller_number: str
    caller_name: str
    asterisk_time: float | None


@dataclass(frozen=True, slots=True)
class CallerWaiting:
    """A caller is parked in [acd-wait], hearing music, ready to be bridged."""

    ids: ChannelIds
    queue: str
    asterisk_time: float | None


@dataclass(frozen=True, slots=True)
class ChannelCreated:
    ids: ChannelIds


@dataclass(frozen=True, slots=True)
class DialEnded:
    """A Dial() from `uniqueid`'s channel ended with `status` (ANSWER, BUSY, NOANSWER...)."""

    uniqueid: str
    status: str


@dataclass(frozen=True, slots=True)
class ChannelHungUp:
    ids: ChannelIds
    cause: int
    cause_text: str
    asterisk_time: float | None


@dataclass(frozen=True, slots=True)
class OriginateFinished:
    """The reply to an async Originate: the dialled device answered or not."""

    action_id: str
    channel: str
    uniqueid: str
    success: bool
    # Asterisk's reason code: 4 answered, 1 hung up, 3 no answer/ring timeout, 5 busy, 8 congestion.
    reason: int
    asterisk_time: float | None


@dataclass(frozen=True, slots=True)
class ChannelBridged:
    ids: ChannelIds
    bridge_id: str
    asterisk_time: float | None


@dataclass(frozen=True, slots=True)
class DeviceStateChanged:
    device: str
    state: str


@dataclass(frozen=True, slots=True)
class DtmfPressed:
    ids: ChannelIds
    digit: str


def _time(message: Mapping[str, Any]) -> float | None:
    stamp = message.get("Timestamp")
    try:
        return float(stamp) if stamp else None
    except ValueError:
        return None


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
            caller_name=message.get("CallerIDName", ""),
            asterisk_time=_time(message),
        )
    if name == "AcdWaiting":
        return CallerWaiting(
            ids=_ids(message), queue=message.get("Queue", ""), asterisk_time=_time(message)
        )
    return None


def _hangup(message: Mapping[str, Any]) -> ChannelHungUp:
    return ChannelHungUp(
        ids=_ids(message),
        cause=_int(message.get("Cause")),
        cause_text=message.get("Cause-txt", ""),
        asterisk_time=_time(message),
    )


def _originate_response(message: Mapping[str, Any]) -> OriginateFinished:
    return OriginateFinished(
        action_id=message.get("ActionID", ""),
        channel=message.get("Channel", ""),
        uniqueid=message.get("Uniqueid", ""),
        success=message.get("Response") == "Success",
        reason=_int(message.get("Reason")),
        asterisk_time=_time(message),
    )


def _bridge_enter(message: Mapping[str, Any]) -> ChannelBridged:
    return ChannelBridged(
        ids=_ids(message), bridge_id=message.get("BridgeUniqueid", ""), asterisk_time=_time(message)
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
    "BridgeEnter": _bridge_enter,
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
