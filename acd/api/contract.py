"""Every route's contract: who may call it (its policy) and the models its path, query
string and body are parsed into. Handlers are declared with `@endpoint(...)`; the access
middleware (`acd.api.auth`) enforces the declaration before the handler runs, and the
OpenAPI document (`acd.api.openapi`) is generated from the same declarations. A route
without a declaration refuses everyone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from acd import access
from acd.api.common import CENTRE, CRM, TELEPHONY, ApiProblem
from acd.api.schemas import TaskPath
from crm.accounts import Principal

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)
M = TypeVar("M", bound=BaseModel)

PRINCIPAL = web.RequestKey("principal", Principal)
_PARSED = web.RequestKey("parsed", dict)


class Policy:
    """Who may call a route. `anonymous` routes need nobody signed in; the others need a
    principal for whom `allows` holds."""

    anonymous = False
    description = ""

    async def allows(self, request: web.Request, principal: Principal) -> bool:
        raise NotImplementedError


class Public(Policy):
    anonymous = True
    description = "anyone, signed in or not"

    async def allows(self, request: web.Request, principal: Principal) -> bool:
        return True


class SignedIn(Policy):
    description = "any signed-in user or token"

    async def allows(self, request: web.Request, principal: Principal) -> bool:
        return True


class Supervisor(Policy):
    description = "supervisors and admins"

    async def allows(self, request: web.Request, principal: Principal) -> bool:
        return access.is_supervisor(principal)


class Admin(Policy):
    description = "admins"

    async def allows(self, request: web.Request, principal: Principal) -> bool:
        return access.is_admin(principal)


class SelfAgent(Policy):
    description = "the agent named in the path, supervisors and admins"

    async def allows(self, request: web.Request, principal: Principal) -> bool:
        return access.may_act_for_agent(principal, request.match_info["agent_id"])


def agent_teams(request: web.Request, agent_id: str) -> frozenset[str]:
    centre = request.app[CENTRE]
    skills = {a: frozenset(config.skills) for a, config in centre.agents.items()}
    queues = {name: queue.skill for name, queue in centre.queues.items()}
    return access.team_queues(skills, queues, agent_id)


class AgentScoped(Policy):
    """Supervisors and admins always; an agent when `allows_agent` says the object is theirs."""

    async def allows(self, request: web.Request, principal: Principal) -> bool:
        if access.is_supervisor(principal):
            return True
        if principal.agent_id is None:
            return False
        return await self.allows_agent(request, principal, principal.agent_id)

    async def allows_agent(self, request: web.Request, principal: Principal, agent_id: str) -> bool:
        raise NotImplementedError


class CaseAccess(AgentScoped):
    description = "the case's owner and its queue's team, supervisors and admins"

    async def allows_agent(self, request: web.Request, principal: Principal, agent_id: str) -> bool:
        case = await request.app[CRM].get_case(request.match_info["number"])
        teams = agent_teams(request, agent_id)
        return access.may_see_case(principal, case.owner_agent_id, case.queue, teams)


class CallAccess(AgentScoped):
    description = "the agent on the call, supervisors and admins"

    async def allows_agent(self, request: web.Request, principal: Principal, agent_id: str) -> bool:
        call = request.app[TELEPHONY].calls.get(request.match_info["call_id"])
        if call is None:
            raise ApiProblem(404, "unknown_call", "no such live call")
        return call.agent_id is not None and access.may_act_for_agent(principal, call.agent_id)


class TaskAccess(AgentScoped):
    description = "the task's assignee, supervisors and admins"

    async def allows_agent(self, request: web.Request, principal: Principal, agent_id: str) -> bool:
        task_id = parsed_path(request, TaskPath).task_id
        tasks = await request.app[CRM].tasks_for(agent_id, include_done=True)
        return any(task.id == task_id for task in tasks)


PUBLIC = Public()
SIGNED_IN = SignedIn()
SUPERVISOR = Supervisor()
ADMIN = Admin()
SELF_AGENT = SelfAgent()
CASE = CaseAccess()
CALL = CallAccess()
TASK = TaskAccess()


@dataclass(frozen=True)
class Endpoint:
    policy: Policy
    path: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    status: int = 200
    # JSON API routes are in the OpenAPI document; pages and the WebSocket are not.
    documented: bool = True
    # What a success may be sent as.
    media_types: tuple[str, ...] = ("application/json",)


def endpoint(
    policy: Policy,
    *,
    path: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    status: int = 200,
    documented: bool = True,
    media_types: tuple[str, ...] = ("application/json",),
) -> Callable[[H], H]:
    def declare(handler: H) -> H:
        handler.__dict__["endpoint"] = Endpoint(
            policy, path, query, body, status, documented, media_types
        )
        return handler

    return declare


def endpoint_of(handler: Any) -> Endpoint | None:
    declared = getattr(handler, "__dict__", {}).get("endpoint")
    return declared if isinstance(declared, Endpoint) else None


def principal_of(request: web.Request) -> Principal:
    """The caller of a route whose policy is not public."""
    principal: Principal | None = request.get(PRINCIPAL)
    if principal is None:
        raise ApiProblem(401, "unauthenticated", "sign in first")
    return principal


def store_parsed(request: web.Request, where: str, value: BaseModel) -> None:
    request.setdefault(_PARSED, {})[where] = value


def _parsed(request: web.Request, where: str, model: type[M]) -> M:
    value = request.get(_PARSED, {}).get(where)
    if not isinstance(value, model):
        raise RuntimeError(f"{request.path}: no {where} parsed as {model.__name__}")
    return value


def parsed_path(request: web.Request, model: type[M]) -> M:
    return _parsed(request, "path", model)


def parsed_query(request: web.Request, model: type[M]) -> M:
    return _parsed(request, "query", model)


def parsed_body(request: web.Request, model: type[M]) -> M:
    return _parsed(request, "body", model)
