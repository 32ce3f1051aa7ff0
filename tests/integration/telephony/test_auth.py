"""Sessions, tokens, CSRF, throttling and hostile input at the HTTP edge of a running
server: whoever is not signed in, or comes from another site, changes nothing."""

from __future__ import annotations

import json

import aiohttp
import pytest
from yarl import URL

from acd.bootstrap import Server
from acd.config import Settings
from crm.accounts import InvalidUser
from tests.support.accounts import PASSWORD, Accounts, problem


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """The server on each test database backend: sessions and tokens live in it."""
    return settings.model_copy(update={"database_url": database_url})


async def test_signing_in_sets_a_strict_http_only_cookie_and_signing_out_ends_the_session(
    server: Server, accounts: Accounts
) -> None:
    http = await accounts.client(None)
    async with http.post(
        accounts.url("/api/v1/session"), json={"login": "ben", "password": PASSWORD}
    ) as r:
        assert r.status == 200
        session = await r.json()
        cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    assert (session["login"], session["role"], session["agent_id"]) == ("ben", "agent", "2002")
    csrf = {"X-CSRF-Token": session["csrf_token"]}
    async with http.get(accounts.url("/api/v1/session")) as r:
        assert (await r.json())["csrf_token"] == session["csrf_token"]
    stolen = dict(http.cookie_jar.filter_cookies(URL(accounts.url("/"))))
    async with http.delete(accounts.url("/api/v1/session"), headers=csrf) as r:
        assert r.status == 204
    # The session is ended on the server: the old cookie no longer works.
    replay = await accounts.client(None)
    replay.cookie_jar.update_cookies({k: v.value for k, v in stolen.items()})
    async with replay.get(accounts.url("/api/v1/session")) as r:
        await problem(r, 401, "unauthenticated")


async def test_a_state_change_with_the_cookie_but_without_the_csrf_token_is_refused(
    server: Server, accounts: Accounts
) -> None:
    ben = await accounts.client("ben")
    del ben.headers["X-CSRF-Token"]
    path = accounts.url("/api/v1/agents/2002/state")
    async with ben.post(path, json={"state": "ready"}) as r:
        await problem(r, 403, "csrf_failed")
    async with ben.post(path, json={"state": "ready"}, headers={"X-CSRF-Token": "guess"}) as r:
        await problem(r, 403, "csrf_failed")
    assert server.telephony.router.agent("2002").state == "logged_out"


async def test_a_cross_site_form_post_or_plain_text_body_changes_nothing(
    server: Server, accounts: Accounts
) -> None:
    ben = await accounts.client("ben")
    path = accounts.url("/api/v1/agents/2002/state")
    foreign = {"Origin": "http://evil.example"}
    async with ben.post(path, data={"state": "ready"}, headers=foreign) as r:
        await problem(r, 403, "foreign_origin")
    # text/plain is what a cross-site page may send without asking: never parsed as JSON.
    plain = {"Content-Type": "text/plain"}
    async with ben.post(path, data=json.dumps({"state": "ready"}), headers=plain) as r:
        await problem(r, 415, "unsupported_media_type")
    assert server.telephony.router.agent("2002").state == "logged_out"


async def test_wrong_passwords_are_throttled_per_login_even_with_the_right_one_after(
    server: Server, accounts: Accounts
) -> None:
    http = await accounts.client(None)
    url = accounts.url("/api/v1/session")
    for _ in range(5):
        async with http.post(url, json={"login": "sup", "password": "wrong password"}) as r:
            await problem(r, 401, "invalid_credentials")
    async with http.post(url, json={"login": "nobody", "password": "wrong password"}) as r:
        await problem(r, 401, "invalid_credentials")  # unknown login: the same answer
    async with http.post(url, json={"login": "sup", "password": PASSWORD}) as r:
        await problem(r, 429, "too_many_attempts")
    async with http.post(url, json={"login": "ben", "password": PASSWORD}) as r:
        assert r.status == 200  # another login from the same address still signs in


async def test_a_bearer_token_works_until_revoked_and_its_last_use_is_kept(
    server: Server, accounts: Accounts
) -> None:
    _, secret = await server.identity.create_token("reports", "supervisor")
    http = await accounts.client(None)
    bearer = {"Authorization": f"Bearer {secret}"}
    async with http.get(accounts.url("/api/v1/stats"), headers=bearer) as r:
        assert r.status == 200
    # No cookie, so no CSRF token to send: a token's state changes go through.
    async with http.post(
        accounts.url("/api/v1/agents/2002/force"), json={"state": "ready"}, headers=bearer
    ) as r:
        assert r.status == 200
    [token] = await server.identity.tokens()
    assert token.last_used_at is not None
    await server.identity.revoke_token("reports")
    async with http.get(accounts.url("/api/v1/stats"), headers=bearer) as r:
        await problem(r, 401, "invalid_token")


