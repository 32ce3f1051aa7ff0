"""HTTP API and WebSocket: the only module tree that imports aiohttp's server side.

Routes are split by concern: this module holds the live call and agent API,
`problems` the problem+json answers and the mapping from error codes to statuses,
`customer_routes` customers, `case_routes` the case desk (cases opened by hand,
assigned, listed), `crm_routes` the rest of the CRM (a case's timeline, tasks,
notifications), `link_routes` the links in customer mails, `report_routes` the call
journal and statistics, `live` the WebSocket and `pages` the agent desktop and wallboard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from acd import routing
from acd.api import (
    auth,
    case_routes,
    crm_routes,
    customer_routes,
    link_routes,
    live,
    observability,
    openapi,
    pages,
    problems,
    report_routes,
    security,
)
from acd.api.common import (
    BUS,
    CENTRE,
    CRM,
    JOURNAL,
    TELEPHONY,
    BadRequest,
    agent_json,
    call_json,
    json_response,
    to_json,
)
from acd.api.contract import (
    CALL,
    PUBLIC,
    SELF_AGENT,
    SIGNED_IN,
    SUPERVISOR,
    endpoint,
    parsed_body,
    parsed_path,
    principal_of,
)
from acd.api.schemas import (
    AgentPath,
    AgentStateBody,
    AssignBody,
    CallPath,
    ForceStateBody,
    PlaceCallBody,
    TransferBody,
)
from acd.bus import EventBus
from acd.centre import Centre
from acd.config import Language
from acd.metrics import Metrics
from acd.telephony.journal import JournalWriter
from acd.telephony.service import TelephonyService
from crm.db.monitoring import DatabaseMonitor
from crm.identity import IdentityService
from crm.reports import ReportingService
from crm.services import CrmService

# --- health, live state ------------------------------------------------------------


@endpoint(PUBLIC)
async def health(request: web.Request) -> web.Response:
    telephony = request.app[TELEPHONY]
    connected = telephony.ami is not None and telephony.ami.connected
    # AMI frames the reader dropped (malformed or refused in translation), link kept up.
    malformed = telephony.ami.malformed_messages if telephony.ami is not None else 0
    return web.json_response(
        {
            "status": "ok" if connected else "degraded",
            "ami": connected,
            "ami_malformed_messages": malformed,
            **_journal_health(request.app),
        }
    )


def _journal_health(app: web.Application) -> dict[str, Any]:
    """The journal writer's counters: rows waiting, set aside as dead letters, dropped."""
    if JOURNAL not in app:
        return {}
    return {"journal": to_json(app[JOURNAL].stats)}


@endpoint(SIGNED_IN)
async def live_calls(request: web.Request) -> web.Response:
    """Every live call; an agent sees only their own."""
    telephony = request.app[TELEPHONY]
    principal = principal_of(request)
    return json_response(
        [
            call_json(telephony, call_id)
            for call_id, call in list(telephony.calls.items())
            if principal.is_supervisor or call.agent_id == principal.agent_id
        ]
    )


@endpoint(SUPERVISOR)
async def agents(request: web.Request) -> web.Response:
    return json_response([agent_json(v) for v in request.app[TELEPHONY].router.agents()])


@endpoint(SELF_AGENT, path=AgentPath)
async def agent(request: web.Request) -> web.Response:
    agent_id = parsed_path(request, AgentPath).agent_id
    return json_response(agent_json(request.app[TELEPHONY].router.agent(agent_id)))


@endpoint(SIGNED_IN)
async def queues(request: web.Request) -> web.Response:
    """Every queue with its unanswered calls in routing order; waits are as of now. Only
    supervisors see the callers' numbers."""
    show_callers = principal_of(request).is_supervisor
    telephony = request.app[TELEPHONY]
    router = telephony.router
    now = asyncio.get_running_loop().time()
    result = []
    for name in router.queue_names():
        snapshot = router.queue_snapshot(name)
        calls = []
        for view in snapshot.calls:
            live_call = telephony.calls.get(view.call_id)
            calls.append(
                {
                    **to_json(view),
                    "wait": round(max(view.wait, now - view.queue_entered_at), 1),
                    "caller": live_call.caller_number if live_call and show_callers else None,
                }
            )
        result.append(
            {
                **to_json(snapshot),
                "calls": calls,
                "longest_wait": max((c["wait"] for c in calls), default=0.0),
            }
        )
    return json_response(result)


# --- agent and supervisor commands -----------------------------------------------------

_STATE_COMMANDS: dict[str, Callable[[str, str, float], routing.Event]] = {
    "ready": lambda agent, _, at: routing.MakeAgentReady(agent, at=at),
    "paused": lambda agent, reason, at: routing.AgentPaused(agent, reason or "break", at=at),
    "logged_out": lambda agent, _, at: routing.AgentLoggedOut(agent, at=at),
    "manual_call": lambda agent, _, at: routing.EnterManualCall(agent, at=at),
}


