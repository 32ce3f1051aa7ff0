"""The shell around the routing core: AMI events in, AMI actions out.

Every input (AMI events, link status, IVR results, agent and supervisor
commands) goes through one inbox consumed by one task, so live state never
changes between two awaits of a handler. Decisions of the core are applied as
AMI actions in tasks of their own, whose results come back through the inbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from panoramisk.message import Message

from acd import routing
from acd.ami import actions
from acd.ami import events as ami
from acd.ami.client import AmiClient, AmiError, AmiLink
from acd.bus import EventBus
from acd.centre import Centre
from acd.config import TelephonySettings
from acd.telephony.calls import AgentLeg, LiveCall, Phase
from acd.telephony.destinations import DestinationPolicy, DialNumber
from acd.telephony.ivr import IvrChannel, IvrOutcome, choose_callback_number, run_ivr
from acd.telephony.journal import AgentStateRecord, JournalWriter
from crm.views import CallRecord

log = structlog.get_logger(__name__)

# Asterisk's Originate reason codes (OriginateResponse "Reason").
_REASON_BUSY = 5
_REASON_NO_ANSWER = 3

Clock = Callable[[], datetime]


class TelephonyError(Exception):
    """A command the live call flow refuses; `code` is part of the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- published on the bus ---------------------------------------------------


@dataclass(frozen=True)
class CallArrived:
    uniqueid: str
    linkedid: str
    channel: str
    did: str
    caller_number: str


@dataclass(frozen=True)
class CallQueuedEvent:
    call_id: str
    queue: str
    priority: int
    preferred_agent: str | None


@dataclass(frozen=True)
class CallOffered:
    call_id: str
    agent_id: str
    via: str


@dataclass(frozen=True)
class CallConnected:
    call_id: str
    agent_id: str
    caller_number: str
    queue: str | None


@dataclass(frozen=True)
class CallEnded:
    uniqueid: str
    outcome: str | None
    agent_id: str | None


@dataclass(frozen=True)
class CallOverflowedEvent:
    call_id: str
    from_queue: str
    to_queue: str
    reason: str


@dataclass(frozen=True)
class AgentStateEvent:
    agent_id: str
    old: str
    new: str
    reason: str | None


@dataclass(frozen=True)
class CallbackRequested:
    call_id: str
    number: str


@dataclass(frozen=True)
class CallbackDeclined:
    """The caller was offered a callback and keeps waiting instead (declined, or gave no
    number the centre may call)."""

    call_id: str


# --- inbox items other than AMI messages -------------------------------------


@dataclass(frozen=True)
class IvrFinished:
    uniqueid: str
    outcome: IvrOutcome
    preferred_agent: str | None
    preferred_reason: str | None


@dataclass(frozen=True)
class OfferResult:
    leg_id: str
    success: bool
    reason: int


@dataclass(frozen=True)
class _Tick:
    pass


@dataclass(frozen=True)
class CallbackDue:
    call_id: str


@dataclass(frozen=True)
class CallbackChosen:
    call_id: str
    number: DialNumber


@dataclass
class Command:
    """An agent or supervisor command, answered through `reply`."""

    run: Callable[[], Awaitable[Any]]
    reply: asyncio.Future[Any]


# Items the single writer handles in a row before it lets other tasks run.
YIELD_EVERY = 64


