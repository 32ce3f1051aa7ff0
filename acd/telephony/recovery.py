"""At every AMI login (the first one after a start, and each reconnect) the server reads
Asterisk's channels before it queues anyone else, and catches up with them:

- a call or leg it knew whose channel is gone ended while it was not listening;
- a caller parked in [acd-wait] that it does not know (a restart) is queued again, in
  the order and with the wait their channel variables tell (time queued, priority,
  preferred agent, set by `InboundFlow._remember_on_channel`); one it knew but never
  saw parked (the AcdWaiting event was lost with the link) is queued now;
- a caller bridged with one of its agent legs (ACD_AGENT on the leg) is taken up as a
  call in progress: the agent is on call, and the call ends as any other.

Every other channel is not the server's and is left alone. docs/operations.md tells
what survives a restart and what does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from acd import routing
from acd.ami import actions
from acd.ami import events as ami
from acd.ami.client import AmiError
from acd.telephony.calls import AgentLeg, LiveCall, Phase
from acd.telephony.inbound import InboundFlow
from acd.telephony.journal import LostCallsSweep
from acd.telephony.writer import Handler

log = structlog.get_logger(__name__)

# The dialplan context where callers wait for an agent (ivr-config/asterisk).
WAIT_CONTEXT = "acd-wait"
# Asterisk may take a while to list many channels; the link's pings go on meanwhile.
LISTING_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ChannelsListed:
    """Asterisk's channels at a login, and the calls and legs known when it was asked."""

    listing: ami.ChannelList
    calls: frozenset[str]
    legs: frozenset[str]
    read: bool = True  # False: Asterisk's list could not be read, and is empty


