"""The call journal and the statistics over HTTP, on a running server, on SQLite and
PostgreSQL. A known morning is written through the journal's own path (`record_calls`,
`record_agent_states`) and every figure is checked against values worked out by hand.

The morning, 6 January 2025 (Paris is UTC+1):
  09:00:10  sales    0612345678 -> Anna (2001)  waited 10 s, talked 100 s, wrap-up 20 s
  09:05     sales    0699000001                 hung up after 3 s (a short abandon)
  09:20     sales    0612345679 -> Ben (2002)   waited 30 s, talked 200 s, wrap-up 40 s
  09:40     support  0699000002                 hung up after 50 s
  10:10     outbound Ben -> 06 12 34 56 78      answered, talked 80 s
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from acd.bootstrap import Server
from acd.config import Settings
from crm.domain.journal import CallOutcome, Direction
from crm.views import CallRecord
from tests.support.accounts import Accounts

DAY = datetime(2025, 1, 6, tzinfo=UTC)
MORNING = {"from": "2025-01-06T09:00:00+01:00", "to": "2025-01-06T11:00:00+01:00"}


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    return settings.model_copy(update={"database_url": database_url})


def _at(hour: int, minute: int, second: int = 0) -> datetime:
    """A UTC time of the morning given on the Paris clock."""
    return DAY + timedelta(hours=hour - 1, minutes=minute, seconds=second)


def _inbound(
    call_id: str,
    at: datetime,
    queue: str,
    caller: str,
    outcome: CallOutcome,
    wait: float,
    agent: str | None = None,
    talk: float | None = None,
    wrapup: float | None = None,
) -> CallRecord:
    answered = at + timedelta(seconds=wait) if outcome is CallOutcome.ANSWERED else None
    return CallRecord(
        call_id,
        direction=Direction.INBOUND,
        caller_number=caller,
        queue=queue,
        agent_id=agent,
        started_at=at,
        enqueued_at=at,
        answered_at=answered,
        ended_at=at + timedelta(seconds=wait + (talk or 0)),
        wait_s=wait,
        talk_s=talk,
        wrapup_s=wrapup,
        outcome=outcome,
    )


MORNING_CALLS = [
    _inbound("c1", _at(9, 0, 10), "sales", "0612345678", CallOutcome.ANSWERED, 10, "2001", 100, 20),
    _inbound("c2", _at(9, 5), "sales", "0699000001", CallOutcome.ABANDONED, 3),
    _inbound("c3", _at(9, 20), "sales", "0612345679", CallOutcome.ANSWERED, 30, "2002", 200, 40),
    _inbound("c4", _at(9, 40), "support", "0699000002", CallOutcome.ABANDONED, 50),
    CallRecord(
        "c5",
        direction=Direction.OUTBOUND,
        dialled_number="06 12 34 56 78",
        agent_id="2002",
        started_at=_at(10, 10),
        answered_at=_at(10, 10, 5),
        ended_at=_at(10, 11, 25),
        talk_s=80,
        outcome=CallOutcome.OUTBOUND_ANSWERED,
    ),
]


@pytest.fixture
async def morning(server: Server) -> None:
    await server.crm.record_calls(MORNING_CALLS)
    # Anna: ready at 09:00, on the call 09:00:20..09:02:00, wrap-up until 09:02:20,
    # ready until she logs out at 09:30.
    await server.crm.record_agent_states(
        [
            ("2001", "ready", None, _at(9, 0)),
            ("2001", "on_call", None, _at(9, 0, 20)),
            ("2001", "wrap_up", None, _at(9, 2)),
            ("2001", "ready", None, _at(9, 2, 20)),
            ("2001", "logged_out", None, _at(9, 30)),
        ]
    )


@pytest.fixture
async def sup(accounts: Accounts) -> aiohttp.ClientSession:
    return await accounts.client("sup")


@pytest.fixture
async def ben(accounts: Accounts) -> aiohttp.ClientSession:
    return await accounts.client("ben")


async def _json(client: aiohttp.ClientSession, accounts: Accounts, path: str, **params: Any) -> Any:
    async with client.get(accounts.url(path), params=params) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def _problem(
    client: aiohttp.ClientSession, accounts: Accounts, path: str, status: int, **params: Any
) -> str:
    async with client.get(accounts.url(path), params=params) as r:
        assert r.status == status, await r.text()
        assert r.content_type == "application/problem+json"
        return str((await r.json())["code"])


async def test_the_journal_is_filtered_by_a_number_in_any_format_newest_first(
    morning: None, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:  # S7
    page = await _json(sup, accounts, "/api/v1/calls", number="+33 6 12 34 56 78")
    assert [c["call_id"] for c in page["calls"]] == ["c5", "c1"]
    assert page["next_cursor"] is None
    by_queue = await _json(sup, accounts, "/api/v1/calls", queue="sales", outcome="abandoned")
    assert [c["call_id"] for c in by_queue["calls"]] == ["c2"]
    outbound = await _json(sup, accounts, "/api/v1/calls", direction="outbound", agent="2002")
    assert [c["call_id"] for c in outbound["calls"]] == ["c5"]
    in_period = await _json(
        sup, accounts, "/api/v1/calls", **{"from": "2025-01-06T09:10:00+01:00", "to": MORNING["to"]}
    )
    assert [c["call_id"] for c in in_period["calls"]] == ["c5", "c4", "c3"]
    stored = await _json(sup, accounts, "/api/v1/calls/c3")
    assert stored["caller_number"] == "+33612345679"
    assert (stored["agent_id"], stored["wait_s"], stored["wrapup_s"]) == ("2002", 30, 40)


async def test_journal_pages_follow_the_cursor_to_the_oldest_call_without_repeats(
    morning: None, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:
    seen: list[str] = []
    url = accounts.url("/api/v1/calls?limit=2")
    while url:
        async with sup.get(url) as r:
            assert r.status == 200
            page = await r.json()
            seen += [c["call_id"] for c in page["calls"]]
            assert (page["next"] is None) == ("Link" not in r.headers)
            url = accounts.url(page["next"]) if page["next"] else ""
    assert seen == ["c5", "c4", "c3", "c2", "c1"]


async def test_an_agent_sees_only_the_calls_they_handled(
    morning: None, ben: aiohttp.ClientSession, accounts: Accounts
) -> None:
    page = await _json(ben, accounts, "/api/v1/calls")
    assert [c["call_id"] for c in page["calls"]] == ["c5", "c3"]
    assert await _json(ben, accounts, "/api/v1/calls/c3")
    assert await _problem(ben, accounts, "/api/v1/calls/c1", 403) == "forbidden"
    assert await _problem(ben, accounts, "/api/v1/calls", 403, agent="2001") == "forbidden"
    assert await _problem(ben, accounts, "/api/v1/stats/queues", 403) == "forbidden"


async def test_bad_filters_are_refused_with_a_problem_naming_them(
    morning: None, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:
    period = {"from": MORNING["to"], "to": MORNING["from"]}
    assert await _problem(sup, accounts, "/api/v1/calls", 422, **period) == "invalid_value"
    assert await _problem(sup, accounts, "/api/v1/stats/queues", 422, **period) == "invalid_value"
    assert await _problem(sup, accounts, "/api/v1/calls", 422, cursor="bm90LWEtY3Vyc29y") == (
        "invalid_value"
    )
    assert await _problem(sup, accounts, "/api/v1/calls", 400, direction="sideways") == (
        "invalid_request"
    )
    assert await _problem(sup, accounts, "/api/v1/calls", 400, limit="501") == "invalid_request"
    assert await _problem(sup, accounts, "/api/v1/calls/nope", 404) == "unknown_call"
    centuries = {"from": "1900-01-01T00:00:00+00:00", "to": "2100-01-01T00:00:00+00:00"}
    assert await _problem(sup, accounts, "/api/v1/stats/intervals", 422, **centuries) == (
        "invalid_value"
    )
    edge = {"from": "0001-01-01T00:00:00+01:00"}
    assert await _problem(sup, accounts, "/api/v1/calls", 422, **edge) == "invalid_value"


async def test_the_journal_streams_as_csv_for_a_spreadsheet(
    morning: None, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:
    for params, headers in (({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})):
        async with sup.get(accounts.url("/api/v1/calls"), params=params, headers=headers) as r:
            assert r.status == 200
            assert r.content_type == "text/csv"
            rows = list(csv.DictReader(io.StringIO(await r.text())))
        assert [row["call_id"] for row in rows] == ["c5", "c4", "c3", "c2", "c1"]
        assert rows[2]["remote_number"] == "+33612345679"
        assert (rows[2]["agent_ids"], rows[2]["talk_s"], rows[1]["agent_id"]) == (
            "2002",
            "200.0",
            "",
        )


async def test_queue_figures_match_the_morning_worked_out_by_hand(
    morning: None, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:
    stats = await _json(sup, accounts, "/api/v1/stats/queues", **MORNING)
    assert stats["period"]["timezone"] == "Europe/Paris"
    assert stats["short_abandon_s"] == 5
    sales, support = stats["queues"]
    assert sales["queue"] == "sales"
    # Three offered, one a short abandon; of the two left both answered, one within 20 s.
    assert (sales["offered"], sales["short_abandoned"], sales["answered"]) == (3, 1, 2)
    assert (sales["abandoned"], sales["answered_within_target"]) == (0, 1)
    assert sales["service_level"] == pytest.approx(1 / 2)
    assert sales["service_level_target_s"] == 20
    assert sales["asa_s"] == pytest.approx(20)
    assert sales["aht_s"] == pytest.approx((120 + 240) / 2)
    assert sales["max_wait_s"] == 30
    assert (support["queue"], support["offered"], support["abandoned"]) == ("support", 1, 1)
    assert support["abandon_rate"] == 1
    assert support["service_level"] == 0
    total = stats["total"]
    assert (total["offered"], total["answered"], total["abandoned"]) == (4, 2, 1)
    assert total["service_level"] == pytest.approx(1 / 3)
    assert total["avg_wait_s"] == pytest.approx((10 + 30 + 50) / 3)


async def test_a_call_in_progress_is_in_the_journal_and_in_no_figure_until_it_ends(
    morning: None, server: Server, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:  # S7
    queues = await _json(sup, accounts, "/api/v1/stats/queues", **MORNING)
    agents = await _json(sup, accounts, "/api/v1/stats/agents", **MORNING)
    # Anna took a sales call at 09:50 and is still on it: its row has no end, no outcome.
    talking = CallRecord(
        "c6",
        direction=Direction.INBOUND,
        caller_number="0699000003",
        queue="sales",
        agent_id="2001",
        started_at=_at(9, 50),
        enqueued_at=_at(9, 50),
        answered_at=_at(9, 50, 8),
        wait_s=8,
    )
    await server.crm.record_calls([talking])
    page = await _json(sup, accounts, "/api/v1/calls", queue="sales")
    newest = page["calls"][0]
    assert (newest["call_id"], newest["ended_at"], newest["outcome"]) == ("c6", None, None)
    assert await _json(sup, accounts, "/api/v1/stats/queues", **MORNING) == queues
    assert await _json(sup, accounts, "/api/v1/stats/agents", **MORNING) == agents


async def test_quarter_hour_figures_put_each_call_in_its_interval_on_the_centres_clock(
    morning: None, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:
    stats = await _json(sup, accounts, "/api/v1/stats/intervals", size="15", **MORNING)
    intervals = stats["intervals"]
    assert len(intervals) == 8
    assert intervals[0]["from"] == "2025-01-06T09:00:00+01:00"
    offered = [i["offered"] for i in intervals]
    assert offered == [2, 1, 1, 0, 0, 0, 0, 0]
    first = intervals[0]
    assert (first["answered"], first["short_abandoned"], first["service_level"]) == (1, 1, 1)
    sales_hours = await _json(
        sup, accounts, "/api/v1/stats/intervals", size="60", queue="sales", **MORNING
    )
    assert [(i["from"][11:16], i["offered"]) for i in sales_hours["intervals"]] == [
        ("09:00", 3),
        ("10:00", 0),
    ]


async def test_agent_figures_give_handled_calls_time_in_state_and_occupancy(
    morning: None, sup: aiohttp.ClientSession, ben: aiohttp.ClientSession, accounts: Accounts
) -> None:  # D8
    stats = await _json(sup, accounts, "/api/v1/stats/agents", **MORNING)
    agents = {a["agent_id"]: a for a in stats["agents"]}
    anna = agents["2001"]
    assert (anna["answered"], anna["talk_s"], anna["wrapup_s"], anna["aht_s"]) == (1, 100, 20, 120)
    assert anna["time_in_states"] == {
        "ready": 20 + 1660,
        "on_call": 100,
        "wrap_up": 20,
        "logged_out": 5400,
    }
    assert anna["occupancy"] == pytest.approx(120 / 1800)
    own = await _json(ben, accounts, "/api/v1/stats/agents", **MORNING)
    assert [a["agent_id"] for a in own["agents"]] == ["2002"]
    mine = own["agents"][0]
    assert (mine["answered"], mine["outbound"], mine["talk_s"], mine["wrapup_s"]) == (1, 1, 280, 40)
    assert mine["aht_s"] == pytest.approx((240 + 80) / 2)


def _epoch(hour: int, minute: int, second: int = 0) -> str:
    return str(int(_at(hour, minute, second).timestamp()))


async def test_the_journal_exports_as_app_queues_queue_log_for_existing_tools(
    morning: None, sup: aiohttp.ClientSession, ben: aiohttp.ClientSession, accounts: Accounts
) -> None:
    async with sup.get(accounts.url("/api/v1/calls/queue_log"), params=MORNING) as r:
        assert r.status == 200, await r.text()
        assert r.content_type == "text/plain"
        lines = (await r.text()).splitlines()
    assert lines == [
        f"{_epoch(9, 0)}|NONE|NONE|Agent/2001|ADDMEMBER|",
        f"{_epoch(9, 0, 10)}|c1|sales|NONE|ENTERQUEUE||+33612345678|1",
        f"{_epoch(9, 0, 20)}|c1|sales|Agent/2001|CONNECT|10||0",
        f"{_epoch(9, 2)}|c1|sales|Agent/2001|COMPLETECALLER|10|100|1",
        f"{_epoch(9, 5)}|c2|sales|NONE|ENTERQUEUE||+33699000001|1",
        f"{_epoch(9, 5, 3)}|c2|sales|NONE|ABANDON|1|1|3",
        f"{_epoch(9, 20)}|c3|sales|NONE|ENTERQUEUE||+33612345679|1",
        f"{_epoch(9, 20, 30)}|c3|sales|Agent/2002|CONNECT|30||0",
        f"{_epoch(9, 23, 50)}|c3|sales|Agent/2002|COMPLETECALLER|30|200|1",
        f"{_epoch(9, 30)}|NONE|NONE|Agent/2001|REMOVEMEMBER|",
        f"{_epoch(9, 40)}|c4|support|NONE|ENTERQUEUE||+33699000002|1",
        f"{_epoch(9, 40, 50)}|c4|support|NONE|ABANDON|1|1|50",
    ]  # the outbound call c5 is not a queue call: app_queue logs nothing for it
    assert await _problem(ben, accounts, "/api/v1/calls/queue_log", 403) == "forbidden"
    years = {"from": "2024-01-01T00:00:00+01:00", "to": "2025-06-01T00:00:00+01:00"}
    assert await _problem(sup, accounts, "/api/v1/calls/queue_log", 422, **years) == (
        "invalid_value"
    )


def _cell_as_before(value: Any) -> Any:
    """The CSV cell the export wrote before it read plain rows: the call's JSON value,
    a text a spreadsheet would run as a formula quoted (a phone number left alone)."""
    number = isinstance(value, str) and value.startswith("+") and value[1:].isdigit()
    if isinstance(value, str) and value.startswith(("=", "-", "@", "\t", "\r", "+")):
        return value if number else "'" + value
    return "" if value is None else value


AWKWARD_CALLS = [
    CallRecord(
        "c-é,1",
        direction=Direction.INBOUND,
        caller_number='=HYPERLINK("http://x.test","a, b")',
        dialled_number="\t+33189900000",
        ivr_path='main>1 "quoted",\nnext line\r\nand a CR',
        queue="ventes-Île",
        agent_id="@2001",
        agent_ids=["-2002", "a,b", 'q"uote', "é\\x"],
        started_at=_at(9, 0, 10) + timedelta(microseconds=123456),
        enqueued_at=_at(9, 0, 11),
        answered_at=_at(9, 0, 12) + timedelta(microseconds=1),
        ended_at=_at(9, 1, 0),
        wait_s=0.1 + 0.2,
        talk_s=-1.5,
        wrapup_s=1e-7,
        outcome=CallOutcome.ANSWERED,
        uniqueid="+1735000000",
        linkedid="+17350.00001",
    ),
    CallRecord(
        "c+2",
        direction=Direction.OUTBOUND,
        dialled_number="-12",
        started_at=_at(9, 30),
        agent_ids=["a, b", "[c]"],
        uniqueid="+",
        linkedid="",
    ),
]


async def test_the_csv_export_writes_each_cell_as_the_calls_json_with_formulas_quoted(
    server: Server, sup: aiohttp.ClientSession, accounts: Accounts
) -> None:
    # Texts with commas, quotes, line breaks, non-ASCII and formula starts; times with
    # and without microseconds; None and numbers of every sort; morning rows around them.
    await server.crm.record_calls([*MORNING_CALLS, *AWKWARD_CALLS])
    page = await _json(sup, accounts, "/api/v1/calls", limit="500")
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    columns = list(page["calls"][0])
    writer.writerow(columns)
    for call in page["calls"]:
        call["agent_ids"] = " ".join(call["agent_ids"])
        writer.writerow([_cell_as_before(call[column]) for column in columns])
    async with sup.get(accounts.url("/api/v1/calls"), params={"format": "csv"}) as r:
        assert r.status == 200
        body = await r.read()
    assert body == expected.getvalue().encode()
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    awkward = next(row for row in rows if row["call_id"] == "c-é,1")
    assert awkward["remote_number"].startswith("'=HYPERLINK")
    # The journal adds the agent who answered to the agents offered.
    assert awkward["agent_ids"] == "'-2002 a,b q\"uote é\\x @2001"
    assert (awkward["uniqueid"], awkward["linkedid"]) == ("+1735000000", "'+17350.00001")
    assert awkward["started_at"] == "2025-01-06T08:00:10.123456+00:00"


async def test_todays_time_in_states_stops_at_now(
    server: Server, ben: aiohttp.ClientSession, accounts: Accounts
) -> None:  # D8
    await server.crm.record_agent_states([("2002", "ready", None, datetime.now(UTC))])
    today = await _json(ben, accounts, "/api/v1/stats/agents")
    start = datetime.fromisoformat(today["period"]["from"])
    counted = sum(today["agents"][0]["time_in_states"].values())
    assert counted <= (datetime.now(UTC) - start).total_seconds() + 1
