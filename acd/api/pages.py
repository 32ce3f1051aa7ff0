"""The sign-in page, the agent desktop and the supervisor wallboard: static files from
`acd/web/` (package data, no build step: the scripts are ES modules the browser loads
from /static/). The pages are public; what they show comes from the API, which asks who
is signed in (the pages send people to /signin when nobody is)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from acd.api.contract import PUBLIC, endpoint

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# Only the page assets are served, never the package's Python files. Their types are
# named, not guessed from the machine's MIME table: a browser runs a module script only
# when it comes as JavaScript.
_ASSETS = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}


def _page(name: str) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    @endpoint(PUBLIC, documented=False)
    async def handler(request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / name, headers={"Cache-Control": "no-cache"})

    return handler


@endpoint(PUBLIC, documented=False)
async def asset(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    path = WEB_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in _ASSETS or not path.is_file():
        raise web.HTTPNotFound()
    headers = {"Cache-Control": "no-cache", "Content-Type": _ASSETS[path.suffix]}
    return web.FileResponse(path, headers=headers)


@endpoint(PUBLIC, documented=False)
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/signin")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/signin", _page("signin.html"))
    app.router.add_get("/desk", _page("desk.html"))
    app.router.add_get("/wallboard", _page("wallboard.html"))
    app.router.add_get("/static/{name}", asset)
