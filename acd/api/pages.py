"""The agent desktop and the supervisor wallboard: static files from `acd/web/`
(package data, no build step)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# Only the page assets are served, never the package's Python files.
_ASSETS = frozenset({".js", ".css", ".svg", ".html"})


def _page(name: str) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def handler(request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / name, headers={"Cache-Control": "no-cache"})

    return handler


async def asset(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    path = WEB_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in _ASSETS or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/desk")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/desk", _page("desk.html"))
    app.router.add_get("/wallboard", _page("wallboard.html"))
    app.router.add_get("/static/{name}", asset)
