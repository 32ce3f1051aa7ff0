"""The CRM over HTTP: screen pop and search (C2), cases with their timeline, status (S3),
priority (S1), intake answers (D4), follow-ups (C1), escalation (D5, S4), tasks (C1)
and notifications (S10).

There is no authentication yet: commands name their `actor` (the agent id or the
supervisor's name) in the body, for the case's audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from acd import routing
from acd.api.common import (
    CENTRE,
    CRM,
    TELEPHONY,
    BadRequest,
    body_of,
    flag,
    int_param,
    json_response,
    optional_text,
    text_field,
    to_json,
)
from acd.centre import intake_scripts
from crm import limits
from crm.domain.escalation import AgentCandidate
from crm.errors import UnknownIntakeScript
from crm.intake import IntakeScript
from crm.views import CustomerInfo, CustomerProfile

INTAKE = web.AppKey("intake", dict[str, IntakeScript])

# Agents who count as available for an escalated case: logged in and not paused (S4).
_AVAILABLE = frozenset(
    {
        routing.AgentState.READY,
        routing.AgentState.RINGING,
        routing.AgentState.ON_CALL,
        routing.AgentState.WRAP_UP,
        routing.AgentState.MANUAL_CALL,
    }
)


def _customer_json(customer: CustomerInfo) -> dict[str, Any]:
    return {**to_json(customer), "display_name": customer.display_name}


def _profile_json(profile: CustomerProfile | None) -> dict[str, Any]:
    if profile is None:
        return {"customer": None, "cases": []}
    return {"customer": _customer_json(profile.customer), "cases": to_json(profile.cases)}


def _require_agent(request: web.Request, agent_id: str) -> None:
    """Raises unknown_agent (404) for an id the centre does not declare."""
    request.app[TELEPHONY].router.agent(agent_id)


# --- customers (C2) -----------------------------------------------------------------


async def search_customers(request: web.Request) -> web.Response:
    """Screen pop and search box: `q` is a phone number, an email, a case number or an
    account number. Answers the customer and all their cases (S8), or nulls."""
    query = (request.query.get("q") or "").strip()
    if not query:
        raise BadRequest("'q' is required: a phone number, an email or a case number")
    return json_response(_profile_json(await request.app[CRM].search(query)))


# --- cases ----------------------------------------------------------------------------


async def case_details(request: web.Request) -> web.Response:
    details = await request.app[CRM].case_details(request.match_info["number"])
    return json_response(details)


async def set_status(request: web.Request) -> web.Response:
    """S3: change the status; S5/D7 mails follow from the CRM's rules."""
    body = await body_of(request)
    case = await request.app[CRM].set_case_status(
        request.match_info["number"],
        text_field(body, "status"),
        actor=text_field(body, "actor", limits.ACTOR),
        message=optional_text(body, "message", "") or "",
    )
    return json_response(case)


async def set_priority(request: web.Request) -> web.Response:
    """S1: a manual priority overrides the automatic one."""
    body = await body_of(request)
    case = await request.app[CRM].set_priority(
        request.match_info["number"],
        text_field(body, "priority"),
        actor=text_field(body, "actor", limits.ACTOR),
    )
    return json_response(case)


async def intake_script(request: web.Request) -> web.Response:
    queue = request.match_info["queue"]
    script = request.app[INTAKE].get(queue)
    if script is None:
        raise UnknownIntakeScript(f"no intake script for queue {queue!r}", script=queue)
    return json_response(script.model_dump(mode="json"))


async def record_intake(request: web.Request) -> web.Response:
    """D4: the answers are checked against the case's queue script (or `script`, a queue
    name) and stored with the case. Nothing is stored unless every answer is valid."""
    body = await body_of(request)
    actor = text_field(body, "actor", limits.ACTOR)
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise BadRequest("'answers' is required: an object of question id -> answer")
    crm = request.app[CRM]
    number = request.match_info["number"]
    case = await crm.get_case(number)
    name = optional_text(body, "script") or case.queue or ""
    script = request.app[INTAKE].get(name)
    if script is None:
        raise UnknownIntakeScript(f"no intake script for queue {name!r}", script=name)
    typed = await crm.record_intake_answers(
        number,
        script,
        answers,
        actor=actor,
        call_id=optional_text(body, "call_id", max_length=limits.CALL_ID),
    )
    return json_response({"case_number": number, "script": script.name, "answers": typed})


async def add_follow_up(request: web.Request) -> web.Response:
    """C1: a note (private by default), an outgoing mail or a call note on the timeline."""
    body = await body_of(request)
    follow_up = await request.app[CRM].add_follow_up(
        request.match_info["number"],
        author=text_field(body, "actor", limits.ACTOR),
        kind=optional_text(body, "kind", "note") or "note",
        body=text_field(body, "body"),
        visibility=optional_text(body, "visibility", "private") or "private",
        call_id=optional_text(body, "call_id", max_length=limits.CALL_ID),
    )
    return json_response(follow_up, status=201)


def _escalation_candidates(request: web.Request) -> list[AgentCandidate]:
    """D5, S4: the agents the router knows, with their level and the case types they
    handle (agents.yaml) and whether they are available now."""
    configured = request.app[CENTRE].agents
    candidates = []
    for view in request.app[TELEPHONY].router.agents():
        config = configured[view.agent_id]
        candidates.append(
            AgentCandidate(
                agent_id=view.agent_id,
                level=config.level,
                case_types=frozenset(config.case_types),
                available=view.state in _AVAILABLE,
            )
        )
    return candidates


