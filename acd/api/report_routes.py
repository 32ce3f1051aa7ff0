"""Reports over HTTP: the call journal (filtered, paged, or streamed as CSV) and the
statistics per queue, per agent and per interval. Agents see their own calls and
figures; supervisors, admins and their tokens see everything."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from acd import access
from acd.api.common import CRM, ApiProblem, json_response, to_json
from acd.api.contract import (
    SIGNED_IN,
    SUPERVISOR,
    AgentScoped,
    endpoint,
    parsed_path,
    parsed_query,
    principal_of,
)
from acd.api.schemas import (
    AgentStatsQuery,
    CallPath,
    CallsQuery,
    IntervalStatsQuery,
    JournalQuery,
    QueueLogQuery,
    QueueStatsQuery,
    StatsQuery,
)
from crm.accounts import Principal
from crm.reports import ENTRY_COLUMNS, Period, ReportingService

REPORTS = web.AppKey("reports", ReportingService)

# The journal row's fields, in CallEntry's order.
CSV_COLUMNS = ENTRY_COLUMNS
# A spreadsheet runs a cell starting with these as a formula; a phone number ("+33…")
# is left alone, anything else that starts so is quoted with an apostrophe.
_FORMULA_STARTS = frozenset("=-@\t\r+")
_LOG_LINES_PER_WRITE = 1000


class StoredCallAccess(AgentScoped):
    description = "the agents who handled or were offered the call, supervisors and admins"

    async def allows_agent(self, request: web.Request, principal: Principal, agent_id: str) -> bool:
        call = await request.app[REPORTS].call(parsed_path(request, CallPath).call_id)
        return call.agent_id == agent_id or agent_id in call.agent_ids


STORED_CALL = StoredCallAccess()


def _own_agent(principal: Principal, asked: str | None) -> str | None:
    """The agent a query is limited to: an agent's own id whatever they asked (another
    agent's is refused), or what a supervisor asked (None: everyone)."""
    if access.is_supervisor(principal):
        return asked
    if asked is not None and asked != principal.agent_id:
        raise ApiProblem(403, "forbidden", "agents see their own calls and figures only")
    if principal.agent_id is None:
        raise ApiProblem(403, "forbidden", "only agents, supervisors and admins see reports")
    return principal.agent_id


def _wants_csv(request: web.Request, query: CallsQuery) -> bool:
    accept = request.headers.get("Accept", "")
    return query.format == "csv" or accept.split(",")[0].split(";")[0].strip() == "text/csv"


@endpoint(SIGNED_IN, query=CallsQuery, media_types=("application/json", "text/csv"))
async def journal_calls(request: web.Request) -> web.StreamResponse:
    """The call journal, newest first, by number (any format), agent, queue, direction,
    outcome, case and period.

    JSON pages of `limit` calls: `next_cursor` (and the `next` URL and Link header)
    fetch the older ones. With `format=csv` or `Accept: text/csv`, every matching
    call is streamed as CSV. An agent sees only the calls they handled."""
    query = parsed_query(request, CallsQuery)
    reports = request.app[REPORTS]
    where = reports.call_filter(
        number=query.number,
        agent_id=_own_agent(principal_of(request), query.agent),
        queue=query.queue,
        direction=query.direction,
        outcome=query.outcome,
        case_number=query.case,
        start=query.start,
        end=query.end,
    )
    if _wants_csv(request, query):
        return await _stream_csv(request, reports, where)
    page = await reports.calls(where, cursor=query.cursor, limit=query.limit)
    next_url = (
        str(request.rel_url.update_query(cursor=page.next_cursor)) if page.next_cursor else None
    )
    response = json_response(
        {"calls": page.calls, "next_cursor": page.next_cursor, "next": next_url}
    )
    if next_url is not None:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


async def _stream_csv(
    request: web.Request, reports: ReportingService, where: Any
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="calls.csv"',
        }
    )
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    async for rows in reports.export_rows(where):
        writer.writerows([_csv_cells(row) for row in rows])
        await response.write(buffer.getvalue().encode())
        buffer.seek(0)
        buffer.truncate()
    await response.write(buffer.getvalue().encode())
    await response.write_eof()
    return response


def _csv_cells(row: Sequence[Any]) -> list[Any]:
    """An exported journal row (`ENTRY_COLUMNS` first, times already ISO 8601 text) as
    the CSV cells of its CallEntry's JSON: the agents space-separated, a text that a
    spreadsheet would run as a formula quoted. None and numbers are left to the csv
    module (None is written empty, a number as Python writes it). Columns known up
    front, no walk over types: this runs for every row of an export."""
    cells = list(row[: len(CSV_COLUMNS)])
    cells[_AGENTS_CELL] = " ".join(cells[_AGENTS_CELL] or ())
    for i in _TEXT_CELLS:
        text = cells[i]
        if text and text[0] in _FORMULA_STARTS and not (text[0] == "+" and text[1:].isdigit()):
            cells[i] = "'" + text
    return cells


_TIMES = {"started_at", "enqueued_at", "offered_at", "answered_at", "ended_at"}
_NUMBERS = {"wait_s", "talk_s", "wrapup_s", "case_id", "customer_id"}
_TEXT_CELLS = tuple(i for i, column in enumerate(CSV_COLUMNS) if column not in _TIMES | _NUMBERS)
_AGENTS_CELL = CSV_COLUMNS.index("agent_ids")


