"""What monitoring reads: liveness and readiness probes, and Prometheus metrics.

`/health/live` and `/health/ready` are public, like `/health`: a load balancer or an
orchestrator calls them without credentials and they tell nothing about calls or people.
`/metrics` is for supervisors and admins: a Prometheus server scrapes it with a bearer
token (`acd tokens create --name prometheus --role supervisor`), see
docs/operations.md.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from acd.api.common import TELEPHONY, ApiProblem
from acd.api.contract import PUBLIC, SUPERVISOR, endpoint
from acd.metrics import Metrics
from crm.db.monitoring import DatabaseMonitor

METRICS = web.AppKey("metrics", Metrics)
DATABASE = web.AppKey("database", DatabaseMonitor)

# A readiness probe answers within this, whatever the database does.
READY_DATABASE_TIMEOUT_S = 2.0


@endpoint(PUBLIC)
async def health_live(request: web.Request) -> web.Response:
    """The process is up and its event loop answers."""
    return web.json_response({"status": "live"})


@endpoint(PUBLIC)
async def health_ready(request: web.Request) -> web.Response:
    """Ready to take calls: logged in to Asterisk's AMI and the database reachable.

    Otherwise 503 `not_ready`, whose `not_ready` member names the parts that are not."""
    ami = request.app[TELEPHONY].ami
    parts = {
        "ami": ami is not None and ami.connected,
        "database": await _database_answers(request.app[DATABASE]),
    }
    not_ready = [name for name, ready in parts.items() if not ready]
    if not_ready:
        raise ApiProblem(
            503,
            "not_ready",
            f"not ready: {', '.join(not_ready)}",
            {"not_ready": not_ready, **parts},
        )
    return web.json_response({"status": "ready", **parts})


async def _database_answers(database: DatabaseMonitor) -> bool:
    try:
        async with asyncio.timeout(READY_DATABASE_TIMEOUT_S):
            await database.ping()
    except Exception:
        return False
    return True


@endpoint(SUPERVISOR, documented=False)
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of every metric (docs/operations.md)."""
    server_metrics = request.app[METRICS]
    await server_metrics.refresh()
    return web.Response(
        body=generate_latest(server_metrics.registry),
        headers={"Content-Type": CONTENT_TYPE_LATEST},
    )


def add_routes(app: web.Application, server_metrics: Metrics, database: DatabaseMonitor) -> None:
    app[METRICS] = server_metrics
    app[DATABASE] = database
    app.router.add_get("/health/live", health_live)
    app.router.add_get("/health/ready", health_ready)
    app.router.add_get("/metrics", metrics)
