"""The AMI link drops and comes back: no call is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from acd.ami import actions
from acd.bootstrap import Server, start_server
from acd.config import Settings
from acd.telephony.events import CallArrived, CallEnded, CallQueuedEvent
from crm.db.migrate import upgrade_async
from tests.support.faults.tcp_proxy import CuttableProxy
from tests.support.sandbox import Switchboard
from tests.support.waiting import next_event, until


@pytest.fixture
async def proxied_server(
    settings: Settings, switchboard: Switchboard
) -> AsyncIterator[tuple[Server, CuttableProxy]]:
    proxy = CuttableProxy(settings.ami.host, settings.ami.port)
    await proxy.start()
    settings = settings.model_copy(
        update={
            "ami": settings.ami.model_copy(
                update={"port": proxy.port, "ping_interval": 0.5, "ping_timeout": 0.5}
            )
        }
    )
    await upgrade_async(settings.database_url)
    server = await start_server(settings)
    try:
        await server.ami.wait_connected(10)
        yield server, proxy
    finally:
        await server.stop()
        await proxy.stop()


async def test_a_call_that_ends_while_the_ami_link_is_down_is_journaled_after_the_reconnect(
    proxied_server: tuple[Server, CuttableProxy], switchboard: Switchboard
) -> None:  # S7
    server, proxy = proxied_server
    with server.bus.subscribe() as events:
        await switchboard.call("0189000003", "0611000020")
        arrived = await next_event(events, CallArrived)
        await next_event(events, CallQueuedEvent)

        proxy.cut()
        await until(lambda: not server.ami.connected)
        await switchboard.hangup(arrived.channel)  # the server cannot see this
        proxy.restore()

        ended = await next_event(events, CallEnded, lambda e: e.uniqueid == arrived.uniqueid)
        assert ended.outcome == "abandoned"
    assert proxy.connections >= 2
    await server.journal.drain()
    [entry] = await server.crm.call_history("0611000020")
    assert entry.outcome == "abandoned" and entry.uniqueid == arrived.uniqueid


async def test_a_link_that_stops_answering_pings_is_rebuilt(
    proxied_server: tuple[Server, CuttableProxy],
) -> None:
    server, proxy = proxied_server
    first = proxy.connections
    proxy.freeze()  # the socket stays open but nothing comes back
    await until(lambda: proxy.connections > first and server.ami.connected, timeout=10)
    # Actions work again on the new link.
    reply = await server.ami.send(actions.ping())
    assert reply.success


async def test_readiness_names_the_ami_while_the_link_is_cut_and_is_ready_once_it_is_back(
    proxied_server: tuple[Server, CuttableProxy],
) -> None:
    server, proxy = proxied_server
    url = f"http://127.0.0.1:{server.http_port}/health/ready"
    async with aiohttp.ClientSession() as probe:
        async with probe.get(url) as r:
            assert r.status == 200
        proxy.cut()
        await until(lambda: not server.ami.connected)
        async with probe.get(url) as r:
            assert r.status == 503
            problem = await r.json()
            assert problem["code"] == "not_ready"
            assert problem["not_ready"] == ["ami"]
            assert problem["database"] is True
        proxy.restore()
        await until(lambda: server.ami.connected, timeout=10)
        async with probe.get(url) as r:
            assert r.status == 200, await r.text()
        _, token = await server.identity.create_token("prometheus", "supervisor")
        metrics_url = f"http://127.0.0.1:{server.http_port}/metrics"
        async with probe.get(metrics_url, headers={"Authorization": f"Bearer {token}"}) as r:
            families = {f.name: f for f in text_string_to_metric_families(await r.text())}
    assert families["acd_ami_reconnects"].samples[0].value == 1
    assert families["acd_ami_connected"].samples[0].value == 1