@endpoint(SELF_AGENT, path=AgentPath, body=AgentStateBody)
async def set_agent_state(request: web.Request) -> web.Response:
    """An agent logs in, gets ready, pauses (with a reason), logs out or switches to manual call."""
    telephony = request.app[TELEPHONY]
    agent_id = parsed_path(request, AgentPath).agent_id
    body = parsed_body(request, AgentStateBody)
    state = body.state
    reason = body.reason or ""
    view = telephony.router.agent(agent_id)

    def event(at: float) -> routing.Event:
        if state == "ready" and view.state == routing.AgentState.LOGGED_OUT:
            return routing.AgentLoggedIn(agent_id, at=at)
        if state == "ready" and view.state == routing.AgentState.MANUAL_CALL:
            return routing.LeaveManualCall(agent_id, at=at)
        if state == "ready" and view.state == routing.AgentState.WRAP_UP:
            return routing.EndWrapUp(agent_id, at=at)
        command = _STATE_COMMANDS.get(state)
        if command is None:
            raise BadRequest(f"state must be one of {', '.join(_STATE_COMMANDS)}")
        return command(agent_id, reason, at)

    await telephony.command(event)
    return json_response(agent_json(telephony.router.agent(agent_id)))


@endpoint(SUPERVISOR, path=AgentPath, body=ForceStateBody)
async def force_agent_state(request: web.Request) -> web.Response:
    """Supervisor: force an agent ready, paused or logged out."""
    telephony = request.app[TELEPHONY]
    agent_id = parsed_path(request, AgentPath).agent_id
    body = parsed_body(request, ForceStateBody)
    state = routing.AgentState(body.state)
    reason = body.reason or "supervisor"
    await telephony.command(lambda at: routing.ForceAgentState(agent_id, state, reason, at=at))
    return json_response(agent_json(telephony.router.agent(agent_id)))


@endpoint(SELF_AGENT, path=AgentPath, body=PlaceCallBody, status=202)
async def place_call(request: web.Request) -> web.Response:
    """S6: an outbound call from an agent in the manual-call state."""
    telephony = request.app[TELEPHONY]
    # Parsed here, at the edge: only a number the centre may dial reaches the call flow.
    number = telephony.destinations.parse(parsed_body(request, PlaceCallBody).number)
    agent_id = parsed_path(request, AgentPath).agent_id
    call_id = await telephony.execute(lambda: telephony.place_outbound_call(agent_id, number))
    return json_response({"call_id": call_id}, status=202)


@endpoint(CALL, path=CallPath, body=TransferBody, status=202)
async def transfer_call(request: web.Request) -> web.Response:
    telephony = request.app[TELEPHONY]
    body = parsed_body(request, TransferBody)
    to_agent, to_queue = body.agent, body.queue
    if (to_agent is None) == (to_queue is None):
        raise BadRequest("give exactly one of 'agent' or 'queue'")
    call_id = parsed_path(request, CallPath).call_id
    await telephony.transfer(call_id, to_agent=to_agent, to_queue=to_queue)
    return json_response({"call_id": call_id, "transferred_to": to_agent or to_queue}, status=202)


@endpoint(SUPERVISOR, path=CallPath, body=AssignBody, status=202)
async def assign_call(request: web.Request) -> web.Response:
    """Supervisor: offer a waiting call to a chosen ready agent."""
    telephony = request.app[TELEPHONY]
    agent_id = parsed_body(request, AssignBody).agent
    call_id = parsed_path(request, CallPath).call_id
    await telephony.command(lambda at: routing.AssignCall(call_id, agent_id, at=at))
    return json_response({"call_id": call_id, "agent": agent_id}, status=202)


def create_app(
    telephony: TelephonyService,
    crm: CrmService,
    bus: EventBus,
    *,
    centre: Centre,
    reports: ReportingService,
    identity: IdentityService,
    metrics: Metrics,
    database: DatabaseMonitor,
    journal_writer: JournalWriter | None = None,
    allowed_hosts: frozenset[str],
    secure_cookies: bool = False,
    language: Language = "fr",
) -> web.Application:
    middlewares = [security.access_log_middleware, problems.problem_middleware]
    app = web.Application(middlewares=[*middlewares, auth.access_middleware])
    app[TELEPHONY] = telephony
    app[CRM] = crm
    app[BUS] = bus
    # The intake scripts and agents' escalation levels.
    app[CENTRE] = centre
    if journal_writer is not None:
        app[JOURNAL] = journal_writer
    app[auth.IDENTITY] = identity
    app[auth.ALLOWED_HOSTS] = allowed_hosts
    app[auth.SECURE_COOKIES] = secure_cookies
    security.install(app)
    app.router.add_get("/health", health)
    # Before the journal's /api/v1/calls/{call_id}: "live" is no call id.
    app.router.add_get("/api/v1/calls/live", live_calls)
    report_routes.add_routes(app, reports)
    app.router.add_post("/api/v1/calls/{call_id}/transfer", transfer_call)
    app.router.add_post("/api/v1/calls/{call_id}/assign", assign_call)
    app.router.add_get("/api/v1/agents", agents)
    app.router.add_get("/api/v1/agents/{agent_id}", agent)
    app.router.add_post("/api/v1/agents/{agent_id}/state", set_agent_state)
    app.router.add_post("/api/v1/agents/{agent_id}/force", force_agent_state)
    app.router.add_post("/api/v1/agents/{agent_id}/calls", place_call)
    app.router.add_get("/api/v1/queues", queues)
    for routes in (auth, crm_routes, customer_routes, case_routes, link_routes, live):
        routes.add_routes(app)
    pages.add_routes(app, language)
    observability.add_routes(app, metrics, database)
    openapi.add_routes(app)
    return app


# What the composition root holds the listening site by.
HttpRunner = web.AppRunner


async def listen(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app` on host:port; returns the runner and the port it got (port 0 picks one)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner, runner.addresses[0][1] if runner.addresses else port
