"""What the shell knows about each live call, and the journal row it becomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from acd.ami.events import ChannelIds
from acd.telephony.destinations import DialNumber
from crm.views import CallRecord


class Phase(StrEnum):
    IVR = "ivr"
    WAITING = "waiting"  # parked in [acd-wait], known to the routing core
    HELD = "held"  # parked in [acd-hold] during a transfer or the callback offer
    CALLBACK = "callback"  # the caller hung up and waits to be called back
    CONNECTED = "connected"
    ENDED = "ended"


@dataclass
class AgentLeg:
    """One ring of an agent's phone placed by the server (AMI Originate)."""

    leg_id: str  # the Originate ChannelId: the leg's Asterisk uniqueid
    agent_id: str
    call_id: str
    channel: str | None = None  # learnt from Newchannel, needed to hang it up
    cancelled: bool = False
    answered: bool = False
    dial_status: str | None = None  # outbound: how the customer leg ended
    hung_up: bool = False  # its channel ended (possibly before Originate's reply)


@dataclass
class LiveCall:
    """A call from its arrival to its journal row. `call_id` is the caller
    channel's Asterisk uniqueid (or the leg id for outbound calls)."""

    call_id: str
    direction: str  # "inbound" | "outbound"
    started_at: datetime
    ids: ChannelIds | None = None
    caller_number: str = ""
    dialled_number: str = ""
    ivr_path: list[str] = field(default_factory=list)
    queue: str | None = None
    priority: int = 0
    preferred_agent: str | None = None
    preferred_reason: str | None = None
    phase: Phase = Phase.IVR
    enqueued_at: datetime | None = None
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wait_s: float | None = None
    agent_ids: list[str] = field(default_factory=list)
    leg: AgentLeg | None = None
    outcome: str | None = None
    overflowed: bool = False
    callback_number: DialNumber | None = None
    callback_attempts: int = 0
    transfer_pending: bool = False  # a transfer's Redirect is on its way to Asterisk
    case_id: int | None = None
    # Found in Asterisk's channels after a restart: its start and answer times are the
    # moment it was found, so the row keeps the ones its first server journaled.
    adopted: bool = False

    @property
    def agent_id(self) -> str | None:
        return self.agent_ids[-1] if self.agent_ids else None

    def journal_record(self) -> CallRecord:
        """The call's row as it stands: while the call is in progress it has no end and
        no outcome (an outcome set early, closed hours, is written with the end)."""
        talk = (
            (self.ended_at - self.answered_at).total_seconds()
            if self.ended_at and self.answered_at
            else None
        )
        return CallRecord(
            call_id=self.call_id,
            direction=self.direction,  # type: ignore[arg-type]
            caller_number=self.caller_number or None,
            dialled_number=self.dialled_number or None,
            ivr_path=" > ".join(self.ivr_path) or None,
            queue=self.queue,
            agent_id=self.agent_id,
            agent_ids=tuple(self.agent_ids),
            started_at=None if self.adopted else self.started_at,
            enqueued_at=self.enqueued_at,
            offered_at=self.offered_at,
            answered_at=None if self.adopted else self.answered_at,
            ended_at=self.ended_at,
            wait_s=self.wait_s,
            talk_s=talk,
            outcome=self.outcome if self.ended_at else None,  # type: ignore[arg-type]
            case_id=self.case_id,
            uniqueid=self.ids.uniqueid if self.ids else None,
            linkedid=self.ids.linkedid if self.ids else None,
        )
