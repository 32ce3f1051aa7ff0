"""The sign-in page, the agent desktop and the supervisor wallboard: static files from
`acd/web/` (package data, no build step: the scripts are ES modules the browser loads
from /static/). The pages are public; what they show comes from the API, which asks who
is signed in (the pages send people to /signin when nobody is).

The pages' words are in one JSON catalogue per language (`acd/web/i18n/`, served at
/i18n/<language>.json); each page comes with the centre's default language in its
`<html lang>`, which the page keeps until the user picks another."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import get_args

from aiohttp import web

from acd.api.contract import PUBLIC, endpoint
from acd.config import Language

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
CATALOGUE_DIR = WEB_DIR / "i18n"
LANGUAGES: frozenset[str] = frozenset(get_args(Language))
# How every page's file opens; the server writes the centre's language in its place.
HTML_OPENING = '<html lang="fr">'
# Only the page assets are served, never the package's Python files. Their types are
# named, not guessed from the machine's MIME table: a browser runs a module script only
# when it comes as JavaScript.
_ASSETS = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}


def page_html(name: str, language: Language) -> str:
    """The page's file, in the given language until the user picks theirs."""
    html = (WEB_DIR / name).read_text()
    if HTML_OPENING not in html:
        raise ValueError(f"{name} does not open with {HTML_OPENING}")
    return html.replace(HTML_OPENING, f'<html lang="{language}">', 1)


def _page(name: str, language: Language) -> Callable[[web.Request], Awaitable[web.Response]]:
    @endpoint(PUBLIC, documented=False)
    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            text=page_html(name, language),
            content_type="text/html",
            headers={"Cache-Control": "no-cache"},
        )

    return handler


@endpoint(PUBLIC, documented=False)
async def catalogue(request: web.Request) -> web.FileResponse:
    """The pages' words in one language: {key: text with {placeholders}}."""
    language = request.match_info["language"]
    if language not in LANGUAGES:
        raise web.HTTPNotFound()
    headers = {"Cache-Control": "no-cache", "Content-Type": "application/json; charset=utf-8"}
    return web.FileResponse(CATALOGUE_DIR / f"{language}.json", headers=headers)


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


def add_routes(app: web.Application, language: Language) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/signin", _page("signin.html", language))
    app.router.add_get("/desk", _page("desk.html", language))
    app.router.add_get("/wallboard", _page("wallboard.html", language))
    # The links in customer mails (D7, Q4): the page reads the token from its path.
    app.router.add_get("/confirm/{token}", _page("customer.html", language))
    app.router.add_get("/survey/{token}", _page("customer.html", language))
    app.router.add_get("/static/{name}", asset)
    app.router.add_get("/i18n/{language}.json", catalogue)