@endpoint(SUPERVISOR, query=QueueLogQuery, media_types=("text/plain",))
async def queue_log(request: web.Request) -> web.StreamResponse:
    """The journal of the period (default today) in Asterisk's queue_log format, one
    event per line (`epoch|callid|queue|agent|EVENT|data…`), for the tools that read
    app_queue's log; docs/metrics.md lists the events written."""
    query = parsed_query(request, QueueLogQuery)
    reports = request.app[REPORTS]
    lines = reports.queue_log(reports.period(query.start, query.end))
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Disposition": 'attachment; filename="queue_log"',
        }
    )
    await response.prepare(request)
    chunk: list[str] = []
    async for line in lines:
        chunk.append(line)
        if len(chunk) >= _LOG_LINES_PER_WRITE:
            await response.write(("\n".join(chunk) + "\n").encode())
            chunk.clear()
    if chunk:
        await response.write(("\n".join(chunk) + "\n").encode())
    await response.write_eof()
    return response


@endpoint(STORED_CALL, path=CallPath)
async def stored_call(request: web.Request) -> web.Response:
    """One call of the journal as stored (live or ended)."""
    call_id = parsed_path(request, CallPath).call_id
    return json_response(await request.app[REPORTS].call(call_id))


def _period_json(period: Period) -> dict[str, Any]:
    return {"from": period.start, "to": period.end, "timezone": period.timezone}


@endpoint(SUPERVISOR, query=QueueStatsQuery)
async def queue_stats(request: web.Request) -> web.Response:
    """Per queue over the period: offered, answered, abandoned, service level, ASA, waits
    and handle time (docs/metrics.md defines each), and every queue together."""
    query = parsed_query(request, QueueStatsQuery)
    reports = request.app[REPORTS]
    stats = await reports.queue_stats(reports.period(query.start, query.end))
    return json_response(
        {
            "period": _period_json(stats.period),
            "short_abandon_s": stats.short_abandon_s,
            "service_level_definition": stats.service_level_definition,
            "queues": [{"queue": row.queue, **to_json(row.figures)} for row in stats.queues],
            "total": stats.total,
        }
    )


@endpoint(SUPERVISOR, query=QueueStatsQuery)
async def satisfaction_stats(request: web.Request) -> web.Response:
    """Q4: the satisfaction survey answers given over the period (score 1 to 5), per queue
    of their case and all together."""
    query = parsed_query(request, QueueStatsQuery)
    reports = request.app[REPORTS]
    stats = await reports.satisfaction(reports.period(query.start, query.end))
    return json_response(
        {
            "period": _period_json(stats.period),
            "queues": [{"queue": row.queue, **to_json(row.figures)} for row in stats.queues],
            "total": stats.total,
        }
    )


@endpoint(SIGNED_IN, query=AgentStatsQuery)
async def agent_stats(request: web.Request) -> web.Response:
    """Per agent over the period: calls answered and placed, talk and wrap-up time, AHT,
    time per state and occupancy. An agent gets their own row only."""
    query = parsed_query(request, AgentStatsQuery)
    agent_id = _own_agent(principal_of(request), query.agent)
    reports = request.app[REPORTS]
    stats = await reports.agent_stats(reports.period(query.start, query.end), agent_id)
    return json_response(
        {
            "period": _period_json(stats.period),
            "agents": [{"agent_id": row.agent_id, **to_json(row.figures)} for row in stats.agents],
        }
    )


@endpoint(SUPERVISOR, query=IntervalStatsQuery)
async def interval_stats(request: web.Request) -> web.Response:
    """The queue figures per interval of 15, 30 or 60 minutes or per day, on the centre's
    clock, for one queue or all of them; every interval of the period is listed."""
    query = parsed_query(request, IntervalStatsQuery)
    reports = request.app[REPORTS]
    stats = await reports.interval_stats(
        reports.period(query.start, query.end), query.size, query.queue
    )
    return json_response(
        {
            "period": _period_json(stats.period),
            "size": stats.size,
            "queue": stats.queue,
            "short_abandon_s": stats.short_abandon_s,
            "service_level_definition": stats.service_level_definition,
            "intervals": [
                {"from": row.start, "to": row.end, **to_json(row.figures)}
                for row in stats.intervals
            ],
        }
    )


# The first journal and stats routes, kept for the clients that read them.


@endpoint(SIGNED_IN, query=JournalQuery)
async def journal(request: web.Request) -> web.Response:
    """S7: the calls of a phone number, newest first."""
    query = parsed_query(request, JournalQuery)
    return json_response(await request.app[CRM].call_history(query.number, limit=query.limit))


@endpoint(SUPERVISOR, query=StatsQuery)
async def stats(request: web.Request) -> web.Response:
    """Calls, answered, abandoned and service level per queue or agent; `from` and `to`
    are ISO 8601 times with a zone (default: the last 24 hours)."""
    query = parsed_query(request, StatsQuery)
    now = datetime.now(UTC)
    start = query.start or now - timedelta(days=1)
    end = query.end or now
    return json_response(await request.app[CRM].call_stats(start, end, by=query.by))


def add_routes(app: web.Application, reports: ReportingService) -> None:
    """The journal's routes; `/api/v1/calls/live` (registered before) keeps its path."""
    app[REPORTS] = reports
    app.router.add_get("/api/v1/calls", journal_calls)
    app.router.add_get("/api/v1/calls/queue_log", queue_log)
    app.router.add_get("/api/v1/calls/{call_id}", stored_call)
    app.router.add_get("/api/v1/stats/queues", queue_stats)
    app.router.add_get("/api/v1/stats/satisfaction", satisfaction_stats)
    app.router.add_get("/api/v1/stats/agents", agent_stats)
    app.router.add_get("/api/v1/stats/intervals", interval_stats)
    app.router.add_get("/api/v1/journal", journal)
    app.router.add_get("/api/v1/stats", stats)
