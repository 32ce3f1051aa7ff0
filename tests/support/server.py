"""A whole server on the sandbox Asterisk: its settings, starting it, and what it publishes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from acd import routing
from acd.bootstrap import Server, start_server
from acd.config import Settings, load_settings
from crm.db.migrate import upgrade_async
from tests.support.sandbox import Switchboard

# The centre every server test runs: its queues, agents, IVR and intake scripts.
CENTRE = Path(__file__).resolve().parents[1] / "integration" / "telephony" / "centre"


@pytest.fixture
def settings(sandbox: None, tmp_path: Path) -> Settings:
    return load_settings(
        env={},
        overrides={
            "http.port": 0,
            "fastagi.port": 0,
            "centre_dir": str(CENTRE),
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'acd.sqlite3'}",
            "telephony.agent_dial": "Local/{agent}@test-phones",
            "telephony.outbound_dial": "Local/{number}@test-phones",
            "telephony.agent_answer_timeout": 5,
            "telephony.callback_attempts": 2,
            "telephony.customer_answer_timeout": 3,
        },
    )


@contextlib.asynccontextmanager
async def running_server(settings: Settings) -> AsyncIterator[Server]:
    """A server on a fresh database, logged in to the sandbox and ready for calls."""
    await upgrade_async(settings.database_url)
    server = await start_server(settings)
    try:
        await server.ami.wait_connected(10)
        # The first login has set ACD_AGI once the writer has handled it.
        await server.telephony.execute(_noop)
        yield server
    finally:
        await server.stop()


async def _noop() -> None:
    return None


@pytest.fixture
async def server(settings: Settings, switchboard: Switchboard) -> AsyncIterator[Server]:
    async with running_server(settings) as server:
        yield server


@pytest.fixture
def events(server: Server) -> Iterator[asyncio.Queue[Any]]:
    """Everything the server publishes from now on."""
    with server.bus.subscribe() as queue:
        yield queue


async def ready(server: Server, *agent_ids: str) -> None:
    """Log agents in (they become ready), in the order given."""
    for agent_id in agent_ids:
        await server.telephony.command(functools.partial(_logged_in, agent_id))


def _logged_in(agent_id: str, at: float) -> routing.Event:
    return routing.AgentLoggedIn(agent_id, at=at)
