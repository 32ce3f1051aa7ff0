"""Every route registered in the app declares who may call it, and the declaration holds:
the table below names each route's policy, and each is called as nobody, as the agent
it concerns, as another agent, as a supervisor and as an admin. A route added without a
row here, or without a declared policy, fails this test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from acd.bootstrap import Server
from acd.config import Settings
from crm.views import CallRecord, NewCustomer
from tests.support.accounts import Accounts

# Who is let through (any status but 401 and 403): public, signed_in, self (the agent the
# route concerns), supervisor (and admins), admin.
POLICIES = {
    "GET /": "public",
    "GET /signin": "public",
    "GET /desk": "public",
    "GET /wallboard": "public",
    "GET /confirm/{token}": "public",
    "GET /survey/{token}": "public",
    "GET /api/v1/links/{purpose}/{token}": "public",
    "POST /api/v1/links/confirm": "public",
    "POST /api/v1/links/survey": "public",
    "GET /static/{name}": "public",
    "GET /i18n/{language}.json": "public",
    "GET /health": "public",
    "GET /health/live": "public",
    "GET /health/ready": "public",
    "GET /metrics": "supervisor",
    "GET /api/v1/openapi.json": "public",
    "POST /api/v1/session": "public",
    "GET /api/v1/session": "signed_in",
    "DELETE /api/v1/session": "signed_in",
    "GET /api/v1/users": "admin",
    "GET /api/v1/tokens": "admin",
    "GET /api/v1/calls": "signed_in",
    "GET /api/v1/calls/live": "signed_in",
    "GET /api/v1/calls/queue_log": "supervisor",
    "GET /api/v1/calls/{call_id}": "self",
    "GET /api/v1/stats/queues": "supervisor",
    "GET /api/v1/stats/satisfaction": "supervisor",
    "GET /api/v1/stats/agents": "signed_in",
    "GET /api/v1/stats/intervals": "supervisor",
    "POST /api/v1/calls/{call_id}/transfer": "self",
    "POST /api/v1/calls/{call_id}/assign": "supervisor",
    "GET /api/v1/agents": "supervisor",
    "GET /api/v1/agents/{agent_id}": "self",
    "POST /api/v1/agents/{agent_id}/state": "self",
    "POST /api/v1/agents/{agent_id}/force": "supervisor",
    "POST /api/v1/agents/{agent_id}/calls": "self",
    "GET /api/v1/agents/{agent_id}/desk": "self",
    "GET /api/v1/agents/{agent_id}/tasks": "self",
    "GET /api/v1/agents/{agent_id}/notifications": "self",
    "POST /api/v1/agents/{agent_id}/notifications": "supervisor",
    "POST /api/v1/agents/{agent_id}/notifications/{notification_id}/read": "self",
    "GET /api/v1/queues": "signed_in",
    "GET /api/v1/journal": "signed_in",
    "GET /api/v1/stats": "supervisor",
    "GET /api/v1/customers": "signed_in",
    "POST /api/v1/customers": "signed_in",
    "GET /api/v1/customers/{customer_id}": "signed_in",
    "PATCH /api/v1/customers/{customer_id}": "signed_in",
    "POST /api/v1/customers/{customer_id}/merge": "supervisor",
    "GET /api/v1/cases": "signed_in",
    "POST /api/v1/cases": "signed_in",
    "GET /api/v1/cases/{number}": "self",
    "PATCH /api/v1/cases/{number}": "self",
    "POST /api/v1/cases/{number}/assign": "self",
    "GET /api/v1/agents/{agent_id}/cases": "self",
    "POST /api/v1/cases/{number}/status": "self",
    "POST /api/v1/cases/{number}/priority": "self",
    "POST /api/v1/cases/{number}/intake": "self",
    "POST /api/v1/cases/{number}/follow-ups": "self",
    "POST /api/v1/cases/{number}/escalate": "self",
    "GET /api/v1/intake/{queue}": "signed_in",
    "POST /api/v1/intake/{queue}/asked": "signed_in",
    "POST /api/v1/tasks": "signed_in",
    "POST /api/v1/tasks/{task_id}/complete": "self",
    "GET /api/v1/ws": "signed_in",
    "GET /api/v1/journal/dead-letters": "admin",
    "GET /api/v1/outbox/failed": "admin",
}
CALLERS = ("anonymous", "agent", "other_agent", "supervisor", "admin")
LET_THROUGH = {
    "public": set(CALLERS),
    "signed_in": {"agent", "other_agent", "supervisor", "admin"},
    "self": {"agent", "supervisor", "admin"},
    "supervisor": {"supervisor", "admin"},
    "admin": {"admin"},
}
LOGINS = {"anonymous": None, "agent": "ben", "other_agent": "cleo", "supervisor": "sup"}
LOGINS["admin"] = "root"


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """The server on each test database backend: sessions and tokens live in it."""
    return settings.model_copy(update={"database_url": database_url})


def _route_keys(server: Server) -> list[tuple[str, str]]:
    app = server.http.app
    assert app is not None
    keys = []
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        keys.append((route.method, str(info.get("path") or info.get("formatter"))))
    return keys


async def test_every_route_lets_through_exactly_whom_its_policy_names(
    server: Server, accounts: Accounts
) -> None:
    registered = _route_keys(server)
    undeclared = sorted(f"{m} {p}" for m, p in registered if f"{m} {p}" not in POLICIES)
    assert undeclared == [], f"routes with no row in the policy table: {undeclared}"
    assert sorted(POLICIES) == sorted(f"{m} {p}" for m, p in registered)

    # What "the agent it concerns" means for each kind of path parameter: Ben (2002), his
    # case in the support queue (Cleo, 2003, only takes the backup queue), his task, his
    # notification, and a live call that is Ben's.
    case = await server.crm.open_case(
        actor="2002", queue="support", title="Printer", owner_agent_id="2002"
    )
    task = await server.crm.create_task(
        actor="2002",
        assignee="2002",
        kind="call",
        title="Call back",
        due_at=datetime.now(UTC) + timedelta(hours=1),
    )
    note = await server.crm.notify("2002", kind="supervisor_message", title="hi", sender="sup")
    # A call in the journal that Ben handled, and is no longer live.
    await server.crm.record_call(CallRecord("ben-s-call", agent_id="2002", queue="support"))
    customer = await server.crm.create_customer(NewCustomer(account_number="P-1"))
    values = {
        "customer_id": str(customer.id),
        "purpose": "confirm",
        "token": "not-a-token",
        "agent_id": "2002",
        "number": case.number,
        "task_id": str(task.id),
        "notification_id": str(note.id),
        "queue": "support",
        "call_id": "ben-s-call",
        "name": "desk.js",
        "language": "fr",
    }
    clients = {caller: await accounts.client(login) for caller, login in LOGINS.items()}
    wrong: list[str] = []
    # Signing out last: it ends the session the other rows use.
    for method, template in sorted(registered, key=lambda r: r == ("DELETE", "/api/v1/session")):
        path = template.format(**values)
        expected = LET_THROUGH[POLICIES[f"{method} {template}"]]
        for caller in CALLERS:
            client = clients[caller]
            body = {} if method in ("POST", "DELETE") else None
            async with client.request(
                method, accounts.url(path), json=body, allow_redirects=False
            ) as r:
                through = r.status not in (401, 403)
                if template == "/api/v1/calls/{call_id}/transfer" and r.status == 404:
                    # No live call: whoever gets past sign-in learns only that.
                    through = caller in expected
                if through != (caller in expected):
                    wrong.append(f"{method} {path} as {caller}: {r.status}")
    assert wrong == []
