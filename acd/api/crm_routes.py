"""The CRM over HTTP, customers aside (`customer_routes`): cases with their timeline,
status (S3), priority (S1), intake answers (D4), follow-ups (C1), escalation (D5, S4),
tasks (C1) and notifications (S10).

The audit trail's `actor` is the signed-in user (`Principal.actor`), never a body field.
"""

from __future__ import annotations

from aiohttp import web

from acd import access
from acd.api.common import BUS, CENTRE, CRM, TELEPHONY, ApiProblem, json_response, require_agent
from acd.api.contract import (
    ADMIN,
    CASE,
    SELF_AGENT,
    SIGNED_IN,
    SUPERVISOR,
    TASK,
    agent_teams,
    endpoint,
    parsed_body,
    parsed_path,
    parsed_query,
    principal_of,
)
from acd.api.crm_schemas import (
    CasePriorityBody,
    CaseStatusBody,
    FollowUpBody,
    IntakeBody,
    IntakeDraftBody,
    MessageBody,
    NewTaskBody,
    NotificationsQuery,
    TasksQuery,
)
from acd.api.schemas import (
    AgentPath,
    CasePath,
    LimitQuery,
    NoBody,
    NotificationPath,
    QueuePath,
    TaskPath,
)
from acd.centre import intake_scripts
from acd.telephony.case_assigner import AVAILABLE, CasesChanged
from crm.accounts import Principal
from crm.domain.escalation import AgentCandidate
from crm.errors import UnknownIntakeScript
from crm.intake import IntakeScript

INTAKE = web.AppKey("intake", dict[str, IntakeScript])


# --- cases ----------------------------------------------------------------------------


def _number(request: web.Request) -> str:
    return parsed_path(request, CasePath).number


def _actor(request: web.Request) -> str:
    return principal_of(request).actor


@endpoint(CASE, path=CasePath)
async def case_details(request: web.Request) -> web.Response:
    details = await request.app[CRM].case_details(_number(request))
    return json_response(details)


@endpoint(CASE, path=CasePath, body=CaseStatusBody)
async def set_status(request: web.Request) -> web.Response:
    """S3: change the status; S5/D7 mails follow from the CRM's rules."""
    body = parsed_body(request, CaseStatusBody)
    case = await request.app[CRM].set_case_status(
        _number(request), body.status, actor=_actor(request), message=body.message
    )
    # A resolved or closed case frees room in its owner's case queue (Q3).
    request.app[BUS].publish(CasesChanged())
    return json_response(case)


@endpoint(CASE, path=CasePath, body=CasePriorityBody)
async def set_priority(request: web.Request) -> web.Response:
    """S1: a manual priority overrides the automatic one."""
    body = parsed_body(request, CasePriorityBody)
    case = await request.app[CRM].set_priority(
        _number(request), body.priority, actor=_actor(request)
    )
    return json_response(case)


@endpoint(SIGNED_IN, path=QueuePath)
async def intake_script(request: web.Request) -> web.Response:
    queue = parsed_path(request, QueuePath).queue
    script = request.app[INTAKE].get(queue)
    if script is None:
        raise UnknownIntakeScript(f"no intake script for queue {queue!r}", script=queue)
    return json_response(script.model_dump(mode="json"))


@endpoint(SIGNED_IN, path=QueuePath, body=IntakeDraftBody)
async def intake_asked(request: web.Request) -> web.Response:
    """D4: which of the script's questions are asked given the answers so far.

    Answers `{"asked": [ids in script order], "missing": [ids of the required questions
    asked and not answered yet]}`; the desk shows the questions asked and nothing else."""
    queue = parsed_path(request, QueuePath).queue
    script = request.app[INTAKE].get(queue)
    if script is None:
        raise UnknownIntakeScript(f"no intake script for queue {queue!r}", script=queue)
    answers = parsed_body(request, IntakeDraftBody).answers
    asked = script.asked(answers)
    missing = [q.id for q in asked if q.required and answers.get(q.id) in (None, "")]
    return json_response({"asked": [q.id for q in asked], "missing": missing})


@endpoint(CASE, path=CasePath, body=IntakeBody)
async def record_intake(request: web.Request) -> web.Response:
    """D4: the answers are checked against the case's queue script (or `script`, a queue
    name) and stored with the case. Nothing is stored unless every answer is valid."""
    body = parsed_body(request, IntakeBody)
    actor = _actor(request)
    answers = dict(body.answers)
    crm = request.app[CRM]
    number = _number(request)
    case = await crm.get_case(number)
    name = body.script or case.queue or ""
    script = request.app[INTAKE].get(name)
    if script is None:
        raise UnknownIntakeScript(f"no intake script for queue {name!r}", script=name)
    typed = await crm.record_intake_answers(
        number, script, answers, actor=actor, call_id=body.call_id
    )
    return json_response({"case_number": number, "script": script.name, "answers": typed})


@endpoint(CASE, path=CasePath, body=FollowUpBody, status=201)
async def add_follow_up(request: web.Request) -> web.Response:
    """C1: a note (private by default), an outgoing mail or a call note on the timeline."""
    body = parsed_body(request, FollowUpBody)
    follow_up = await request.app[CRM].add_follow_up(
        _number(request),
        author=_actor(request),
        kind=body.kind,
        body=body.body,
        visibility=body.visibility,
        call_id=body.call_id,
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
                available=view.state in AVAILABLE,
            )
        )
    return candidates


@endpoint(CASE, path=CasePath, body=NoBody)
async def escalate(request: web.Request) -> web.Response:
    """D5: up one level (0 -> 1 -> 2); the new owner is picked among that level's agents,
    or none when nobody fits (the case waits in the level's group)."""
    case = await request.app[CRM].escalate(
        _number(request),
        actor=_actor(request),
        candidates=_escalation_candidates(request),
    )
    return json_response(case)


