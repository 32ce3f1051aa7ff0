"""Live updates: the WebSocket, and what an agent's desktop needs after a reload.

`/api/v1/ws` streams events as JSON `{"type": <name>, ...fields}` to a signed-in user
whose page comes from an allowed origin, named and shaped by `acd.api.notifier` (the
vocabulary is in docs/events.md). A supervisor gets every event (or one agent's stream
with `?agent=<id>`); an agent gets their own stream only: events about them, their
notifications (S10) as `notification.created`, and the queue figures of calls queued or
overflowed, without the callers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import structlog
from aiohttp import WSMsgType, web

from acd.api import notifier
from acd.api.auth import origin_allowed
from acd.api.common import (
    BUS,
    CRM,
    TELEPHONY,
    ApiProblem,
    agent_json,
    call_json,
    json_response,
    to_json,
)
from acd.api.contract import (
    SELF_AGENT,
    SIGNED_IN,
    endpoint,
    parsed_path,
    parsed_query,
    principal_of,
)
from acd.api.schemas import AgentPath, LiveQuery
from acd.bus import EventBus
from acd.telephony.events import AgentStateEvent, TicketOpened

log = structlog.get_logger(__name__)


class DeskMemory:
    """The last ticket opened for each agent, so a desktop reloaded in the middle of a
    call (or during wrap-up) finds its ticket and intake script again."""

    def __init__(self) -> None:
        self.tickets: dict[str, TicketOpened] = {}

    def see(self, event: Any) -> None:
        if isinstance(event, TicketOpened):
            self.tickets[event.agent_id] = event
        elif isinstance(event, AgentStateEvent) and event.new == "logged_out":
            self.tickets.pop(event.agent_id, None)

    async def follow(self, bus: EventBus) -> None:
        with bus.subscribe((TicketOpened, AgentStateEvent)) as events:
            while True:
                self.see(await events.get())


DESK_MEMORY = web.AppKey("desk_memory", DeskMemory)


async def _desk_memory_ctx(app: web.Application) -> AsyncIterator[None]:
    memory = app[DESK_MEMORY]
    task = asyncio.create_task(memory.follow(app[BUS]), name="desk-memory")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@endpoint(SELF_AGENT, path=AgentPath)
async def desk(request: web.Request) -> web.Response:
    """Everything an agent's desktop shows at load: the agent, their live call, their
    last ticket (with the intake script) and their unread notification count."""
    telephony = request.app[TELEPHONY]
    agent_id = parsed_path(request, AgentPath).agent_id
    view = telephony.router.agent(agent_id)
    call = call_json(telephony, view.call_id) if view.call_id else None
    if call is None:
        # A call the core no longer tracks (outbound, or answered and bridged).
        call = next(
            (
                call_json(telephony, c.call_id)
                for c in list(telephony.calls.values())
                if c.agent_id == agent_id and c.phase.value == "connected"
            ),
            None,
        )
    ticket = request.app[DESK_MEMORY].tickets.get(agent_id)
    unread = await request.app[CRM].notifications_for(agent_id, unread_only=True)
    return json_response(
        {
            "agent": agent_json(view),
            "call": call,
            "ticket": to_json(ticket) if ticket is not None else None,
            "unread_notifications": len(unread),
        }
    )


@endpoint(SIGNED_IN, query=LiveQuery, documented=False)
async def websocket(request: web.Request) -> web.WebSocketResponse:
    """Call and agent events as JSON objects {"type": <name>, ...}, as the user's role may
    see them (see the module docstring)."""
    # Long on purpose: a single loop waits on the bus, the notifications and the
    # socket together, and its cleanup must see every pending getter.
    if not origin_allowed(request):
        raise ApiProblem(403, "foreign_origin", "WebSockets from another site are refused")
    principal = principal_of(request)
    agent_id = principal.agent_id if not principal.is_supervisor else None
    if agent_id is None and principal.is_supervisor:
        agent_id = parsed_query(request, LiveQuery).agent
    if agent_id is None and not principal.is_supervisor:
        raise ApiProblem(403, "forbidden", "this user follows no agent")
    if agent_id is not None:
        request.app[TELEPHONY].router.agent(agent_id)  # unknown agent: 404 before upgrading
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    bus = request.app[BUS]
    hub = request.app[CRM].hub
    async with contextlib.AsyncExitStack() as stack:
        events: asyncio.Queue[Any] = stack.enter_context(bus.subscribe())
        notes: asyncio.Queue[Any] | None = None
        if agent_id is not None:
            notes = await stack.enter_async_context(hub.subscribe(agent_id))
        getters: dict[asyncio.Future[Any], str] = {asyncio.ensure_future(events.get()): "bus"}
        if notes is not None:
            getters[asyncio.ensure_future(notes.get())] = "note"
        reader = asyncio.ensure_future(ws.receive())
        try:
            while not ws.closed:
                done, _ = await asyncio.wait(
                    {*getters, reader}, return_when=asyncio.FIRST_COMPLETED
                )
                for getter in [g for g in getters if g in done]:
                    source = getters.pop(getter)
                    item = getter.result()
                    if source == "bus":
                        message = (
                            notifier.published(item)
                            if agent_id is None
                            else notifier.for_agent(item, agent_id)
                        )
                        if message is not None:
                            await ws.send_json(message)
                        getters[asyncio.ensure_future(events.get())] = "bus"
                    else:
                        assert notes is not None
                        await ws.send_json(notifier.notification(item))
                        getters[asyncio.ensure_future(notes.get())] = "note"
                if reader in done:
                    received = reader.result()
                    if received.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                        break
                    reader = asyncio.ensure_future(ws.receive())
        except ConnectionResetError:
            log.info("websocket_gone", agent=agent_id)
        finally:
            reader.cancel()
            for getter in getters:
                getter.cancel()
    return ws


def add_routes(app: web.Application) -> None:
    app[DESK_MEMORY] = DeskMemory()
    app.cleanup_ctx.append(_desk_memory_ctx)
    app.router.add_get("/api/v1/ws", websocket)
    app.router.add_get("/api/v1/agents/{agent_id}/desk", desk)