class RecoveryFlow(InboundFlow):
    def _list_channels(self) -> None:
        known = frozenset(self.calls), frozenset(self._legs)
        self._listing = True
        try:
            reply = self._send(actions.status(ami.LISTED_VARIABLES), timeout=LISTING_TIMEOUT_S)
        except AmiError as exc:
            log.warning("channel_list_failed", error=str(exc))
            self.submit(
                ChannelsListed(ami.ChannelList([], 0), frozenset(), frozenset(), read=False)
            )
            return

        async def listed() -> None:
            try:
                listing = ami.channel_list(await reply)
            except AmiError as exc:
                log.warning("channel_list_failed", error=str(exc))
                # Judge nothing, adopt nothing: only let the callers held back through.
                self.submit(
                    ChannelsListed(ami.ChannelList([], 0), frozenset(), frozenset(), read=False)
                )
                return
            self.submit(ChannelsListed(listing, *known))

        self._spawn(listed())

    async def on_channels_listed(self, event: ChannelsListed) -> None:
        try:
            await self._end_vanished(event)
            self._take_up(event.listing)
            if event.read:
                self._sweep_lost_calls()
        finally:
            self._listing = False
            deferred, self._deferred = self._deferred, []
            for waiting in deferred:
                await self.on_caller_waiting(waiting)

    async def _end_vanished(self, event: ChannelsListed) -> None:
        """Calls whose channel vanished while the link was down ended unseen. Only those
        known when Asterisk was asked are judged: a later one was not in its list."""
        alive = event.listing.uniqueids
        for call_id in event.calls:
            call = self.calls.get(call_id)
            if (
                call is not None
                and call.direction == "inbound"
                and call.phase != Phase.CALLBACK
                and call_id not in alive
            ):
                log.info("resync_call_gone", call_id=call_id)
                await self.on_channel_hung_up(
                    ami.ChannelHungUp(ids=call.ids or ami.ChannelIds("", call_id, call_id))
                )
        for leg_id in event.legs:
            leg = self._legs.get(leg_id)
            if leg is not None and leg.answered and leg_id not in alive:
                await self._leg_gone(leg)

    def _sweep_lost_calls(self) -> None:
        """Once per process, after its first channel list: a previous server's journal
        rows still open whose call was not taken up just now ended while no server was
        listening, and are closed as lost (through the journal, after its rows)."""
        if self._lost_swept or self._journal is None:
            return
        self._lost_swept = True
        self._journal.record(LostCallsSweep(frozenset(self.calls), self._started_at, self._clock()))

    def _take_up(self, listing: ami.ChannelList) -> None:
        if listing.refused:
            log.warning("channels_refused", count=listing.refused)
        legs = {
            c.bridge_id: c
            for c in listing.channels
            if c.bridge_id and c.agent in self._centre.agents and c.ids.uniqueid not in self._legs
        }
        callers = [
            c
            for c in listing.channels
            if c.queue in self._centre.queues and not c.agent and c.ids.uniqueid not in self._legs
        ]
        # Longest waiting first; a caller whose time queued never reached the channel
        # counts as queued now.
        callers.sort(key=lambda c: c.queued_at if c.queued_at is not None else float("inf"))
        taken = 0
        for channel in callers:
            leg = legs.get(channel.bridge_id) if channel.bridge_id else None
            if leg is not None:
                taken += self._resume_connected(channel, leg)
            elif channel.context == WAIT_CONTEXT and not channel.bridge_id:
                taken += self._take_up_waiting(channel)
        if taken:
            log.info("calls_taken_up", count=taken)

    def _take_up_waiting(self, channel: ami.ListedChannel) -> bool:
        call = self.calls.get(channel.ids.uniqueid)
        if call is not None:
            if call.phase != Phase.IVR:
                return False  # already queued (or further): nothing was missed
            # Known, but its AcdWaiting event was lost with the link.
            call.ids = channel.ids
            call.queue = call.queue or channel.queue
            self._queue_call(call, self._clock(), remember=True)
            return True
        enqueued_at = (
            datetime.fromtimestamp(channel.queued_at, UTC)
            if channel.queued_at is not None
            else self._clock()
        )
        call = self._found_call(channel, enqueued_at)
        call.preferred_agent = channel.preferred_agent or None
        call.preferred_reason = channel.preferred_reason or None
        self.calls[call.call_id] = call
        self._queue_call(call, enqueued_at, remember=channel.queued_at is None)
        log.info("caller_taken_up", call_id=call.call_id, queue=call.queue)
        return True

    def _resume_connected(self, channel: ami.ListedChannel, leg_channel: ami.ListedChannel) -> bool:
        if channel.ids.uniqueid in self.calls:
            return False
        call = self._found_call(channel, self._clock())
        call.phase = Phase.CONNECTED
        call.answered_at = call.started_at
        call.agent_ids.append(leg_channel.agent)
        try:
            self._handle(
                routing.CallResumed(
                    call.call_id,
                    channel.queue,
                    leg_channel.agent,
                    priority=channel.priority,
                    caller=channel.caller_number or None,
                    at=self._now(),
                )
            )
        except routing.RoutingError as exc:
            log.warning("call_not_resumed", call_id=call.call_id, error=str(exc))
            return False
        leg = AgentLeg(
            leg_id=leg_channel.ids.uniqueid,
            agent_id=leg_channel.agent,
            call_id=call.call_id,
            channel=leg_channel.ids.channel,
            answered=True,
        )
        self._legs[leg.leg_id] = leg
        call.leg = leg
        self.calls[call.call_id] = call
        self._journal_progress(call)
        log.info("call_resumed", call_id=call.call_id, agent=leg.agent_id)
        return True

    @staticmethod
    def _found_call(channel: ami.ListedChannel, started_at: datetime) -> LiveCall:
        """A caller's channel the server did not know, as a live call (its IVR path was
        this process's predecessor's, and is not on the channel)."""
        return LiveCall(
            call_id=channel.ids.uniqueid,
            direction="inbound",
            started_at=started_at,
            ids=channel.ids,
            caller_number=channel.caller_number,
            dialled_number=channel.did,
            queue=channel.queue,
            priority=channel.priority,
            adopted=True,
        )


HANDLERS: dict[type, Handler] = {
    ChannelsListed: RecoveryFlow.on_channels_listed,
}
