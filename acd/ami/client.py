"""One AMI connection to Asterisk, on top of panoramisk.

panoramisk reconnects by itself, but its callbacks are fire-and-forget, its
actions have no deadline and it re-sends unanswered actions after a reconnect.
This wrapper fixes those three: callbacks only enqueue, every action has a
deadline, nothing is re-sent (the caller saw a timeout and the server resyncs
from Asterisk after each reconnect), and a ping that gets no reply in time
drops the link so it is rebuilt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import structlog
from panoramisk import Manager
from panoramisk.message import Message

from acd.ami import actions
from acd.ami.actions import Action
from acd.ami.events import SUBSCRIBED_EVENTS
from acd.ami.reader import DEFAULT_MAX_FRAME_BYTES, GuardedAmiProtocol, MalformedMessages
from acd.config import AmiSettings

log = structlog.get_logger(__name__)

# One message read from Asterisk (an event, or one reply to an action): a mapping of its
# headers. The client's sink gets these, between `AmiLink` markers.
AmiMessage = Message


def quiet_library_logs() -> None:
    """panoramisk logs every action it sends, Login (and its secret) included: keep its
    warnings only."""
    logging.getLogger("panoramisk").setLevel(logging.WARNING)


class AmiError(Exception):
    """An AMI action failed; `code` is part of the API."""

    code = "ami_error"


class AmiUnavailable(AmiError):
    code = "ami_unavailable"


class AmiTimeout(AmiError):
    code = "ami_timeout"


class AmiActionFailed(AmiError):
    code = "ami_action_failed"

    def __init__(self, action: str, reply: Message) -> None:
        super().__init__(f"{action}: {reply.get('Message', 'failed')}")
        self.reply = reply


class _Everything:
    """Tells panoramisk that every action may be forgotten on reconnect."""

    def __contains__(self, _: object) -> bool:
        return True


class AmiLink:
    """Status markers the client puts on the event queue, between AMI events."""

    class Up:
        """Logged in (first time or after a reconnect): time to resync."""

    class Down:
        """The link dropped; panoramisk reconnects."""

    class LoginRefused:
        """Asterisk refused the username or secret."""


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's Manager, reporting a refused login (it stays silent)."""

    def __init__(self, *, on_login_refused: Callable[[], None], **config: Any) -> None:
        super().__init__(**config)
        self._on_login_refused = on_login_refused

    def login(self, future: asyncio.Future[Message]) -> bool:
        authenticated: bool = super().login(future)
        if not authenticated:
            self._on_login_refused()
        return authenticated