class TelephonyService:
    def __init__(
        self,
        centre: Centre,
        router: routing.Router,
        bus: EventBus,
        settings: TelephonySettings,
        *,
        journal: JournalWriter | None = None,
        destinations: DestinationPolicy | None = None,
        affinity: Callable[[str], Awaitable[tuple[str | None, str | None]]] | None = None,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._centre = centre
        self.router = router
        self._bus = bus
        self._settings = settings
        self._journal = journal
        # Which numbers an outbound call or a callback may dial.
        self.destinations = destinations or DestinationPolicy.from_settings(settings, "FR")
        # Where the dialplan finds this server's FastAGI (set once it listens).
        self.fastagi_url: str | None = None
        self._affinity = affinity
        self._clock = clock
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.ami: AmiClient | None = None
        self.calls: dict[str, LiveCall] = {}
        self._legs: dict[str, AgentLeg] = {}
        self._task: asyncio.Task[None] | None = None
        self._actions: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._ever_connected = False
        self._agents_by_device = {self.agent_dial(a): a for a in centre.agents}
        # For the journal's wrap-up time: each agent's last call and wrap-up start.
        self._last_call: dict[str, str] = {}
        self._wrap_up_started: dict[str, float] = {}

    # --- plumbing -------------------------------------------------------------

    def submit(self, item: Any) -> None:
        """Enqueue a link marker or an internal event (never blocks)."""
        self._inbox.put_nowait(item)

    def on_ami(self, item: Any) -> None:
        """The AMI client's sink. Messages are translated as they are read: an event the
        flow ignores never queues, and the raw message (a dict of every header) dies at
        once instead of waiting behind a burst; that kept parsing twice as fast in the
        ingest bench."""
        if isinstance(item, Message):
            if not self._concerns_us(item):
                return
            item = ami.translate(item)
            if item is None:
                return
        self._inbox.put_nowait(item)

    def _concerns_us(self, message: Message) -> bool:
        """Asterisk reports every channel and every device; of those only the server's own
        agent legs and the agents' phones matter, and the rest are dropped before they are
        translated. A leg is known before its Originate is sent, so this holds on read."""
        name = message.get("Event")
        if name == "Newchannel":
            return message.get("Uniqueid") in self._legs
        if name == "DeviceStateChange":
            return message.get("Device") in self._agents_by_device
        return True

    async def execute(self, run: Callable[[], Awaitable[Any]]) -> Any:
        """Run a command inside the single writer and return its result."""
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.submit(Command(run, reply))
        return await reply

    async def command(self, make_event: Callable[[float], routing.Event]) -> None:
        """Feed the core an agent or supervisor event built at the writer's clock."""

        async def run() -> None:
            self._handle(make_event(self._now()))

        await self.execute(run)

    async def start(self, ami_client: AmiClient) -> None:
        self.ami = ami_client
        self._task = asyncio.create_task(self._run(), name="telephony")

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        tasks = [t for t in (self._task, *self._actions) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def _run(self) -> None:
        inbox = self._inbox
        handled = 0
        while True:
            handled += 1
            if handled % YIELD_EVERY == 0:
                # A queue.get() that finds an item does not suspend: without this a
                # burst of AMI events would starve the FastAGI, HTTP and bus readers.
                await asyncio.sleep(0)
            item = inbox.get_nowait() if inbox.qsize() else await inbox.get()
            try:
                if isinstance(item, Command):
                    await self._run_command(item)
                else:
                    handler = _HANDLERS.get(type(item))
                    if handler is not None:
                        await handler(self, item)
            except Exception:
                # One bad event must not stop the call flow.
                log.exception("telephony_handler_failed", item=type(item).__name__)
            self._schedule_tick()

    async def _run_command(self, command: Command) -> None:
        try:
            result = await command.run()
        except Exception as exc:
            if not command.reply.done():
                command.reply.set_exception(exc)
        else:
            if not command.reply.done():
                command.reply.set_result(result)

    async def on_tick(self, _: _Tick) -> None:
        self._apply(self.router.handle(routing.Tick(at=self._now())))

    async def on_ami_link_lost(self, _: AmiLink.Down | AmiLink.LoginRefused) -> None:
        """Nothing to do: panoramisk reconnects, and the resync on `AmiLink.Up` catches up."""

    def _schedule_tick(self) -> None:
        deadline = self.router.next_deadline()
        if deadline == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = deadline
        if deadline is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(deadline, self._fire_tick)

    def _fire_tick(self) -> None:
        self._timer = None
        self._timer_at = None
        self.submit(_Tick())

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._actions.add(task)
        task.add_done_callback(self._actions.discard)

    def _send(self, action: actions.Action, timeout: float | None = None) -> Awaitable[Any]:
        """The action is written now (see `AmiClient.send`); await the reply."""
        assert self.ami is not None
        return self.ami.send(action, timeout=timeout)

    def _handle(self, event: routing.Event) -> None:
        self._apply(self.router.handle(event))

    # --- AMI link ---------------------------------------------------------------

    async def on_ami_connected(self, _: AmiLink.Up) -> None:
        if self.fastagi_url:
            # The dialplan reaches the IVR wherever this server listens.
            await self._send(actions.setvar("ACD_AGI", self.fastagi_url))
        if self._ever_connected:
            await self._resync()
        self._ever_connected = True

    async def _resync(self) -> None:
        """After a reconnect: calls whose channel vanished meanwhile ended unseen."""
        replies = await self._send(actions.core_show_channels(), timeout=10)
        alive = {
            m.get("Uniqueid")
            for m in (replies if isinstance(replies, list) else [])
            if m.get("Event") == "CoreShowChannel"
        }
        for call_id, call in list(self.calls.items()):
            if (
                call.direction == "inbound"
                and call.phase != Phase.CALLBACK
                and call_id not in alive
            ):
                log.info("resync_call_gone", call_id=call_id)
                await self.on_channel_hung_up(
                    ami.ChannelHungUp(ids=call.ids or ami.ChannelIds("", call_id, call_id))
                )
        for leg_id, leg in list(self._legs.items()):
            if leg.answered and leg_id not in alive:
                await self._leg_gone(leg)

    # --- inbound calls ------------------------------------------------------------

    async def on_inbound_call_arrived(self, event: ami.InboundCallArrived) -> None:
        call = LiveCall(
            call_id=event.ids.uniqueid,
            direction="inbound",
            started_at=self._clock(),
            ids=event.ids,
            caller_number=event.caller_number,
            dialled_number=event.did,
        )
        self.calls[call.call_id] = call
        log.info("call_arrived", did=event.did, caller=event.caller_number, call_id=call.call_id)
        self._bus.publish(
            CallArrived(
                uniqueid=event.ids.uniqueid,
                linkedid=event.ids.linkedid,
                channel=event.ids.channel,
                did=event.did,
                caller_number=event.caller_number,
            )
        )

    async def wait_known_call(self, uniqueid: str, timeout: float) -> bool:
        """Whether `uniqueid` is a call this server knows, waiting up to `timeout` s for it:
        a call's FastAGI session can open just before its AcdInbound event is handled."""
        with self._bus.subscribe((CallArrived,)) as arrivals:
            if uniqueid in self.calls:
                return True
            try:
                async with asyncio.timeout(timeout):
                    while (await arrivals.get()).uniqueid != uniqueid:
                        pass
            except TimeoutError:
                pass
            return uniqueid in self.calls

    async def handle_ivr(self, channel: IvrChannel, headers: dict[str, str]) -> None:
        """The FastAGI `ivr` script: runs outside the single writer, reports through it."""
        uniqueid = headers.get("agi_uniqueid", "")
        caller = headers.get("agi_callerid", "")
        did = headers.get("agi_extension", "")
        outcome = await run_ivr(self._centre, did, channel, self._clock())
        preferred: tuple[str | None, str | None] = (None, None)
        if outcome.kind == "queue" and self._affinity is not None and caller:
            try:
                preferred = await self._affinity(caller)
            except Exception:
                log.exception("affinity_lookup_failed", caller=caller)
        self.submit(IvrFinished(uniqueid, outcome, *preferred))
        if outcome.kind == "queue" and outcome.queue is not None:
            await channel.set_variable("ACD_QUEUE", outcome.queue)

    async def on_ivr_finished(self, event: IvrFinished) -> None:
        call = self.calls.get(event.uniqueid)
        if call is None:
            return
        call.ivr_path = list(event.outcome.path)
        if event.outcome.kind == "queue":
            call.queue = event.outcome.queue
            call.priority = event.outcome.priority
            call.preferred_agent = event.preferred_agent
            call.preferred_reason = event.preferred_reason
        elif event.outcome.kind == "closed":
            call.outcome = "closed_hours"

    async def on_caller_waiting(self, event: ami.CallerWaiting) -> None:
        call = self.calls.get(event.ids.uniqueid)
        if call is None:  # parked before this server knew it (restart): adopt it
            call = LiveCall(
                call_id=event.ids.uniqueid,
                direction="inbound",
                started_at=self._clock(),
                ids=event.ids,
                queue=event.queue,
            )
            self.calls[call.call_id] = call
        if call.phase != Phase.IVR:
            return
        call.ids = event.ids
        call.queue = call.queue or event.queue
        if call.queue not in self._centre.queues:
            log.warning("unknown_queue", queue=call.queue, call_id=call.call_id)
            return
        call.phase = Phase.WAITING
        call.enqueued_at = self._clock()
        preferred = self._preferred_agent(call)
        self._handle(
            routing.CallQueued(
                call.call_id,
                call.queue,
                priority=call.priority,
                preferred_agent=preferred,
                preferred_reason=call.preferred_reason if preferred else None,
                caller=call.caller_number or None,
                at=self._now(),
            )
        )
        self._bus.publish(CallQueuedEvent(call.call_id, call.queue, call.priority, preferred))
        callback_after = self._centre.queues[call.queue].callback_after
        if callback_after is not None:
            asyncio.get_running_loop().call_later(
                callback_after, self.submit, CallbackDue(call.call_id)
            )

    def _preferred_agent(self, call: LiveCall) -> str | None:
        agent_id = call.preferred_agent
        if agent_id is None or agent_id not in self._centre.agents:
            return None
        # S9 prefers the caller's last agent only when that agent is available; the
        # follow-up author (P5) and the case owner (P1) are waited for a while.
        if call.preferred_reason == "last_agent" and not self.router.agent(agent_id).available:
            return None
        return agent_id

    # --- applying the core's decisions -----------------------------------------------

    def _apply(self, decisions: list[routing.Decision]) -> None:
        # A waiting caller waits for an agent's phone to ring: the step's Originates are
        # written before its bookkeeping (state logs, bus, journal). A cancel goes in
        # turn with the offers: it names the leg the call had before a new offer.
        for decision in decisions:
            if isinstance(decision, routing.OfferCall):
                self._offer(decision)
            elif isinstance(decision, routing.CancelOffer):
                self._cancel_offer(decision)
        for decision in decisions:
            if isinstance(decision, routing.AgentStateChanged):
                self._agent_state_changed(decision)
            elif isinstance(decision, routing.CallOverflowed):
                call = self.calls.get(decision.call_id)
                if call is not None:
                    call.queue = decision.to_queue
                    call.overflowed = True
                    call.ivr_path.append(f"overflow:{decision.to_queue}")
                self._bus.publish(
                    CallOverflowedEvent(
                        decision.call_id, decision.from_queue, decision.to_queue, decision.reason
                    )
                )
            elif isinstance(decision, routing.CallLeftQueue):
                call = self.calls.get(decision.call_id)
                if call is not None and decision.outcome == routing.CallOutcome.ANSWERED:
                    call.wait_s = (call.wait_s or 0) + decision.wait

    def _agent_state_changed(self, decision: routing.AgentStateChanged) -> None:
        agent_id = decision.agent_id
        log.info(
            "agent_state",
            agent=agent_id,
            old=decision.old.value,
            new=decision.new.value,
            reason=decision.reason,
        )
        self._bus.publish(
            AgentStateEvent(agent_id, decision.old.value, decision.new.value, decision.reason)
        )
        if self._journal is None:
            return
        self._journal.record(
            AgentStateRecord(agent_id, decision.new.value, decision.reason, self._clock())
        )
        if decision.new == routing.AgentState.WRAP_UP:
            self._wrap_up_started[agent_id] = decision.at
        elif decision.old == routing.AgentState.WRAP_UP and agent_id in self._wrap_up_started:
            started = self._wrap_up_started.pop(agent_id)
            call_id = self._last_call.pop(agent_id, None)
            if call_id is not None:
                self._journal.record(CallRecord(call_id, wrapup_s=decision.at - started))

    def agent_dial(self, agent_id: str) -> str:
        agent = self._centre.agents.get(agent_id)
        if agent is not None and agent.phone:
            return agent.phone
        return self._settings.agent_dial.format(agent=agent_id)

    def _offer(self, decision: routing.OfferCall) -> None:
        call = self.calls.get(decision.call_id)
        if call is None:
            return
        leg = AgentLeg(leg_id=_new_id(), agent_id=decision.agent_id, call_id=call.call_id)
        self._legs[leg.leg_id] = leg
        call.leg = leg
        call.offered_at = call.offered_at or self._clock()
        if call.phase == Phase.CALLBACK:
            assert call.callback_number is not None
            # The agent first, then the customer: Dial from the agent's answered leg.
            application, data = "Dial", self._outbound_dial(call.callback_number)
            caller_id = self._centre_caller_id()
        else:
            assert call.ids is not None
            application, data = "Bridge", call.ids.channel
            # The agent's phone shows who is calling: the number as Asterisk reported it,
            # reduced to what a caller id may hold.
            caller_id = _display_number(call.caller_number)
        # Asterisk gives up ringing one second after the core would have.
        self._originate(leg, application, data, caller_id, decision.ring_timeout + 1)
        self._bus.publish(CallOffered(call.call_id, decision.agent_id, decision.via.value))

    def _outbound_dial(self, number: DialNumber) -> str:
        # Only the number's digits enter the dial string (`&` or `,` would change it).
        ring = int(self._settings.customer_answer_timeout)
        return f"{self._settings.outbound_dial.format(number=number.digits)},{ring}"

    def _centre_caller_id(self) -> str | None:
        """What a customer sees when the centre calls (None: the trunk's own)."""
        return self._settings.outbound_caller_id or None

    def _originate(
        self,
        leg: AgentLeg,
        application: str,
        data: str,
        caller_id: str | None,
        ring_timeout: float,
    ) -> None:
        """Ring the agent's phone: the Originate is written at once, its reply awaited
        apart."""
        try:
            action = actions.originate(
                channel=self.agent_dial(leg.agent_id),
                application=application,
                data=data,
                timeout_ms=int(ring_timeout * 1000),
                caller_id=caller_id,
                channel_id=leg.leg_id,
                # Local channels take a second id; the two must not prefix each other.
                other_channel_id=leg.leg_id[::-1],
            )
            reply = self._send(action, timeout=ring_timeout + 5)
        except (AmiError, actions.UnsafeAction) as exc:
            self._originate_failed(leg, exc)
            return
        self._spawn(self._originate_result(leg, reply))

    async def _originate_result(self, leg: AgentLeg, reply: Awaitable[Any]) -> None:
        try:
            replies = await reply
        except AmiError as exc:
            self._originate_failed(leg, exc)
            return
        final = replies[-1] if isinstance(replies, list) else replies
        self.submit(
            OfferResult(leg.leg_id, final.get("Response") == "Success", _int(final.get("Reason")))
        )

    def _originate_failed(self, leg: AgentLeg, error: Exception) -> None:
        log.warning("originate_failed", leg=leg.leg_id, agent=leg.agent_id, error=str(error))
        self.submit(OfferResult(leg.leg_id, False, 0))

    def _cancel_offer(self, decision: routing.CancelOffer) -> None:
        call = self.calls.get(decision.call_id)
        leg = call.leg if call is not None else None
        if leg is None or leg.agent_id != decision.agent_id:
            return
        leg.cancelled = True
        if leg.channel:
            self._spawn(self._hangup(leg.channel))

    async def _hangup(self, channel: str) -> None:
        try:
            await self._send(actions.hangup(channel))
        except AmiError as exc:
            log.info("hangup_failed", channel=channel, error=str(exc))

    async def on_channel_created(self, event: ami.ChannelCreated) -> None:
        leg = self._legs.get(event.ids.uniqueid)
        if leg is not None:
            leg.channel = event.ids.channel
            if leg.cancelled:
                self._spawn(self._hangup(leg.channel))

    async def on_offer_result(self, event: OfferResult) -> None:
        leg = self._legs.get(event.leg_id)
        if leg is None:
            return
        call = self.calls.get(leg.call_id)
        if call is not None and call.direction == "outbound":
            await self._outbound_answered(call, leg, event)
            return
        if event.success and leg.hung_up and call is not None and call.leg is leg:
            # The agent answered and the leg already ended before this reply came in.
            self._leg_answered(call, leg)
            await self._leg_gone(leg)
            return
        if call is None or call.leg is not leg or leg.cancelled:
            self._legs.pop(leg.leg_id, None)
            if event.success and leg.channel:  # answered too late: release the phone
                self._spawn(self._hangup(leg.channel))
            return
        if event.success:
            self._leg_answered(call, leg)
            return
        self._legs.pop(leg.leg_id, None)
        call.leg = None
        reason = {
            _REASON_BUSY: routing.OfferFailure.BUSY.value,
            _REASON_NO_ANSWER: routing.NO_ANSWER,
        }.get(event.reason, routing.OfferFailure.UNREACHABLE.value)
        self._handle(routing.OfferFailed(call.call_id, leg.agent_id, reason, at=self._now()))

    async def on_device_state_changed(self, event: ami.DeviceStateChanged) -> None:
        """A phone busy with a call the server did not place is not offered calls."""
        agent_id = self._agents_by_device.get(event.device)
        if agent_id is None:
            return
        busy = event.state not in _FREE_DEVICE_STATES
        view = self.router.agent(agent_id)
        if busy == view.device_busy:
            return
        log.debug("agent_device", agent=agent_id, state=event.state)
        # Our own offers and calls make the phone busy too; only the flag matters.
        event_type = routing.AgentDeviceBusy if busy else routing.AgentDeviceFree
        self._handle(event_type(agent_id, at=self._now()))

    def _leg_answered(self, call: LiveCall, leg: AgentLeg) -> None:
        leg.answered = True
        call.answered_at = self._clock()
        if call.agent_id != leg.agent_id:
            call.agent_ids.append(leg.agent_id)
        if call.phase == Phase.CALLBACK:
            call.callback_attempts += 1
        call.phase = Phase.CONNECTED
        self._handle(routing.OfferAnswered(call.call_id, leg.agent_id, at=self._now()))
        self._bus.publish(CallConnected(call.call_id, leg.agent_id, call.caller_number, call.queue))

    async def on_dial_ended(self, event: ami.DialEnded) -> None:
        leg = self._legs.get(event.uniqueid)
        if leg is not None:
            leg.dial_status = event.status

    async def on_channel_hung_up(self, event: ami.ChannelHungUp) -> None:
        leg = self._legs.get(event.ids.uniqueid)
        if leg is not None:
            await self._leg_gone(leg)
            return
        call = self.calls.get(event.ids.uniqueid)
        # Once a callback is chosen the caller's own line no longer matters: its hang-up
        # may even arrive after the agent's leg has answered.
        if call is None or call.phase == Phase.ENDED or call.callback_number is not None:
            return
        now = self._now()
        if call.phase == Phase.CONNECTED:
            call.outcome = "answered"
            if call.agent_id is not None:
                self._last_call[call.agent_id] = call.call_id
            self._handle(routing.CallEnded(call.call_id, at=now))
        elif call.phase in (Phase.WAITING, Phase.HELD):
            call.outcome = "abandoned"
            if call.enqueued_at is not None:
                call.wait_s = (self._clock() - call.enqueued_at).total_seconds()
            self._handle(routing.CallAbandoned(call.call_id, at=now))
        else:  # hung up in the IVR
            call.outcome = call.outcome or "abandoned"
        if call.overflowed and call.outcome == "abandoned":
            call.outcome = "overflowed"
        self._finish(call)

    async def _leg_gone(self, leg: AgentLeg) -> None:
        leg.hung_up = True
        call = self.calls.get(leg.call_id)
        if call is not None and call.leg is leg and not leg.answered and leg.dial_status is None:
            # Not known to be answered yet: Originate's reply, which may come after this
            # hang-up, tells whether the agent answered (it ends the call then) or why not.
            return
        self._legs.pop(leg.leg_id, None)
        if call is None:
            return
        if call.direction == "outbound":
            status = leg.dial_status or ""
            call.outcome = {"ANSWER": "outbound_answered", "BUSY": "outbound_busy"}.get(
                status, "outbound_failed"
            )
            self._finish(call)
        elif call.callback_number is not None and call.leg is leg:
            if not leg.answered:
                # The agent answered and the customer's line ended before Originate's
                # reply came in (a busy number answers at once).
                self._leg_answered(call, leg)
            # A callback is over when the agent's leg ends (the customer was dialled from it).
            answered = leg.dial_status == "ANSWER"
            self._handle(routing.CallEnded(call.call_id, at=self._now()))
            if answered or call.callback_attempts >= self._settings.callback_attempts:
                call.outcome = "callback" if answered else "no_answer"
                self._finish(call)
            else:
                call.phase = Phase.CALLBACK
                call.leg = None
                self._requeue_callback(call)

    def _finish(self, call: LiveCall) -> None:
        if call.phase == Phase.ENDED:
            return  # journaled once, whatever order the last events came in
        call.phase = Phase.ENDED
        call.ended_at = self._clock()
        self.calls.pop(call.call_id, None)
        if call.leg is not None:
            self._legs.pop(call.leg.leg_id, None)
        log.info("call_ended", call_id=call.call_id, outcome=call.outcome, agent=call.agent_id)
        if self._journal is not None:
            self._journal.record(call.journal_record())
        self._bus.publish(CallEnded(call.call_id, call.outcome, call.agent_id))

    # --- queued callback --------------------------------------------------------------

    async def on_callback_due(self, event: CallbackDue) -> None:
        """Offer "press 1 to be called back" to a caller still waiting."""
        call = self.calls.get(event.call_id)
        if call is None or call.phase != Phase.WAITING or call.leg is not None or call.ids is None:
            return
        call.phase = Phase.HELD
        await self._send(actions.redirect(call.ids.channel, "acd-callback"))

    async def handle_callback_offer(self, channel: IvrChannel, headers: dict[str, str]) -> None:
        """The FastAGI `callback` script: the caller accepts and confirms a number."""
        uniqueid = headers.get("agi_uniqueid", "")
        call = self.calls.get(uniqueid)
        caller = call.caller_number if call is not None else headers.get("agi_callerid", "")
        number = await choose_callback_number(
            channel, self._centre.ivr, caller, self.destinations.check
        )
        if number is None:
            self.submit(CallbackDeclined(uniqueid))
            return
        self.submit(CallbackChosen(uniqueid, number))
        await channel.set_variable("ACD_CALLBACK", "yes")

    async def on_callback_declined(self, event: CallbackDeclined) -> None:
        call = self.calls.get(event.call_id)
        if call is not None and call.phase == Phase.HELD:
            call.ivr_path.append("callback:declined")
            self._bus.publish(event)

    async def on_callback_chosen(self, event: CallbackChosen) -> None:
        self.request_callback(event.call_id, event.number)

    def request_callback(self, call_id: str, number: DialNumber) -> None:
        """The waiting caller chose to be called back at `number`: they keep their place."""
        call = self.calls.get(call_id)
        if call is None or call.phase not in (Phase.WAITING, Phase.HELD):
            return
        call.phase = Phase.CALLBACK
        call.callback_number = number
        call.ivr_path.append("callback")
        self._bus.publish(CallbackRequested(call_id, number.e164))

    def _requeue_callback(self, call: LiveCall) -> None:
        assert call.queue is not None
        self._handle(
            routing.CallQueued(call.call_id, call.queue, priority=call.priority, at=self._now())
        )

    # --- outbound calls (S6) -------------------------------------------------------------

    async def place_outbound_call(self, agent_id: str, number: DialNumber) -> str:
        """Ring the agent's phone, then dial `number` from it; returns the call id."""
        view = self.router.agent(agent_id)
        if view.state != routing.AgentState.MANUAL_CALL:
            raise TelephonyError(
                "agent_not_in_manual_call",
                f"agent {agent_id} is {view.state.value}: switch to manual call first",
            )
        if any(c.direction == "outbound" and c.agent_id == agent_id for c in self.calls.values()):
            raise TelephonyError("agent_busy", f"agent {agent_id} is already on an outbound call")
        leg = AgentLeg(leg_id=_new_id(), agent_id=agent_id, call_id="")
        leg.call_id = leg.leg_id
        call = LiveCall(
            call_id=leg.leg_id,
            direction="outbound",
            started_at=self._clock(),
            dialled_number=number.e164,
            caller_number=self._settings.outbound_caller_id,
            agent_ids=[agent_id],
            leg=leg,
        )
        self.calls[call.call_id] = call
        self._legs[leg.leg_id] = leg
        self._originate(
            leg,
            "Dial",
            self._outbound_dial(number),
            self._centre_caller_id(),
            self._settings.agent_answer_timeout,
        )
        return call.call_id

    async def _outbound_answered(self, call: LiveCall, leg: AgentLeg, event: OfferResult) -> None:
        if event.success:
            leg.answered = True
            call.offered_at = call.offered_at or self._clock()
            if leg.hung_up:  # the dial failed at once: the leg ended before this reply
                await self._leg_gone(leg)
            return
        call.outcome = "outbound_failed"
        self._legs.pop(leg.leg_id, None)
        self._finish(call)

    # --- transfers (P1) -----------------------------------------------------------------------

    async def transfer(self, call_id: str, *, to_agent: str | None, to_queue: str | None) -> None:
        """Blind transfer: the caller leaves the current agent and waits for the target."""
        call = self.calls.get(call_id)
        if call is None or call.phase != Phase.CONNECTED or call.ids is None:
            raise TelephonyError("call_not_connected", f"call {call_id} is not connected")
        decisions = self.router.handle(
            routing.TransferCall(call_id, to_agent=to_agent, to_queue=to_queue, at=self._now())
        )
        old_leg = call.leg
        call.leg = None
        if old_leg is not None:
            self._legs.pop(old_leg.leg_id, None)
            self._last_call[old_leg.agent_id] = call_id
        call.phase = Phase.HELD
        if to_queue is not None:
            call.queue = to_queue
        call.ivr_path.append(f"transfer:{to_agent or to_queue}")
        # Pull the caller out of the bridge; the agent's leg ends with it.
        await self._send(actions.redirect(call.ids.channel, "acd-hold"))
        self._apply(decisions)


def _new_id() -> str:
    return "acd-" + uuid.uuid4().hex


def _display_number(number: str) -> str | None:
    """A caller's number as a caller id header may carry it (None when nothing is left)."""
    kept = "".join(c for c in number[:32] if c.isascii() and (c.isdigit() or c in "+*#"))
    return kept or None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# Asterisk device states in which a phone can take a call.
_FREE_DEVICE_STATES = frozenset({"NOT_INUSE", "UNKNOWN"})

_HANDLERS: dict[type, Any] = {
    AmiLink.Up: TelephonyService.on_ami_connected,
    AmiLink.Down: TelephonyService.on_ami_link_lost,
    AmiLink.LoginRefused: TelephonyService.on_ami_link_lost,
    _Tick: TelephonyService.on_tick,
    ami.InboundCallArrived: TelephonyService.on_inbound_call_arrived,
    ami.CallerWaiting: TelephonyService.on_caller_waiting,
    ami.ChannelCreated: TelephonyService.on_channel_created,
    ami.ChannelHungUp: TelephonyService.on_channel_hung_up,
    ami.DialEnded: TelephonyService.on_dial_ended,
    ami.DeviceStateChanged: TelephonyService.on_device_state_changed,
    IvrFinished: TelephonyService.on_ivr_finished,
    OfferResult: TelephonyService.on_offer_result,
    CallbackDue: TelephonyService.on_callback_due,
    CallbackChosen: TelephonyService.on_callback_chosen,
    CallbackDeclined: TelephonyService.on_callback_declined,
}
