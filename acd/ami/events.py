"""AMI messages translated into the telephony events the server acts on.

Only the events listed in `TRANSLATORS` matter; everything else is ignored
here (and filtered out by Asterisk where the manager user allows it).

One of these is built for each AMI event the server reads, so they are plain slotted
dataclasses: a frozen one costs three times as much to build.

Every field is a bounded str (or an int parsed from one): a value longer than
`MAX_FIELD_CHARS`, holding a control character (NUL, CR, LF...) or not a str at all
refuses the whole event with `MalformedEvent`, as does a missing identifier. A header
given twice keeps its first value (acd/ami/reader.py says why), so inner code never
sees a list. The AMI reader counts a refused event as malformed and drops it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Asterisk's names and ids are short (a Local channel's name is ~40 characters).
MAX_FIELD_CHARS = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MalformedEvent(ValueError):
    """An AMI event whose fields do not fit the bounded types the server reads."""


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


def _text(message: Mapping[str, Any], name: str, default: str | None = "") -> str:
    """The header `name` as a bounded str; `default` None makes it required."""
    value = message.get(name)
    if value is None:
        if default is None:
            raise MalformedEvent(f"{name} missing")
        return default
    if isinstance(value, list) and value:
        value = value[0]
    if type(value) is not str:
        raise MalformedEvent(f"{name} is not text")
    if len(value) > MAX_FIELD_CHARS:
        raise MalformedEvent(f"{name} longer than {MAX_FIELD_CHARS} characters")
    if _CONTROL.search(value) is not None:
        raise MalformedEvent(f"{name} holds a control character")
    return value


def _ids(message: Mapping[str, Any]) -> ChannelIds:
    uniqueid = _text(message, "Uniqueid", None)
    return ChannelIds(
        channel=_text(message, "Channel", None),
        uniqueid=uniqueid,
        linkedid=_text(message, "Linkedid", uniqueid),
    )


def _int(message: Mapping[str, Any], name: str) -> int:
    value = _text(message, name, "0")
    if not value.isdigit() or len(value) > 9:
        raise MalformedEvent(f"{name} is not a small number")
    return int(value)


def _user_event(message: Mapping[str, Any]) -> Any:
    name = _text(message, "UserEvent")
    if name == "AcdInbound":
        return InboundCallArrived(
            ids=_ids(message),
            did=_text(message, "DID"),
            caller_number=_text(message, "CallerIDNum"),
        )
    if name == "AcdWaiting":
        return CallerWaiting(ids=_ids(message), queue=_text(message, "Queue"))
    return None


def _hangup(message: Mapping[str, Any]) -> ChannelHungUp:
    return ChannelHungUp(ids=_ids(message))


def _originate_response(message: Mapping[str, Any]) -> OriginateFinished:
    return OriginateFinished(
        action_id=_text(message, "ActionID", None),
        channel=_text(message, "Channel"),
        uniqueid=_text(message, "Uniqueid"),
        success=_text(message, "Response") == "Success",
        reason=_int(message, "Reason"),
    )


def _device_state(message: Mapping[str, Any]) -> DeviceStateChanged:
    return DeviceStateChanged(device=_text(message, "Device", None), state=_text(message, "State"))


def _dtmf(message: Mapping[str, Any]) -> DtmfPressed:
    return DtmfPressed(ids=_ids(message), digit=_text(message, "Digit"))


def _new_channel(message: Mapping[str, Any]) -> ChannelCreated:
    return ChannelCreated(ids=_ids(message))


def _dial_end(message: Mapping[str, Any]) -> DialEnded:
    # A Dial that no channel placed (an Originate's) reports only the Dest* side.
    return DialEnded(uniqueid=_text(message, "Uniqueid"), status=_text(message, "DialStatus"))


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
    """The telephony event for an AMI message, or None when it does not matter.

    Raises MalformedEvent when a field the event needs is missing, too long, holds a
    control character or is not text."""
    translator = TRANSLATORS.get(_text(message, "Event"))
    return translator(message) if translator is not None else None


# Every event the server reads: the translated ones, and the channel list Status answers
# with at every login. The client asks Asterisk for these alone (an unfiltered session
# gets ~96 events per call, mostly VarSet and Newexten).
SUBSCRIBED_EVENTS: frozenset[str] = frozenset({*TRANSLATORS, "Status", "StatusComplete"})


# --- replies to the actions the server sends ------------------------------------------


def originate_outcome(reply: Any) -> tuple[bool, int]:
    """Whether an async Originate's device answered, and Asterisk's reason code (0 when
    it gave none): its last message (OriginateResponse) tells."""
    final = reply[-1] if isinstance(reply, list) else reply
    reason = final.get("Reason")
    try:
        code = int(reason)
    except (TypeError, ValueError):
        code = 0
    return final.get("Response") == "Success", code


# --- the channels Asterisk holds, listed at every login (AMI Status) -------------------

# The channel variables the server sets, read back by a later process (docs/operations.md):
# on a caller's channel when it is queued, and on an agent's leg when it is rung.
QUEUE_VARIABLE = "ACD_QUEUE"
QUEUED_AT_VARIABLE = "ACD_QUEUED_AT"  # Unix time, in seconds
PRIORITY_VARIABLE = "ACD_PRIORITY"
PREFERRED_AGENT_VARIABLE = "ACD_PREFERRED_AGENT"
PREFERRED_REASON_VARIABLE = "ACD_PREFERRED_REASON"
DID_VARIABLE = "ACD_DID"  # set by the inbound dialplan
AGENT_VARIABLE = "ACD_AGENT"
LISTED_VARIABLES = (
    QUEUE_VARIABLE,
    QUEUED_AT_VARIABLE,
    PRIORITY_VARIABLE,
    PREFERRED_AGENT_VARIABLE,
    PREFERRED_REASON_VARIABLE,
    DID_VARIABLE,
    AGENT_VARIABLE,
)
# Asterisk's placeholders for a caller id it does not have, and for an unset variable.
_NO_CALLER_ID = "<unknown>"
_UNSET = "(null)"
# A priority beyond this would outweigh any wait (a level is worth `aging_interval`).
MAX_PRIORITY = 1000
# Unix times the server could have written: after 2001, before 2286.
_EPOCH_BOUNDS = (1e9, 1e10)


@dataclass(slots=True)
class ListedChannel:
    """One channel of Asterisk's list, with the variables the server set on it ("" when
    unset); `queued_at` is None when unset."""

    ids: ChannelIds
    context: str
    bridge_id: str
    caller_number: str
    queue: str
    queued_at: float | None
    priority: int
    preferred_agent: str
    preferred_reason: str
    did: str
    agent: str


def _variables(message: Mapping[str, Any]) -> dict[str, str]:
    """The `Variable: NAME=value` lines of a Status event, each a bounded str."""
    raw = message.get("Variable")
    lines = raw if isinstance(raw, list) else [] if raw is None else [raw]
    found: dict[str, str] = {}
    for line in lines:
        name, _, value = _text({"Variable": line}, "Variable").partition("=")
        if name in LISTED_VARIABLES and value != _UNSET:
            found.setdefault(name, value)
    return found


def _queued_at(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise MalformedEvent(f"{QUEUED_AT_VARIABLE} is not a time") from None
    if not _EPOCH_BOUNDS[0] < value < _EPOCH_BOUNDS[1]:
        raise MalformedEvent(f"{QUEUED_AT_VARIABLE} is out of range")
    return value


def _priority(text: str) -> int:
    if not text:
        return 0
    digits = text.removeprefix("-")
    if not digits.isdigit() or len(digits) > 4 or int(digits) > MAX_PRIORITY:
        raise MalformedEvent(f"{PRIORITY_VARIABLE} is not a small number")
    return int(text)


def listed_channel(message: Mapping[str, Any]) -> ListedChannel:
    """One Status event as bounded fields; raises MalformedEvent as `translate` does."""
    variables = _variables(message)
    caller = _text(message, "CallerIDNum")
    return ListedChannel(
        ids=_ids(message),
        context=_text(message, "Context"),
        bridge_id=_text(message, "BridgeID"),
        caller_number="" if caller == _NO_CALLER_ID else caller,
        queue=variables.get(QUEUE_VARIABLE, ""),
        queued_at=_queued_at(variables.get(QUEUED_AT_VARIABLE, "")),
        priority=_priority(variables.get(PRIORITY_VARIABLE, "")),
        preferred_agent=variables.get(PREFERRED_AGENT_VARIABLE, ""),
        preferred_reason=variables.get(PREFERRED_REASON_VARIABLE, ""),
        did=variables.get(DID_VARIABLE, ""),
        agent=variables.get(AGENT_VARIABLE, ""),
    )


@dataclass(slots=True)
class ChannelList:
    """Asterisk's answer to Status: the channels that fit, and how many did not."""

    channels: list[ListedChannel]
    refused: int

    @property
    def uniqueids(self) -> set[str]:
        return {c.ids.uniqueid for c in self.channels}


def channel_list(reply: Any) -> ChannelList:
    """The channels a Status reply lists. A channel whose fields do not fit is left out
    and counted: it is not one the server can take up."""
    messages = reply if isinstance(reply, list) else []
    channels: list[ListedChannel] = []
    refused = 0
    for message in messages:
        if message.get("Event") != "Status":
            continue
        try:
            channels.append(listed_channel(message))
        except MalformedEvent:
            refused += 1
    return ChannelList(channels, refused)