async def escalate(request: web.Request) -> web.Response:
    """D5: up one level (0 -> 1 -> 2); the new owner is picked among that level's agents,
    or none when nobody fits (the case waits in the level's group)."""
    body = await body_of(request)
    case = await request.app[CRM].escalate(
        request.match_info["number"],
        actor=text_field(body, "actor", limits.ACTOR),
        candidates=_escalation_candidates(request),
    )
    return json_response(case)


# --- tasks (C1) -------------------------------------------------------------------------


async def create_task(request: web.Request) -> web.Response:
    body = await body_of(request)
    assignee = text_field(body, "assignee")
    _require_agent(request, assignee)
    try:
        due_at = datetime.fromisoformat(text_field(body, "due_at"))
    except ValueError as exc:
        raise BadRequest(f"'due_at' is an ISO 8601 time with a time zone: {exc}") from None
    minutes = body.get("reminder_minutes_before")
    if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool)):
        raise BadRequest("'reminder_minutes_before' must be a whole number")
    task = await request.app[CRM].create_task(
        actor=text_field(body, "actor", limits.ACTOR),
        assignee=assignee,
        kind=text_field(body, "kind"),
        title=text_field(body, "title", limits.TITLE),
        due_at=due_at,
        case_number=optional_text(body, "case_number"),
        reminder_minutes_before=minutes,
    )
    return json_response(task, status=201)


async def agent_tasks(request: web.Request) -> web.Response:
    agent_id = request.match_info["agent_id"]
    _require_agent(request, agent_id)
    tasks = await request.app[CRM].tasks_for(agent_id, include_done=flag(request, "include_done"))
    return json_response(tasks)


async def complete_task(request: web.Request) -> web.Response:
    body = await body_of(request)
    task_id = int_param(request.match_info["task_id"], "task id")
    task = await request.app[CRM].complete_task(
        task_id, actor=text_field(body, "actor", limits.ACTOR)
    )
    return json_response(task)


# --- notifications (S10) --------------------------------------------------------------


async def agent_notifications(request: web.Request) -> web.Response:
    agent_id = request.match_info["agent_id"]
    _require_agent(request, agent_id)
    notes = await request.app[CRM].notifications_for(agent_id, unread_only=flag(request, "unread"))
    return json_response(notes)


async def send_message(request: web.Request) -> web.Response:
    """S10: a supervisor's message to an agent, stored and pushed live to their desktop."""
    agent_id = request.match_info["agent_id"]
    _require_agent(request, agent_id)
    body = await body_of(request)
    note = await request.app[CRM].notify(
        agent_id,
        kind="supervisor_message",
        title=text_field(body, "title", limits.TITLE),
        body=optional_text(body, "body", "") or "",
        sender=text_field(body, "sender", limits.ACTOR),
        case_number=optional_text(body, "case_number"),
    )
    return json_response(note, status=201)


async def mark_read(request: web.Request) -> web.Response:
    agent_id = request.match_info["agent_id"]
    note_id = int_param(request.match_info["notification_id"], "notification id")
    return json_response(await request.app[CRM].mark_read(note_id, recipient=agent_id))


# --- what could not be written or sent (admins) ------------------------------------------


def _limit(request: web.Request) -> int:
    return max(1, min(int_param(request.query.get("limit", "50"), "limit"), 500))


async def journal_dead_letters(request: web.Request) -> web.Response:
    """Journal rows the database refused, newest first, with the reason."""
    return json_response(await request.app[CRM].journal_dead_letters(_limit(request)))


async def failed_deliveries(request: web.Request) -> web.Response:
    """Mails and webhook calls that gave up after their configured attempts."""
    crm = request.app[CRM]
    failed = await crm.failed_deliveries(_limit(request))
    return json_response({"counts": await crm.failed_delivery_counts(), "deliveries": failed})


def add_routes(app: web.Application) -> None:
    app[INTAKE] = intake_scripts(app[CENTRE])
    app.router.add_get("/api/customers", search_customers)
    app.router.add_get("/api/cases/{number}", case_details)
    app.router.add_post("/api/cases/{number}/status", set_status)
    app.router.add_post("/api/cases/{number}/priority", set_priority)
    app.router.add_post("/api/cases/{number}/intake", record_intake)
    app.router.add_post("/api/cases/{number}/follow-ups", add_follow_up)
    app.router.add_post("/api/cases/{number}/escalate", escalate)
    app.router.add_get("/api/intake/{queue}", intake_script)
    app.router.add_post("/api/tasks", create_task)
    app.router.add_post("/api/tasks/{task_id}/complete", complete_task)
    app.router.add_get("/api/agents/{agent_id}/tasks", agent_tasks)
    app.router.add_get("/api/agents/{agent_id}/notifications", agent_notifications)
    app.router.add_post("/api/agents/{agent_id}/notifications", send_message)
    app.router.add_post("/api/agents/{agent_id}/notifications/{notification_id}/read", mark_read)
    app.router.add_get("/api/journal/dead-letters", journal_dead_letters)
    app.router.add_get("/api/outbox/failed", failed_deliveries)
