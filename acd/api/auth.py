"""Authentication and the access middleware, and the session routes.

People sign in with `POST /api/v1/session` and get an HttpOnly, SameSite=Strict cookie
naming a session stored server-side, plus a CSRF token that every state-changing request
made with the cookie must echo in `X-CSRF-Token`. Programs send `Authorization: Bearer`
tokens (no ambient credential, so no CSRF token). The middleware checks, in this order:
the Host header, the route's declaration (none: refused), who is calling (401), the CSRF
token and the Origin of a state-changing request, the path parameters (400), the route's
policy (403), then the query string and body (400, 415).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel, ValidationError

from acd.api.common import ApiProblem, json_response
from acd.api.contract import (
    ADMIN,
    PRINCIPAL,
    PUBLIC,
    SIGNED_IN,
    Endpoint,
    endpoint,
    endpoint_of,
    parsed_body,
    principal_of,
    store_parsed,
)
from acd.api.schemas import NoBody, SignIn
from crm.accounts import Principal, same_secret
from crm.identity import IdentityService

IDENTITY = web.AppKey("identity", IdentityService)
ALLOWED_HOSTS = web.AppKey("allowed_hosts", frozenset)
SECURE_COOKIES = web.AppKey("secure_cookies", bool)

SESSION_COOKIE = "acd_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_SECRET = 128


def host_name(authority: str) -> str:
    """`example.org:8080` -> `example.org`; `[::1]:80` -> `::1`."""
    host = authority.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def origin_allowed(request: web.Request) -> bool:
    """No Origin (not a browser, or a same-origin GET) or one naming an allowed host."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        return False
    return bool(netloc) and host_name(netloc) in request.app[ALLOWED_HOSTS]


async def _authenticate(request: web.Request) -> tuple[Principal | None, bool]:
    """The caller and whether they came with the session cookie."""
    identity = request.app[IDENTITY]
    authorization = request.headers.get("Authorization")
    if authorization is not None:
        scheme, _, secret = authorization.partition(" ")
        principal = None
        if scheme.lower() == "bearer" and 0 < len(secret) <= _MAX_SECRET:
            principal = await identity.token_principal(secret.strip())
        if principal is None:
            raise ApiProblem(401, "invalid_token", "the bearer token is unknown or revoked")
        return principal, False
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and len(cookie) <= _MAX_SECRET:
        principal = await identity.session_principal(cookie)
        if principal is not None:
            return principal, True
    return None, False


def _problem_from(exc: ValidationError, where: str) -> ApiProblem:
    errors = [
        {"in": where, "loc": [str(part) for part in error["loc"]], "msg": error["msg"]}
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
    first = errors[0]
    name = ".".join(first["loc"]) or where
    return ApiProblem(400, "invalid_request", f"{where} {name}: {first['msg']}", {"errors": errors})


async def _parse_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    raw = await request.read() if request.can_read_body else b""
    if not raw.strip():
        if request.content_type not in ("application/json", "application/octet-stream", ""):
            raise ApiProblem(415, "unsupported_media_type", "send the body as application/json")
        raw = b"{}"
    elif request.content_type != "application/json":
        raise ApiProblem(415, "unsupported_media_type", "send the body as application/json")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise _problem_from(exc, "body") from None


def _parse_path(request: web.Request, declared: Endpoint) -> None:
    if declared.path is not None:
        try:
            store_parsed(request, "path", declared.path.model_validate(dict(request.match_info)))
        except ValidationError as exc:
            raise _problem_from(exc, "path") from None


async def _parse_query_and_body(request: web.Request, declared: Endpoint) -> None:
    if declared.query is not None:
        query = {key: request.query.getall(key)[-1] for key in request.query}
        try:
            store_parsed(request, "query", declared.query.model_validate(query))
        except ValidationError as exc:
            raise _problem_from(exc, "query") from None
    elif request.query and declared.documented:
        raise ApiProblem(400, "invalid_request", "this route takes no query parameters")
    if declared.body is not None:
        store_parsed(request, "body", await _parse_body(request, declared.body))


@web.middleware
async def access_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if host_name(request.host) not in request.app[ALLOWED_HOSTS]:
        raise ApiProblem(421, "host_not_allowed", "this server does not answer for that host")
    if request.match_info.http_exception is not None:
        return await handler(request)  # unknown route or method: 404 / 405
    declared = endpoint_of(request.match_info.handler)
    if declared is None:
        raise ApiProblem(403, "no_policy", "this route declares no access policy")
    principal, by_cookie = await _authenticate(request)
    if principal is not None:
        request[PRINCIPAL] = principal
    elif not declared.policy.anonymous:
        raise ApiProblem(401, "unauthenticated", "sign in, or send a bearer token")
    if request.method not in SAFE_METHODS:
        if not origin_allowed(request):
            raise ApiProblem(403, "foreign_origin", "requests from another site are refused")
        if by_cookie and not declared.policy.anonymous:
            assert principal is not None and principal.csrf_token is not None
            sent = request.headers.get(CSRF_HEADER, "")
            if not same_secret(sent, principal.csrf_token):
                raise ApiProblem(403, "csrf_failed", f"send the session's {CSRF_HEADER} header")
    _parse_path(request, declared)
    if principal is not None and not await declared.policy.allows(request, principal):
        raise ApiProblem(403, "forbidden", f"only {declared.policy.description} may do this")
    await _parse_query_and_body(request, declared)
    return await handler(request)


def _session_json(principal: Principal) -> dict[str, Any]:
    return {
        "kind": principal.kind,
        "login": principal.name,
        "role": principal.role.value,
        "agent_id": principal.agent_id,
        "csrf_token": principal.csrf_token,
        "expires_at": principal.session_expires_at,
        # The user's own language for the pages; null: the centre's (the page's lang).
        "language": principal.language,
    }


@endpoint(PUBLIC, body=SignIn)
async def sign_in(request: web.Request) -> web.Response:
    """Sign in: sets the session cookie and answers the CSRF token to echo."""
    body = parsed_body(request, SignIn)
    identity = request.app[IDENTITY]
    session = await identity.sign_in(body.login, body.password, request.remote or "unknown")
    response = json_response(_session_json(session.principal))
    response.set_cookie(
        SESSION_COOKIE,
        session.secret,
        max_age=int(identity.session_lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[SECURE_COOKIES],
    )
    return response


@endpoint(SIGNED_IN)
async def who_am_i(request: web.Request) -> web.Response:
    return json_response(_session_json(principal_of(request)))


@endpoint(SIGNED_IN, body=NoBody, status=204)
async def sign_out(request: web.Request) -> web.Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and principal_of(request).kind == "user":
        await request.app[IDENTITY].sign_out(cookie)
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@endpoint(ADMIN)
async def users(request: web.Request) -> web.Response:
    """Admin: every user with their role and bound agent (`acd users` changes them)."""
    return json_response(await request.app[IDENTITY].users())


@endpoint(ADMIN)
async def tokens(request: web.Request) -> web.Response:
    """Admin: every bearer token with its role and last use (`acd tokens` changes them)."""
    return json_response(await request.app[IDENTITY].tokens())


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/session", sign_in)
    app.router.add_get("/api/v1/session", who_am_i)
    app.router.add_delete("/api/v1/session", sign_out)
    app.router.add_get("/api/v1/users", users)
    app.router.add_get("/api/v1/tokens", tokens)
