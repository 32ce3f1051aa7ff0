"""The single writer of live call state, and its inbox.

Every input (AMI events, link status, IVR results, agent and supervisor commands) goes
through one inbox consumed by one task, so live state never changes between two awaits
of a handler. The writer never awaits Asterisk: an action is written at once and its
reply awaited in a task of its own, whose result comes back through the inbox.

The stages of a call (inbound and IVR, offers, callback, outbound, transfer) are mixins
on this class, each in its own module; `acd.telephony.service` puts them together.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import structlog

from acd import routing
from acd.ami import actions
from acd.ami import events as ami
from acd.ami.client import AmiClient, AmiError, AmiLink, AmiMessage
from acd.bus import EventBus
from acd.centre import Centre
from acd.config import TelephonySettings
from acd.telephony.calls import AgentLeg, LiveCall, Phase
from acd.telephony.destinations import DestinationPolicy
from acd.telephony.events import CallEnded
from acd.telephony.journal import JournalWriter
from acd.telephony.ports import CallerAffinity

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
# A handler of one kind of inbox item, as an unbound method of the writer.
Handler = Callable[[Any, Any], Awaitable[None]]

# Items the single writer handles in a row before it lets other tasks run.
YIELD_EVERY = 64


class TelephonyError(Exception):
    """A command the live call flow refuses; `code` is part of the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- inbox items other than AMI events ------------------------------------------------


@dataclass
class Command:
    """An agent or supervisor command, answered through `reply`."""

    run: Callable[[], Awaitable[Any]]
    reply: asyncio.Future[Any]


@dataclass(frozen=True)
class Tick:
    """A timer of the routing core is due."""


def new_id() -> str:
    return "acd-" + uuid.uuid4().hex


class Writer:
    """The inbox, its task, and the state every stage shares."""

    # Every kind of inbox item and its handler (filled in by `TelephonyService`).
    handlers: ClassVar[Mapping[type, Handler]] = {}

    def __init__(
        self,
        centre: Centre,
        router: routing.Router,
        bus: EventBus,
        settings: TelephonySettings,
        *,
        journal: JournalWriter | None = None,
        destinations: DestinationPolicy | None = None,
        affinity: CallerAffinity | None = None,
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
        # Journal rows still open from before this start are a predecessor's: those whose
        # call is not taken up are closed at the first channel list (recovery).
        self._started_at = clock()
        self._lost_swept = False
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.ami: AmiClient | None = None
        self.calls: dict[str, LiveCall] = {}
        self._legs: dict[str, AgentLeg] = {}
        self._task: asyncio.Task[None] | None = None
        self._actions: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        # From each login until Asterisk's channel list is read (acd.telephony.recovery):
        # callers parking meanwhile are queued after the callers found in that list.
        self._listing = False
        self._deferred: list[ami.CallerWaiting] = []
        self._agents_by_device = {self.agent_dial(a): a for a in centre.agents}
        # For the journal's wrap-up time: each agent's last call and wrap-up start.
        self._last_call: dict[str, str] = {}
        self._wrap_up_started: dict[str, float] = {}

    @property
    def reading_channels(self) -> bool:
        """Between an AMI login and the handling of the channel list it asked for."""
        return self._listing

    # --- the inbox ----------------------------------------------------------------------

    def submit(self, item: Any) -> None:
        """Enqueue a link marker or an internal event (never blocks)."""
        self._inbox.put_nowait(item)

    def on_ami(self, item: Any) -> None:
        """The AMI client's sink. Messages are translated as they are read: an event the
        flow ignores never queues, and the raw message (a dict of every header) is freed
        at once instead of waiting behind a burst of events."""
        if isinstance(item, AmiMessage):
            if not self._concerns_us(item):
                return
            item = ami.translate(item)
            if item is None:
                return
        self._inbox.put_nowait(item)

    def _concerns_us(self, message: AmiMessage) -> bool:
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
                    handler = self.handlers.get(type(item))
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

    # --- timers -------------------------------------------------------------------------

    async def on_tick(self, _: Tick) -> None:
        self._handle(routing.Tick(at=self._now()))

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
        self.submit(Tick())

    # --- actions ------------------------------------------------------------------------

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._actions.add(task)
        task.add_done_callback(self._actions.discard)

    def _send(self, action: actions.Action, timeout: float | None = None) -> Awaitable[Any]:
        """The action is written now (see `AmiClient.send`); await the reply apart."""
        assert self.ami is not None
        return self.ami.send(action, timeout=timeout)

    def _send_apart(self, action: actions.Action, timeout: float | None = None) -> None:
        """Write `action` now and await its reply in a task of its own, logging a failure:
        for actions whose outcome the call flow learns from Asterisk's events."""
        try:
            reply = self._send(action, timeout)
        except AmiError as exc:
            log.warning("ami_action_failed", action=action.name, error=str(exc))
            return
        self._spawn(_logged(action.name, reply))

    def _handle(self, event: routing.Event) -> None:
        self._apply(self.router.handle(event))

    # --- the AMI link -------------------------------------------------------------------

    async def on_ami_connected(self, _: AmiLink.Up) -> None:
        if self.fastagi_url:
            # The dialplan reaches the IVR wherever this server listens.
            self._send_apart(actions.setvar("ACD_AGI", self.fastagi_url))
        self._list_channels()

    async def on_ami_link_lost(self, _: AmiLink.Down | AmiLink.LoginRefused) -> None:
        """Nothing to do: panoramisk reconnects, and the list read on `AmiLink.Up` catches
        up."""

    # --- shared by every stage ----------------------------------------------------------

    def agent_dial(self, agent_id: str) -> str:
        agent = self._centre.agents.get(agent_id)
        if agent is not None and agent.phone:
            return agent.phone
        return self._settings.agent_dial.format(agent=agent_id)

    def _journal_progress(self, call: LiveCall) -> None:
        """The row of a call in progress as it stands (no end yet): queued for the
        journal's next batch, never awaited, so routing pays no round trip for it."""
        if self._journal is not None:
            self._journal.record(call.journal_record())

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

    # --- defined by the stages ----------------------------------------------------------

    def _apply(self, decisions: list[routing.Decision]) -> None:
        """Perform the core's decisions (acd.telephony.offers)."""
        raise NotImplementedError

    async def on_channel_hung_up(self, event: ami.ChannelHungUp) -> None:
        """A caller's or a leg's channel ended (acd.telephony.inbound)."""
        raise NotImplementedError

    async def _leg_gone(self, leg: AgentLeg) -> None:
        """An agent leg's channel ended (acd.telephony.offers)."""
        raise NotImplementedError

    def _list_channels(self) -> None:
        """Ask Asterisk for its channels at a login (acd.telephony.recovery)."""
        raise NotImplementedError


async def _logged(name: str, reply: Awaitable[Any]) -> None:
    try:
        await reply
    except AmiError as exc:
        log.warning("ami_action_failed", action=name, error=str(exc))


HANDLERS: dict[type, Handler] = {
    AmiLink.Up: Writer.on_ami_connected,
    AmiLink.Down: Writer.on_ami_link_lost,
    AmiLink.LoginRefused: Writer.on_ami_link_lost,
    Tick: Writer.on_tick,
}
