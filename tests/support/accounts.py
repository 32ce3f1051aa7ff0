"""The users of a running server, and HTTP clients signed in as them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from acd.bootstrap import Server

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


async def answer(response: aiohttp.ClientResponse, status: int = 200) -> Any:
    """The JSON body of a response checked to have `status` (its text shown when not)."""
    assert response.status == status, await response.text()
    return await response.json()


async def problem(response: aiohttp.ClientResponse, status: int, code: str) -> dict[str, Any]:
    """The problem+json body of a refusal, checked to have `status` and the stable `code`."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = await response.json()
    assert body["code"] == code
    return body