async def test_the_session_names_the_users_own_language_for_the_pages(
    server: Server, accounts: Accounts
) -> None:
    await server.identity.set_language("ben", "en")
    with pytest.raises(InvalidUser):
        await server.identity.set_language("anna", "de")
    ben, anna = await accounts.client("ben"), await accounts.client("anna")
    async with ben.get(accounts.url("/api/v1/session")) as r:
        assert (await r.json())["language"] == "en"
    async with anna.get(accounts.url("/api/v1/session")) as r:
        assert (await r.json())["language"] is None  # the centre's


async def test_disabling_a_user_ends_their_sessions(server: Server, accounts: Accounts) -> None:
    ben = await accounts.client("ben")
    await server.identity.disable_user("ben")
    async with ben.get(accounts.url("/api/v1/session")) as r:
        await problem(r, 401, "unauthenticated")


async def test_an_agent_acts_only_on_themselves_and_the_audit_names_the_signed_in_user(
    server: Server, accounts: Accounts
) -> None:
    ben, cleo = await accounts.client("ben"), await accounts.client("cleo")
    async with cleo.post(accounts.url("/api/v1/agents/2002/state"), json={"state": "ready"}) as r:
        await problem(r, 403, "forbidden")
    case = await server.crm.open_case(
        actor="2002", queue="support", title="x", owner_agent_id="2002"
    )
    path = accounts.url(f"/api/v1/cases/{case.number}/priority")
    async with cleo.post(path, json={"priority": "urgent"}) as r:
        await problem(r, 403, "forbidden")  # not her case, not her team's queue
    async with ben.post(path, json={"priority": "urgent"}) as r:
        assert r.status == 200
    details = await server.crm.case_details(case.number)
    [change] = [e for e in details.audit if e.new_value == "urgent"]
    assert change.actor == "2002"


@pytest.mark.parametrize(
    ("content", "path"),
    [
        (b"\xff\xfe{", "/api/v1/agents/2002/state"),  # invalid UTF-8
        (b"[" * 10_000 + b"]" * 10_000, "/api/v1/agents/2002/state"),  # deep nesting
        (b'{"state": NaN}', "/api/v1/agents/2002/state"),
        (b'{"title": "' + b"x" * 200_000 + b'"}', "/api/v1/agents/2002/notifications"),
        (b'{"answers": {"q": 1e400}}', "/api/v1/cases/2025-000001/intake"),
        (b"{}", "/api/v1/tasks/" + "9" * 30 + "/complete"),
        (b"{}", "/api/v1/agents/2002/notifications/" + "9" * 30 + "/read"),
        (b'{"state": "ready", "extra": 1}', "/api/v1/agents/2002/state"),
        (b'{"number": "0612\\u0000"}', "/api/v1/agents/2002/calls"),
    ],
)
async def test_hostile_input_gets_a_clear_4xx_never_a_5xx(
    server: Server, accounts: Accounts, content: bytes, path: str
) -> None:
    sup = await accounts.client("sup")
    headers = {"Content-Type": "application/json"}
    async with sup.post(accounts.url(path), data=content, headers=headers) as r:
        assert 400 <= r.status < 500, (r.status, await r.text())
        assert r.content_type == "application/problem+json"
    async with sup.get(accounts.url("/api/v1/journal"), params={"number": "\x00"}) as r:
        assert r.status == 400


async def test_a_request_naming_a_host_not_allowed_is_refused(
    server: Server, accounts: Accounts
) -> None:  # DNS rebinding
    http = await accounts.client(None)
    async with http.get(accounts.url("/health"), headers={"Host": "evil.example"}) as r:
        await problem(r, 421, "host_not_allowed")


async def test_every_response_carries_the_browser_protections_and_no_version_banner(
    server: Server, accounts: Accounts
) -> None:
    http = await accounts.client(None)
    for path in ("/signin", "/health", "/api/v1/nothing"):
        async with http.get(accounts.url(path)) as r:
            csp = r.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["Referrer-Policy"] == "no-referrer"
            assert r.headers["Server"] == "aiguilleur"


async def test_the_websocket_needs_a_session_and_an_allowed_origin(
    server: Server, accounts: Accounts
) -> None:
    anonymous, sup = await accounts.client(None), await accounts.client("sup")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await anonymous.ws_connect(accounts.url("/api/v1/ws"))
    assert refused.value.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await sup.ws_connect(accounts.url("/api/v1/ws"), origin="http://evil.example")
    assert refused.value.status == 403
    own = f"http://127.0.0.1:{server.http_port}"
    async with sup.ws_connect(accounts.url("/api/v1/ws"), origin=own) as ws:
        assert not ws.closed


async def test_the_openapi_document_describes_every_api_route(
    server: Server, accounts: Accounts
) -> None:
    http = await accounts.client(None)
    async with http.get(accounts.url("/api/v1/openapi.json")) as r:
        document = await r.json()
    assert document["openapi"].startswith("3.1")
    state = document["paths"]["/api/v1/agents/{agent_id}/state"]["post"]
    body = state["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["state"]["enum"] == ["ready", "paused", "logged_out", "manual_call"]
    assert "/api/v1/ws" not in document["paths"]
