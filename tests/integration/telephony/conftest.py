"""Fixtures for tests against the sandbox Asterisk (scripts/asterisk-sandbox).

Agents' phones and callers are Local channels whose behaviour the AstDB sets
(see [test-phones] and [test-callers] in ivr-config/asterisk/extensions.conf).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from acd import routing
from acd.bootstrap import Server, start_server
from acd.config import REPO_ROOT, Settings, load_settings
from acd.sandbox import TEST_SECRET_FILE, Switchboard, open_switchboard, switchboard_settings
from crm.db.migrate import upgrade_async

SANDBOX = REPO_ROOT / "scripts" / "asterisk-sandbox"
CENTRE = Path(__file__).parent / "centre"


def _ami_answers(port: int = 5038) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(64).startswith(b"Asterisk Call Manager")
    except OSError:
        return False


@pytest.fixture(scope="session")
def sandbox() -> None:
    """The sandbox Asterisk, brought up when it is not running or was started before
    the sandbox had its test user."""
    if not _ami_answers() or not TEST_SECRET_FILE.exists():
        result = subprocess.run([str(SANDBOX), "up"], capture_output=True, text=True)
        if result.returncode != 0 or not _ami_answers():
            pytest.fail(
                f"the sandbox Asterisk is not running and `{SANDBOX} up` failed:\n{result.stderr}"
            )


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


@pytest.fixture
async def switchboard(settings: Settings) -> AsyncIterator[Switchboard]:
    async with open_switchboard(switchboard_settings(settings.ami)) as board:
        await board.hangup_everything()
        yield board
        await board.hangup_everything()


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


@pytest.fixture
async def server(settings: Settings, switchboard: Switchboard) -> AsyncIterator[Server]:
    async with running_server(settings) as server:
        yield server


async def _noop() -> None:
    return None


@pytest.fixture
def events(server: Server) -> Iterator[asyncio.Queue[Any]]:
    """Everything the server publishes from now on."""
    with server.bus.subscribe() as queue:
        yield queue


async def ready(server: Server, *agent_ids: str) -> None:
    """Log agents in (they become ready), in the order given."""
    for agent_id in agent_ids:
        await server.telephony.command(lambda at, a=agent_id: routing.AgentLoggedIn(a, at=at))


PASSWORD = "correct horse battery"
# The users every server test may sign in as (tests/integration/telephony/centre agents).
USERS = {
    "anna": ("agent", "2001"),
    "ben": ("agent", "2002"),
    "cleo": ("agent", "2003"),
    "sup": ("supervisor", None),
    "root": ("admin", None),
}


class Accounts:
    """Signed-in HTTP clients of a running server: `await accounts.client("ben")` is a
    client with ben's session cookie that sends his CSRF token on every request."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._clients: list[aiohttp.ClientSession] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.http_port}{path}"

    async def add_users(self) -> None:
        for login, (role, agent_id) in USERS.items():
            await self.server.identity.add_user(login, PASSWORD, role, agent_id)

    async def client(self, login: str | None) -> aiohttp.ClientSession:
        """`None` is an anonymous client."""
        client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self._clients.append(client)
        if login is None:
            return client
        async with client.post(
            self.url("/api/v1/session"), json={"login": login, "password": PASSWORD}
        ) as r:
            assert r.status == 200, await r.text()
            client.headers["X-CSRF-Token"] = (await r.json())["csrf_token"]
        return client

    async def close(self) -> None:
        for client in self._clients:
            await client.close()


@pytest.fixture
async def accounts(server: Server) -> AsyncIterator[Accounts]:
    accounts = Accounts(server)
    await accounts.add_users()
    try:
        yield accounts
    finally:
        await accounts.close()


@contextlib.asynccontextmanager
async def signed_in(server: Server, login: str = "root") -> AsyncIterator[aiohttp.ClientSession]:
    """A client signed in as one of USERS (created on first use), closed afterwards."""
    accounts = Accounts(server)
    if not await server.identity.users():
        await accounts.add_users()
    try:
        yield await accounts.client(login)
    finally:
        await accounts.close()
