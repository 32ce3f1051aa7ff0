"""Live updates: the WebSocket, and what an agent's desktop needs after a reload.

`/ws` streams every bus event as JSON `{"type": <class name>, ...fields}`.
`/ws?agent=<id>` is an agent's desktop stream: events about other agents are left out,
and the agent's notifications (S10) are pushed as `{"type": "Notification", ...}`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import structlog
from aiohttp import WSMsgType, web

from acd.api.common import BUS, CRM, TELEPHONY, agent_json, call_json, json_response, to_json
from acd.bus import EventBus
from acd.telephony.desk import TicketOpened
from acd.telephony.service import AgentStateEvent

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


async def desk(request: web.Request) -> web.Response:
    """Everything an agent's desktop shows at load: the agent, their live call, their
    last ticket (with the intake script) and their unread notification count."""
    telephony = request.app[TELEPHONY]
    agent_id = request.match_info["agent_id"]
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


def _concerns(event: Any, agent_id: str) -> bool:
    """Events naming another agent are not sent to this agent's desktop."""
    other = getattr(event, "agent_id", None)
    return other is None or other == agent_id


async def websocket(request: web.Request) -> web.WebSocketResponse:
    """Every call and agent event as JSON objects {"type": ..., ...}; with `?agent=<id>`,
    only what concerns that agent, plus their notifications."""
    agent_id = request.query.get("agent") or None
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
                        if agent_id is None or _concerns(item, agent_id):
                            await ws.send_json({"type": type(item).__name__, **to_json(item)})
                        getters[asyncio.ensure_future(events.get())] = "bus"
                    else:
                        assert notes is not None
                        await ws.send_json({"type": "Notification", **to_json(item)})
                        getters[asyncio.ensure_future(notes.get())] = "note"
                if reader in done:
                    message = reader.result()
                    if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
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
    app.router.add_get("/ws", websocket)
    app.router.add_get("/api/agents/{agent_id}/desk", desk)
