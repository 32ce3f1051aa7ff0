"""A telephony service on a scripted AMI: the actions it sends are kept, their replies
settled by the test, and recorded Asterisk events (tests/data/ami) fed through the same
sink the real client feeds. The service runs in milliseconds, beside the integration
tests that run it against the sandbox Asterisk."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from acd import routing
from acd.ami.actions import Action
from acd.ami.client import AmiMessage
from acd.ami.reader import parse_frame
from acd.bus import EventBus
from acd.centre import agent_specs, load_centre, queue_specs
from acd.config import TelephonySettings
from acd.telephony.service import TelephonyService
from tests.support.faults.ami_transcripts import transcript
from tests.support.server import CENTRE

# As the sandbox's dialplan names the test phones (and as the transcripts recorded them).
SETTINGS = TelephonySettings(
    agent_dial="Local/{agent}@test-phones", outbound_dial="Local/{number}@test-phones"
)


@dataclass
class Sent:
    action: Action
    reply: asyncio.Future[Any]

    @property
    def headers(self) -> dict[str, str]:
        return {k: v for k, v in self.action.as_dict().items() if isinstance(v, str)}


class ScriptedAmi:
    """Stands for `AmiClient`: keeps every action sent; each reply is a future."""

    connected = True
    malformed_messages = 0

    def __init__(self) -> None:
        self.sent: list[Sent] = []

    def send(self, action: Action, timeout: float | None = None) -> asyncio.Future[Any]:
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.sent.append(Sent(action, reply))
        return reply

    def named(self, name: str) -> list[Sent]:
        return [s for s in self.sent if s.action.name == name]


class Journal:
    def __init__(self) -> None:
        self.rows: list[Any] = []

    def record(self, row: Any) -> None:
        self.rows.append(row)

    def calls(self) -> list[Any]:
        """The rows that completed a call (each call's row is also written as it goes)."""
        return [r for r in self.rows if getattr(r, "ended_at", None) is not None]

    def progress(self, call_id: str) -> list[Any]:
        """The rows written for `call_id` while it was in progress, in order."""
        return [
            r
            for r in self.rows
            if getattr(r, "call_id", None) == call_id and getattr(r, "ended_at", 1) is None
        ]


class RecordingBus(EventBus):
    """The bus, keeping everything published in order."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Any] = []

    def publish(self, event: Any) -> None:
        self.published.append(event)
        super().publish(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.published if isinstance(e, kind)]


@dataclass
class Rig:
    service: TelephonyService
    ami: ScriptedAmi
    journal: Journal
    bus: RecordingBus

    async def settled(self) -> None:
        """Every item queued so far handled, and the replies settled so far handed in."""

        async def noop() -> None:
            return None

        for _ in range(3):
            await self.service.execute(noop)
            await asyncio.sleep(0)  # a settled reply's task hands its result to the inbox
        await self.service.execute(noop)

    async def command(self, make: Callable[[float], routing.Event]) -> None:
        await self.service.command(make)


async def rig() -> Rig:
    centre = load_centre(CENTRE)
    bus = RecordingBus()
    journal = Journal()
    service = TelephonyService(
        centre,
        routing.Router(queue_specs(centre), agent_specs(centre)),
        bus,
        SETTINGS,
        journal=journal,  # type: ignore[arg-type]
    )
    ami = ScriptedAmi()
    await service.start(ami)  # type: ignore[arg-type]
    return Rig(service, ami, journal, bus)


def originate_reply(success: bool = True, reason: int = 4) -> list[Any]:
    """An async Originate's replies: queued, then its OriginateResponse."""
    response = "Success" if success else "Failure"
    return [
        {"Response": "Success", "Message": "Originate successfully queued"},
        {"Event": "OriginateResponse", "Response": response, "Reason": str(reason)},
    ]


class RecordedCalls:
    """A recorded AMI stream replayed into a service's sink, frame by frame. The agent
    legs Asterisk recorded bear the ids of the server that placed them: each is given,
    in order, the id of an Originate the service under test sent, and the recorded
    OriginateResponse settles that Originate's reply."""

    def __init__(self, rig: Rig, name: str = "recorded-three-inbound-calls.ami") -> None:
        self._rig = rig
        frames = (parse_frame(frame.decode()) for frame in transcript(name))
        self._messages = [m for m in frames if m is not None]
        self._position = 0
        self._legs: dict[str, str] = {}  # recorded leg id -> the service's leg id

    async def play(self, until: Callable[[AmiMessage], bool] | None = None) -> None:
        """Feed the recorded frames up to the first one `until` holds for (kept for the
        next `play`), or to the end."""
        while self._position < len(self._messages):
            message = self._messages[self._position]
            if until is not None and until(message):
                return
            self._position += 1
            await self._feed(message)
            await self._rig.settled()

    async def _feed(self, message: AmiMessage) -> None:
        uniqueid = message.get("Uniqueid", "")
        leg = self._leg(uniqueid)
        if message.get("Event") == "OriginateResponse":
            if leg is not None:
                [sent] = [s for s in self._rig.ami.named("Originate") if _leg_of(s) == leg]
                sent.reply.set_result([{"Response": "Success"}, message])
            return
        for header in ("Uniqueid", "Linkedid"):
            mapped = self._leg(message.get(header, ""))
            if mapped is not None:
                message[header] = mapped
        self._rig.service.on_ami(message)

    def _leg(self, recorded: str) -> str | None:
        """The service's id for a recorded leg id (or its reversed second id)."""
        if recorded.startswith("acd-") and recorded not in self._legs:
            taken = set(self._legs.values())
            fresh = [_leg_of(s) for s in self._rig.ami.named("Originate")]
            placed = next((leg for leg in fresh if leg not in taken), None)
            if placed is None:
                return None  # a leg this service did not place: its events are not ours
            self._legs[recorded] = placed
        if recorded in self._legs:
            return self._legs[recorded]
        reversed_id = recorded[::-1]
        if reversed_id in self._legs:
            return self._legs[reversed_id][::-1]
        return None


def _leg_of(sent: Sent) -> str:
    return sent.headers["ChannelId"]


def hung_up(message: AmiMessage) -> bool:
    return bool(message.get("Event") == "Hangup")