# --- tasks (C1) -------------------------------------------------------------------------


async def _books_for_owner(request: web.Request, principal: Principal, body: NewTaskBody) -> bool:
    """P1: an agent books for the owner of a case they may see."""
    if body.case_number is None or principal.agent_id is None:
        return False
    case = await request.app[CRM].get_case(body.case_number)
    teams = agent_teams(request, principal.agent_id)
    return case.owner_agent_id == body.assignee and access.may_see_case(
        principal, case.owner_agent_id, case.queue, teams
    )


@endpoint(SIGNED_IN, body=NewTaskBody, status=201)
async def create_task(request: web.Request) -> web.Response:
    """C1: a task (call back, mail, meeting) for an agent. Agents book for themselves, or
    for the owner of a case they may see (P1: the owner is on a call or paused)."""
    body = parsed_body(request, NewTaskBody)
    principal = principal_of(request)
    if not access.may_act_for_agent(principal, body.assignee) and not await _books_for_owner(
        request, principal, body
    ):
        raise ApiProblem(403, "forbidden", "agents book for themselves or for a case's owner")
    require_agent(request, body.assignee)
    task = await request.app[CRM].create_task(
        actor=_actor(request),
        assignee=body.assignee,
        kind=body.kind,
        title=body.title,
        due_at=body.due_at,
        case_number=body.case_number,
        reminder_minutes_before=body.reminder_minutes_before,
    )
    return json_response(task, status=201)


@endpoint(SELF_AGENT, path=AgentPath, query=TasksQuery)
async def agent_tasks(request: web.Request) -> web.Response:
    agent_id = parsed_path(request, AgentPath).agent_id
    require_agent(request, agent_id)
    include_done = parsed_query(request, TasksQuery).include_done
    tasks = await request.app[CRM].tasks_for(agent_id, include_done=include_done)
    return json_response(tasks)


@endpoint(TASK, path=TaskPath, body=NoBody)
async def complete_task(request: web.Request) -> web.Response:
    task_id = parsed_path(request, TaskPath).task_id
    task = await request.app[CRM].complete_task(task_id, actor=_actor(request))
    return json_response(task)


# --- notifications (S10) --------------------------------------------------------------


@endpoint(SELF_AGENT, path=AgentPath, query=NotificationsQuery)
async def agent_notifications(request: web.Request) -> web.Response:
    agent_id = parsed_path(request, AgentPath).agent_id
    require_agent(request, agent_id)
    unread = parsed_query(request, NotificationsQuery).unread
    notes = await request.app[CRM].notifications_for(agent_id, unread_only=unread)
    return json_response(notes)


@endpoint(SUPERVISOR, path=AgentPath, body=MessageBody, status=201)
async def send_message(request: web.Request) -> web.Response:
    """S10: a supervisor's message to an agent, stored and pushed live to their desktop;
    the sender is the signed-in supervisor."""
    agent_id = parsed_path(request, AgentPath).agent_id
    require_agent(request, agent_id)
    body = parsed_body(request, MessageBody)
    note = await request.app[CRM].notify(
        agent_id,
        kind="supervisor_message",
        title=body.title,
        body=body.body,
        sender=_actor(request),
        case_number=body.case_number,
    )
    return json_response(note, status=201)


@endpoint(SELF_AGENT, path=NotificationPath, body=NoBody)
async def mark_read(request: web.Request) -> web.Response:
    path = parsed_path(request, NotificationPath)
    return json_response(
        await request.app[CRM].mark_read(path.notification_id, recipient=path.agent_id)
    )


# --- what could not be written or sent (admins) ------------------------------------------


@endpoint(ADMIN, query=LimitQuery)
async def journal_dead_letters(request: web.Request) -> web.Response:
    """Journal rows the database refused, newest first, with the reason."""
    limit = parsed_query(request, LimitQuery).limit
    return json_response(await request.app[CRM].journal_dead_letters(limit))


@endpoint(ADMIN, query=LimitQuery)
async def failed_deliveries(request: web.Request) -> web.Response:
    """Mails and webhook calls that gave up after their configured attempts."""
    crm = request.app[CRM]
    failed = await crm.failed_deliveries(parsed_query(request, LimitQuery).limit)
    return json_response({"counts": await crm.failed_delivery_counts(), "deliveries": failed})


def add_routes(app: web.Application) -> None:
    app[INTAKE] = intake_scripts(app[CENTRE])
    app.router.add_get("/api/v1/cases/{number}", case_details)
    app.router.add_post("/api/v1/cases/{number}/status", set_status)
    app.router.add_post("/api/v1/cases/{number}/priority", set_priority)
    app.router.add_post("/api/v1/cases/{number}/intake", record_intake)
    app.router.add_post("/api/v1/cases/{number}/follow-ups", add_follow_up)
    app.router.add_post("/api/v1/cases/{number}/escalate", escalate)
    app.router.add_get("/api/v1/intake/{queue}", intake_script)
    app.router.add_post("/api/v1/intake/{queue}/asked", intake_asked)
    app.router.add_post("/api/v1/tasks", create_task)
    app.router.add_post("/api/v1/tasks/{task_id}/complete", complete_task)
    app.router.add_get("/api/v1/agents/{agent_id}/tasks", agent_tasks)
    app.router.add_get("/api/v1/agents/{agent_id}/notifications", agent_notifications)
    app.router.add_post("/api/v1/agents/{agent_id}/notifications", send_message)
    app.router.add_post("/api/v1/agents/{agent_id}/notifications/{notification_id}/read", mark_read)
    app.router.add_get("/api/v1/journal/dead-letters", journal_dead_letters)
    app.router.add_get("/api/v1/outbox/failed", failed_deliveries)
