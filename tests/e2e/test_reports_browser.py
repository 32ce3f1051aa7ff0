"""The live and historic views in a real browser, with real calls through the sandbox
Asterisk: the wallboard's day chart per queue, the period a supervisor picks with its
figures and export links, and the agent's own figures of today on the desk (S11)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import BrowserContext, Page, expect

from acd.bootstrap import Server
from acd.telephony.events import CallArrived, CallEnded, CallQueuedEvent
from crm.domain.journal import CallOutcome, Direction
from crm.views import CallRecord
from tests.support.accounts import PASSWORD
from tests.support.browser import choose_language, screenshot
from tests.support.sandbox import Switchboard
from tests.support.server import ready
from tests.support.waiting import next_event

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
async def in_english(context: BrowserContext) -> None:
    await choose_language(context, "en")


async def _sign_in(page: Page, login: str, home: str) -> None:
    await page.goto("/signin")
    await page.get_by_label("Login").fill(login)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(f"/{home}$"))
    await expect(page.locator("#link")).to_have_class("link-dot up")


async def _answered_call(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any], caller: str
) -> None:
    """A caller of the support line whom Ben (2002) answers and talks to for a second."""
    await switchboard.phone("2002", talk=1)
    await switchboard.call("0189000003", caller)
    queued = await next_event(events, CallQueuedEvent)
    await ready(server, "2002")
    await next_event(events, CallEnded, lambda e: e.uniqueid == queued.call_id)


async def _abandoned_call(switchboard: Switchboard, events: asyncio.Queue[Any], caller: str) -> str:
    """A caller of the support line who hangs up while waiting (Ben is in wrap-up)."""
    await switchboard.call("0189000003", caller)
    arrived = await next_event(events, CallArrived, lambda e: e.caller_number == caller)
    queued = await next_event(events, CallQueuedEvent)
    await switchboard.hangup(arrived.channel)
    await next_event(events, CallEnded, lambda e: e.uniqueid == queued.call_id)
    return queued.call_id


async def _column_total(rows: Any, field: str) -> int:
    return sum(
        int(text) for text in await rows.locator(f'[data-field="{field}"]').all_inner_texts()
    )


def _period_of(href: str | None) -> tuple[datetime, datetime]:
    assert href is not None
    query = parse_qs(urlsplit(href).query)
    return datetime.fromisoformat(query["from"][0]), datetime.fromisoformat(query["to"][0])


async def test_the_wallboard_charts_the_days_real_calls_and_reports_the_picked_period(
    server: Server,
    switchboard: Switchboard,
    events: asyncio.Queue[Any],
    page: Page,
    console_errors: list[str],
) -> None:  # S11
    # Yesterday, written to the journal: two sales calls, one answered within the target.
    yesterday = datetime.now(UTC) - timedelta(days=1)
    await server.crm.record_calls(
        [
            CallRecord(
                f"yesterday-{n}",
                direction=Direction.INBOUND,
                caller_number=f"061100009{n}",
                queue="sales",
                agent_id="2001" if n == 1 else None,
                started_at=yesterday,
                enqueued_at=yesterday,
                answered_at=yesterday + timedelta(seconds=5) if n == 1 else None,
                ended_at=yesterday + timedelta(seconds=60),
                wait_s=5 if n == 1 else 40,
                talk_s=55 if n == 1 else None,
                outcome=CallOutcome.ANSWERED if n == 1 else CallOutcome.ABANDONED,
            )
            for n in (1, 2)
        ]
    )
    await page.set_viewport_size({"width": 1366, "height": 768})
    await _sign_in(page, "sup", "wallboard")
    support = page.locator("#chart-support")
    await expect(support.locator("svg title")).to_have_text(
        "Queue support: calls and service level per hour today"
    )
    await expect(support.locator("rect.bar-offered")).to_have_count(0)

    # Today, for real: Ben answers one caller; another hangs up at once (a short abandon).
    await _answered_call(server, switchboard, events, "0611000041")
    await _abandoned_call(switchboard, events, "0611000042")
    await server.journal.drain()

    # The chart follows the ended calls without a reload.
    hour = support.locator("rect.bar-offered")
    await expect(hour).to_have_count(1)
    await expect(hour).to_have_attribute("data-offered", "2")
    await expect(support.locator("rect.bar-answered")).to_have_attribute("data-answered", "1")
    rows = support.locator("table.visually-hidden tbody tr")
    assert await rows.count() in (23, 24, 25)  # the day's hours, summer time changes too
    assert await _column_total(rows, "offered") == 2
    assert await _column_total(rows, "answered") == 1
    assert await _column_total(rows, "abandoned") == 0  # short abandons are not abandons
    await expect(support.locator("circle.sl-point")).to_have_count(1)
    await expect(support.locator("svg desc")).to_contain_text("2 calls offered, 1 answered")
    await expect(page.locator("#chart-sales rect.bar-offered")).to_have_count(0)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 1366
    await screenshot(page, "wallboard-chart")

    # The period: today by default, its figures and export links.
    today_queues = page.locator("#period-queues")
    await expect(
        today_queues.locator('tr[data-queue="support"] [data-field="offered"]')
    ).to_have_text("2")
    await expect(today_queues.locator('tr[data-queue="sales"]')).to_have_count(0)
    await expect(
        page.locator('#period-agents tr[data-agent="2002"] [data-field="answered"]')
    ).to_have_text("1")
    start, end = _period_of(await page.locator("#export-csv").get_attribute("href"))
    # Today so far: from the day's start to now (time in state is not counted ahead).
    assert start < end <= datetime.now(UTC) and end - start <= timedelta(hours=25)

    await page.locator("#period").select_option("yesterday")
    sales = today_queues.locator('tr[data-queue="sales"]')
    await expect(sales.locator('[data-field="offered"]')).to_have_text("2")
    await expect(sales.locator('[data-field="answered"]')).to_have_text("1")
    await expect(sales.locator('[data-field="abandoned"]')).to_have_text("1")
    await expect(sales.locator('[data-field="service_level"]')).to_have_text("50%")
    await expect(today_queues.locator('tr[data-queue="support"]')).to_have_count(0)
    await expect(
        page.locator('#period-agents tr[data-agent="2001"] [data-field="answered"]')
    ).to_have_text("1")
    csv_href = await page.locator("#export-csv").get_attribute("href")
    log_href = await page.locator("#export-queue-log").get_attribute("href")
    start, end = _period_of(csv_href)
    assert start <= yesterday < end <= datetime.now(UTC)
    assert _period_of(log_href) == (start, end)

    # The links give that period's journal and queue_log.
    journal = await page.request.get(csv_href or "")
    assert journal.status == 200
    assert sorted(re.findall(r"yesterday-\d", await journal.text())) == [
        "yesterday-1",
        "yesterday-2",
    ]
    log = await page.request.get(log_href or "")
    assert log.status == 200 and "|ENTERQUEUE|" in await log.text()
    assert "0611000041" not in await log.text()

    # A custom period from the day before yesterday to today holds both days.
    await page.locator("#period").select_option("custom")
    await expect(page.locator("#period-from")).to_be_visible()
    two_days_ago = (datetime.now() - timedelta(days=2)).date().isoformat()
    today = datetime.now().date().isoformat()
    await page.locator("#period-from").fill(today)
    await page.locator("#period-to").fill(two_days_ago)
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("#period-error")).to_have_text(
        "The first day must not be after the last"
    )
    await page.locator("#period-from").fill(two_days_ago)
    await page.locator("#period-to").fill(today)
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("#period-error")).to_have_text("")
    await expect(today_queues.locator('tr[data-queue=""] [data-field="offered"]')).to_have_text("4")
    await screenshot(page, "wallboard-period")
    start, _end = _period_of(await page.locator("#export-csv").get_attribute("href"))
    assert start.date() <= (datetime.now(UTC) - timedelta(days=1)).date()
    assert console_errors == []


async def test_the_desk_shows_the_agents_own_figures_of_today_after_each_call(
    server: Server,
    switchboard: Switchboard,
    events: asyncio.Queue[Any],
    page: Page,
    console_errors: list[str],
) -> None:  # S11
    # Anna's call is not Ben's figure.
    now = datetime.now(UTC)
    await server.crm.record_call(
        CallRecord(
            "annas-call",
            direction=Direction.INBOUND,
            queue="sales",
            agent_id="2001",
            started_at=now,
            enqueued_at=now,
            answered_at=now,
            ended_at=now + timedelta(seconds=30),
            wait_s=0,
            talk_s=30,
            outcome=CallOutcome.ANSWERED,
        )
    )
    await page.set_viewport_size({"width": 1366, "height": 768})
    await _sign_in(page, "ben", "desk")
    await expect(page.get_by_role("heading", name="My figures today")).to_be_visible()
    await expect(page.locator("#my-answered")).to_have_text("0")
    await expect(page.locator("#my-aht")).to_have_text("—")

    await switchboard.phone("2002", talk=1)
    await page.get_by_role("button", name="Ready", exact=True).click()
    await expect(page.locator("#state")).to_have_text("Ready")
    await switchboard.call("0189000003", "0611000043")
    ended = await next_event(events, CallEnded, lambda e: e.agent_id == "2002")
    assert ended.outcome == "answered"

    await expect(page.locator("#my-answered")).to_have_text("1")
    await expect(page.locator("#my-aht")).not_to_have_text("—")
    await expect(page.locator("#my-outbound")).to_have_text("0")
    on_call = page.locator('#my-states tr[data-state="on_call"] td.num')
    await expect(on_call).not_to_have_text("00:00")
    await expect(page.locator('#my-states tr[data-state="ready"]')).to_contain_text("Ready")
    # Counted to now, not to the day's end.
    wrap_up = page.locator('#my-states tr[data-state="wrap_up"] td.num')
    await expect(wrap_up).to_have_text(re.compile(r"^00:\d\d$"))
    await screenshot(page, "desk-figures")
    assert console_errors == []
