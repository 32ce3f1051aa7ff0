"""The case desk over HTTP: cases opened by hand (C1), edited (their type drives S4's
escalation), assigned (S2), and the work lists: an agent's own case queue and the team
pool of cases nobody owns, escalated ones by level."""

from __future__ import annotations

from aiohttp import web

from acd import access
from acd.api.common import BUS, CENTRE, CRM, ApiProblem, json_response, require_agent
from acd.api.contract import (
    CASE,
    SELF_AGENT,
    SIGNED_IN,
    agent_teams,
    endpoint,
    parsed_body,
    parsed_path,
    parsed_query,
    principal_of,
)
from acd.api.crm_schemas import CaseAssignBody, CaseChangesBody, CasesQuery, NewCaseBody
from acd.api.schemas import AgentPath, CasePath
from acd.telephony.case_assigner import CasesChanged
from crm.domain.cases import ACTIVE_STATUSES, CaseStatus, Priority, Severity, Visibility
from crm.views import CaseChanges, CaseFilter, HandOpenedCase


def _known_queue(request: web.Request, queue: str | None) -> None:
    if queue is not None and queue not in request.app[CENTRE].queues:
        raise ApiProblem(422, "invalid_value", f"no queue {queue!r}", {"field": "queue"})


@endpoint(SIGNED_IN, body=NewCaseBody, status=201)
async def open_case(request: web.Request) -> web.Response:
    """C1, S1: an agent's case is theirs when their case queue has room, else it waits in
    the pool; a supervisor gives it to anyone, past capacity (S2), or to nobody."""
    body = parsed_body(request, NewCaseBody)
    principal = principal_of(request)
    supervisor = access.is_supervisor(principal)
    owner = body.owner if supervisor else principal.agent_id
    if not supervisor and body.owner not in (None, principal.agent_id):
        raise ApiProblem(403, "forbidden", "agents open cases for themselves only")
    if owner is not None:
        require_agent(request, owner)
    _known_queue(request, body.queue)
    case = await request.app[CRM].open_case_by_hand(
        HandOpenedCase(
            title=body.title,
            subject=body.subject or None,
            customer_id=body.customer_id,
            contact_number=body.contact_number,
            queue=body.queue,
            priority=None if body.priority is None else Priority(body.priority),
            severity=Severity(body.severity),
            visibility=Visibility(body.visibility),
            owner_agent_id=owner,
            past_capacity=supervisor,
            note=body.note,
        ),
        actor=principal.actor,
    )
    if case.owner_agent_id is None:
        request.app[BUS].publish(CasesChanged())  # the pool has a case for Q3
    return json_response(case, status=201)


@endpoint(CASE, path=CasePath, body=CaseChangesBody)
async def update_case(request: web.Request) -> web.Response:
    body = parsed_body(request, CaseChangesBody)
    changes = CaseChanges(
        title=body.title,
        subject=body.subject,
        severity=None if body.severity is None else Severity(body.severity),
        visibility=None if body.visibility is None else Visibility(body.visibility),
    )
    number = parsed_path(request, CasePath).number
    case = await request.app[CRM].update_case(number, changes, actor=principal_of(request).actor)
    return json_response(case)


@endpoint(CASE, path=CasePath, body=CaseAssignBody)
async def assign_case(request: web.Request) -> web.Response:
    """S2: a supervisor assigns to anyone, past capacity, or back to the pool; an agent
    takes a case for themselves while their case queue has room."""
    agent_id = parsed_body(request, CaseAssignBody).agent_id
    principal = principal_of(request)
    supervisor = access.is_supervisor(principal)
    if not supervisor and (agent_id is None or agent_id != principal.agent_id):
        raise ApiProblem(403, "forbidden", "agents take cases for themselves only")
    if agent_id is not None:
        require_agent(request, agent_id)
    case = await request.app[CRM].assign_case(
        parsed_path(request, CasePath).number,
        agent_id,
        actor=principal.actor,
        automatic=not supervisor,
    )
    request.app[BUS].publish(CasesChanged())  # back in the pool, or room freed (Q3)
    return json_response(case)


def _statuses(status: str) -> tuple[CaseStatus, ...]:
    if status == "active":
        return tuple(sorted(ACTIVE_STATUSES))
    return (CaseStatus(status),)


@endpoint(SIGNED_IN, query=CasesQuery)
async def list_cases(request: web.Request) -> web.Response:
    """Cases by owner (`owner=none`: the pool), queue, escalation level, type and status,
    the most urgent first. An agent sees their own cases and their team's queues'."""
    query = parsed_query(request, CasesQuery)
    principal = principal_of(request)
    queues: frozenset[str] | None = None if query.queue is None else frozenset({query.queue})
    owner = None if query.owner in (None, "none") else query.owner
    if not access.is_supervisor(principal):
        if principal.agent_id is None:
            raise ApiProblem(403, "forbidden", "only agents and supervisors list cases")
        if owner != principal.agent_id:
            teams = agent_teams(request, principal.agent_id)
            queues = teams if queues is None else queues & teams
    cases = await request.app[CRM].list_cases(
        CaseFilter(
            statuses=_statuses(query.status),
            owner_agent_id=owner,
            unassigned=query.owner == "none",
            queues=queues,
            escalation_level=query.level,
            subject=query.subject,
            limit=query.limit,
        )
    )
    return json_response({"cases": cases})


@endpoint(SELF_AGENT, path=AgentPath)
async def agent_cases(request: web.Request) -> web.Response:
    """S2: the agent's case queue (their active cases) and its capacity; a supervisor's
    assignments may take it past capacity."""
    agent_id = parsed_path(request, AgentPath).agent_id
    require_agent(request, agent_id)
    crm = request.app[CRM]
    cases = await crm.list_cases(
        CaseFilter(statuses=_statuses("active"), owner_agent_id=agent_id, limit=200)
    )
    capacity = crm.settings.max_cases_per_agent
    return json_response({"agent_id": agent_id, "capacity": capacity, "cases": cases})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/cases", list_cases)
    app.router.add_post("/api/v1/cases", open_case)
    app.router.add_patch("/api/v1/cases/{number}", update_case)
    app.router.add_post("/api/v1/cases/{number}/assign", assign_case)
    app.router.add_get("/api/v1/agents/{agent_id}/cases", agent_cases)
