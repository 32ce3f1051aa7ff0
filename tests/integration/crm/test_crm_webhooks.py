"""External CRM hook (C3): signed deliveries to a real local HTTP receiver, retried."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.domain.journal import CallOutcome
from crm.services import CrmService
from crm.settings import CrmSettings, WebhookEndpoint
from crm.views import CallRecord, NewCustomer
from crm.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSender,
    WebhookSettings,
    verify_signature,
)

SECRET = "s3cret"


@dataclass
class Receiver:
    failures_left: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify_signature(
            SECRET, request.headers[TIMESTAMP_HEADER], body, request.headers[SIGNATURE_HEADER]
        ):
            return web.Response(status=401)
        if self.failures_left > 0:
            self.failures_left -= 1
            return web.Response(status=503)
        self.received.append(json.loads(body))
        self.deliveries.append(request.headers[DELIVERY_HEADER])
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/hook", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield state, str(server.make_url("/hook"))
    finally:
        await server.close()


async def test_case_and_call_events_are_delivered_signed(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, receiver: tuple[Receiver, str]
):  # C3
    state, url = receiver
    endpoints = (WebhookEndpoint(url=url, secret=SECRET),)
    service = CrmService(uow_factory, clock, CrmSettings(webhooks=endpoints))
    await service.create_customer(NewCustomer(account_number="A", phones=["0612345678"]))
    result = await service.open_or_join_case_for_call(
        call_id="c1", caller_number="0612345678", agent_id="alice"
    )
    await service.set_case_status(result.case.number, "resolved", actor="alice")
    await service.record_call(
        CallRecord(call_id="c1", ended_at=clock.now(), outcome=CallOutcome.ANSWERED)
    )
    sender = WebhookSender(uow_factory, clock, endpoints)
    assert await sender.drain() == (5, 0)
    events = [r["event"] for r in state.received]
    assert events == [
        "case.created",
        "call.started",
        "case.call_attached",
        "case.status_changed",
        "call.ended",
    ]
    status_change = state.received[3]["data"]
    assert (status_change["from"], status_change["to"]) == ("open", "resolved")
    assert status_change["case"]["number"] == result.case.number


async def test_failed_delivery_is_retried_with_backoff(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, receiver: tuple[Receiver, str]
):  # C3
    state, url = receiver
    state.failures_left = 2
    endpoints = (WebhookEndpoint(url=url, secret=SECRET, events=frozenset({"case.created"})),)
    service = CrmService(uow_factory, clock, CrmSettings(webhooks=endpoints))
    await service.open_case(actor="alice", title="x")
    sender = WebhookSender(uow_factory, clock, endpoints)
    assert await sender.drain() == (0, 1)
    assert await sender.drain() == (0, 0)  # not due yet
    clock.advance(seconds=10)
    assert await sender.drain() == (0, 1)
    clock.advance(seconds=20)
    assert await sender.drain() == (1, 0)
    async with uow_factory() as uow:
        [delivery] = await uow.webhooks.all()
        assert delivery.attempts == 3 and delivery.delivered_at == clock.now()
        assert state.deliveries == [str(delivery.id)]


async def test_unreachable_receiver_keeps_the_delivery_pending(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
):  # C3
    endpoints = (WebhookEndpoint(url="http://127.0.0.1:9/hook", secret=SECRET),)
    service = CrmService(uow_factory, clock, CrmSettings(webhooks=endpoints))
    await service.open_case(actor="alice", title="x")
    assert await WebhookSender(uow_factory, clock, endpoints).drain() == (0, 1)
    async with uow_factory() as uow:
        [delivery] = await uow.webhooks.all()
        assert delivery.delivered_at is None and delivery.last_error
        assert delivery.next_attempt_at == clock.now() + timedelta(seconds=10)


async def test_delivery_to_a_receiver_that_always_fails_gives_up_after_max_attempts(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
):  # C3
    endpoints = (WebhookEndpoint(url="http://127.0.0.1:9/hook", secret=SECRET),)
    crm = CrmService(uow_factory, clock, CrmSettings(webhooks=endpoints))
    await crm.open_case(actor="alice", title="x")
    sender = WebhookSender(uow_factory, clock, endpoints, WebhookSettings(max_attempts=2))
    assert await sender.drain() == (0, 1)
    clock.advance(hours=2)
    assert await sender.drain() == (0, 1)
    clock.advance(days=1)
    assert await sender.drain() == (0, 0)  # given up: no longer due
    async with uow_factory() as uow:
        [delivery] = await uow.webhooks.all()
    assert delivery.attempts == 2 and delivery.failed_at == clock.now() - timedelta(days=1)
    [failed] = await crm.failed_deliveries()
    assert (failed.channel, failed.id, failed.kind) == ("webhook", delivery.id, "case.created")
    assert failed.target == "http://127.0.0.1:9/hook" and failed.last_error
