"""What a monitoring system reads from a live server (docs/operations.md): /metrics as
Prometheus scrapes it with a bearer token, while a real call flows on the sandbox Asterisk,
and the liveness and readiness probes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from acd.bootstrap import Server
from acd.telephony.events import CallArrived, CallConnected, CallEnded, CallQueuedEvent
from tests.support.sandbox import Switchboard
from tests.support.server import ready
from tests.support.waiting import next_event

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Scraper:
    """Scrapes /metrics as Prometheus would, into {(name, labels): value}."""

    def __init__(self, server: Server, client: aiohttp.ClientSession) -> None:
        self._url = f"http://127.0.0.1:{server.http_port}/metrics"
        self._client = client

    async def scrape(self) -> Samples:
        async with self._client.get(self._url) as r:
            assert r.status == 200, await r.text()
            assert r.content_type == "text/plain"
            text = await r.text()
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    async def until(self, condition: Callable[[Samples], bool], timeout: float = 5) -> Samples:
        """Scrape until `condition` holds: bus-fed counters follow the events a moment later."""
        async with asyncio.timeout(timeout):
            while not condition(samples := await self.scrape()):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 for a labelled series not seen yet (as Prometheus' absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def scraper(server: Server) -> AsyncIterator[Scraper]:
    _, token = await server.identity.create_token("prometheus", "supervisor")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as client:
        yield Scraper(server, client)


async def test_metrics_show_a_waiting_caller_then_the_agent_on_the_call_then_the_call_answered(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any], scraper: Scraper
) -> None:
    before = await scraper.scrape()
    assert value(before, "acd_agents", state="logged_out") == 4
    assert value(before, "acd_calls_waiting", queue="support") == 0
    assert value(before, "acd_ami_connected") == 1
    assert value(before, "acd_database_up") == 1

    await switchboard.phone("2002", talk=1)
    await switchboard.call("0189000003", "0611000101")
    queued = await next_event(events, CallQueuedEvent)
    waiting = await scraper.until(
        lambda s: value(s, "acd_longest_wait_seconds", queue="support") > 0
    )
    assert value(waiting, "acd_calls_waiting", queue="support") == 1
    assert value(waiting, "acd_calls_waiting", queue="sales") == 0

    await ready(server, "2002")
    await next_event(events, CallConnected, lambda e: e.call_id == queued.call_id)
    on_call = await scraper.scrape()
    assert value(on_call, "acd_agents", state="on_call") == 1
    assert value(on_call, "acd_agents", state="logged_out") == 3
    assert value(on_call, "acd_calls_waiting", queue="support") == 0
    assert value(on_call, "acd_longest_wait_seconds", queue="support") == 0

    await next_event(events, CallEnded, lambda e: e.uniqueid == queued.call_id)
    answered = await scraper.until(
        lambda s: value(s, "acd_calls_total", queue="support", outcome="answered") == 1
    )
    assert value(answered, "acd_dispatch_seconds_count", queue="support") == 1
    # The caller waited from the queue until Ben was made ready and answered.
    assert value(answered, "acd_dispatch_seconds_sum", queue="support") > 0
    assert value(answered, "acd_agents", state="wrap_up") == 1
    await server.journal.drain()
    written = await scraper.scrape()
    assert value(written, "acd_journal_rows_written_total") >= 1
    assert value(written, "acd_journal_write_seconds_count", kind="call") >= 1
    assert value(written, "acd_journal_dead_letters_total") == 0
    assert value(written, "acd_outbox_pending", outbox="mail") >= 0
    assert ("acd_outbox_failed", frozenset({("outbox", "webhook")})) in written


async def test_a_caller_who_hangs_up_while_waiting_is_counted_abandoned_in_its_queue(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any], scraper: Scraper
) -> None:
    await switchboard.call("0189000003", "0611000102")
    arrived = await next_event(events, CallArrived, lambda e: e.caller_number == "0611000102")
    queued = await next_event(events, CallQueuedEvent)
    await switchboard.hangup(arrived.channel)
    await next_event(events, CallEnded, lambda e: e.uniqueid == queued.call_id)
    counted = await scraper.until(
        lambda s: value(s, "acd_calls_total", queue="support", outcome="abandoned") == 1
    )
    assert value(counted, "acd_calls_total", queue="support", outcome="answered") == 0
    assert value(counted, "acd_dispatch_seconds_count", queue="support") == 0


async def test_the_liveness_and_readiness_probes_answer_anyone(server: Server) -> None:
    base = f"http://127.0.0.1:{server.http_port}"
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(f"{base}/health/live") as r:
            assert r.status == 200
            assert (await r.json())["status"] == "live"
        async with anonymous.get(f"{base}/health/ready") as r:
            assert r.status == 200
            assert await r.json() == {"status": "ready", "ami": True, "database": True}
        async with anonymous.get(f"{base}/metrics") as r:
            assert r.status == 401
