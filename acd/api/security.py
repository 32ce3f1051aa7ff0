"""What every response carries for browsers, and one access-log line per request.

Pages load their scripts and styles from files only (no inline code), so the Content
Security Policy allows nothing else; no page may be framed; no version banner."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from acd.api.contract import PRINCIPAL

log = structlog.get_logger("acd.access")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # aiohttp would name itself and its version.
    "Server": "aiguilleur",
}


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def access_log_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        principal = request.get(PRINCIPAL)
        log.info(
            "http_request",
            method=request.method,
            path=request.path,
            status=status,
            user=principal.name if principal is not None else None,
            role=principal.role.value if principal is not None else None,
            remote=request.remote,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )


def install(app: web.Application) -> None:
    app.on_response_prepare.append(add_security_headers)