class AmiClient:
    """Connects, keeps the link alive, and feeds every event into `sink`.

    `sink` is the single queue the telephony service consumes; panoramisk
    callbacks only put onto it (one writer for live state).
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        secret: str,
        sink: Callable[[Any], None],
        action_timeout: float = 5.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 3.0,
        reconnect_delay: float = 1.0,
        events: Collection[str] | None = SUBSCRIBED_EVENTS,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        self._sink = sink
        # Frames refused by the reader, or whose handling raised (see acd/ami/reader.py).
        self._malformed = MalformedMessages()
        # Only these events are sent by Asterisk on this session (None: all of them).
        self._events = events
        self._filter_task: asyncio.Task[None] | None = None
        self._action_timeout = action_timeout
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._connected = asyncio.Event()
        self._logins = 0
        self._event_lag: float | None = None
        self._ping_task: asyncio.Task[None] | None = None
        self._manager = _Manager(
            host=host,
            port=port,
            username=username,
            secret=secret,
            # The ping below replaces panoramisk's, which never checks the reply.
            ping_delay=10**6,
            ping_interval=10**6,
            reconnect_timeout=max(1, round(reconnect_delay)),
            forgetable_actions=_Everything(),
            on_login=self._on_login,
            on_disconnect=self._on_disconnect,
            on_login_refused=self._on_login_refused,
            protocol_factory=lambda: GuardedAmiProtocol(self._malformed, max_frame_bytes),
        )
        self._manager.register_event("*", self._on_event)

    @classmethod
    def from_settings(cls, settings: AmiSettings, sink: Callable[[Any], None]) -> AmiClient:
        """A client for the Asterisk `settings` describe (the secret read from its file)."""
        return cls(
            host=settings.host,
            port=settings.port,
            username=settings.username,
            secret=settings.resolved_secret(),
            sink=sink,
            action_timeout=settings.action_timeout,
            ping_interval=settings.ping_interval,
            ping_timeout=settings.ping_timeout,
            reconnect_delay=settings.reconnect_delay,
            # Without the Filter action the session gets what the manager user's
            # eventfilter lines let through.
            events=SUBSCRIBED_EVENTS if settings.subscribe_filter else None,
        )

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def malformed_messages(self) -> int:
        """AMI frames dropped since start: unparsable, too long, or refused in handling
        (an event that does not translate into bounded fields); the link stayed up."""
        return self._malformed.count

    @property
    def logins(self) -> int:
        """Successful logins since start: the first one, then one per reconnect."""
        return self._logins

    @property
    def event_lag(self) -> float | None:
        """Seconds between Asterisk stamping the last event (`timestampevents`) and this
        client receiving it; None before the first stamped event. Includes any clock skew
        between the two hosts."""
        return self._event_lag

    async def start(self) -> None:
        """Start connecting; returns at once (see `wait_connected`)."""
        self._manager.loop = asyncio.get_running_loop()
        self._manager.connect()
        self._ping_task = asyncio.create_task(self._keep_alive(), name="ami-ping")

    async def wait_connected(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self._connected.wait()

    async def close(self) -> None:
        for task in (self._ping_task, self._filter_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._connected.clear()
        # Stop panoramisk from reconnecting once we close on purpose, and close a
        # reconnection it had already scheduled (after a dropped link) as soon as it lands.
        self._manager.connection_lost = lambda exc: None
        self._manager.connection_made = _close_connection
        self._manager.close()

    def send(self, action: Action, timeout: float | None = None) -> Awaitable[Any]:
        """Write one action now and return an awaitable of its reply (a list for
        multi-reply actions). The action leaves when `send` is called, not when the reply
        is awaited: an agent's Originate does not wait behind the rest of the event
        loop's ready work. Only actions built by `acd.ami.actions` are sent: their
        values were checked for anything that would break the frame.

        Raises AmiUnavailable at once when not logged in; awaiting the reply raises
        AmiTimeout past the deadline, AmiActionFailed when Asterisk answers with an error.
        """
        if not isinstance(action, Action):
            raise TypeError(f"AMI actions are built by acd.ami.actions, not {type(action)}")
        if not self.connected:
            raise AmiUnavailable(f"{action.name}: not connected to Asterisk")
        reply = self._manager.send_action(action.as_dict())
        return self._reply(action.name, reply, timeout or self._action_timeout)

    @staticmethod
    async def _reply(name: str, reply: Awaitable[Any], timeout: float) -> Any:
        try:
            async with asyncio.timeout(timeout):
                message = await reply
        except TimeoutError:
            raise AmiTimeout(f"{name}: no reply within {timeout}s") from None
        first = message[0] if isinstance(message, list) else message
        if not first.success:
            raise AmiActionFailed(name, first)
        return message

    def _on_event(self, _: Manager, message: Message) -> None:
        stamp = message.get("Timestamp")
        if stamp is not None:
            with contextlib.suppress(ValueError):
                self._event_lag = time.time() - float(stamp)
        self._sink(message)

    def _on_login(self, _: Manager) -> None:
        self._connected.set()
        self._logins += 1
        log.info("ami_connected")
        if self._events is not None:
            # A session's filters do not survive a reconnect: set them at every login.
            self._filter_task = asyncio.get_running_loop().create_task(self._subscribe())
        self._sink(AmiLink.Up())

    async def _subscribe(self) -> None:
        assert self._events is not None
        # One include filter (a regex on the event's text): every other event is dropped
        # by Asterisk before it is formatted for this session.
        names = "|".join(sorted(self._events))
        try:
            await self.send(actions.filter_add(f"Event: ({names})[[:space:]]"))
        except AmiError as exc:
            log.warning("ami_filter_failed", error=str(exc))

    def _on_login_refused(self) -> None:
        log.error("ami_login_refused", hint="check ami.username and the AMI secret")
        self._sink(AmiLink.LoginRefused())

    def _on_disconnect(self, _: Manager, exc: Exception | None) -> None:
        was_connected = self.connected
        self._connected.clear()
        if was_connected:
            log.warning("ami_disconnected", reason=str(exc) if exc else None)
            self._sink(AmiLink.Down())

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self._ping_interval)
            if not self.connected:
                continue
            try:
                await self.send(actions.ping(), timeout=self._ping_timeout)
            except AmiError as exc:
                log.warning("ami_ping_failed", error=str(exc))
                self.drop_link()

    def drop_link(self) -> None:
        """Abort the socket at once, unsent actions with it, as a dead process's would
        be; panoramisk then reconnects."""
        protocol = self._manager.protocol
        if protocol is not None and protocol.transport is not None:
            protocol.transport.abort()


def _close_connection(made: asyncio.Future[Any]) -> None:
    if not made.cancelled() and made.exception() is None:
        transport, _ = made.result()
        transport.close()
