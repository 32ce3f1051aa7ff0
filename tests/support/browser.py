"""Debian's Chromium driven by Playwright, for the browser tests."""

from __future__ import annotations

import os
import shutil

from playwright.async_api import Browser, BrowserContext, Page

from acd.bootstrap import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def new_context(browser: Browser, server: Server) -> BrowserContext:
    """A browser profile of its own (its own cookies, so its own signed-in user)."""
    context = await browser.new_context(
        base_url=f"http://127.0.0.1:{server.http_port}", viewport={"width": 1440, "height": 1000}
    )
    context.set_default_timeout(10_000)
    return context


# The language the pages keep for the user once they pick one (acd/web/i18n.js).
CHOSEN_LANGUAGE = "aiguilleur.language"


async def choose_language(context: BrowserContext, language: str) -> None:
    """Every page of the profile opens as if its user had picked `language`."""
    # about:blank has no storage of its own; only the server's pages need the choice.
    await context.add_init_script(
        f"try {{ localStorage.setItem({CHOSEN_LANGUAGE!r}, {language!r}); }} catch {{}}"
    )


# Set AIGUILLEUR_SCREENSHOTS=<dir> to keep a picture of each page (never committed).
SCREENSHOTS = os.environ.get("AIGUILLEUR_SCREENSHOTS")


async def screenshot(page: Page, name: str) -> None:
    """A picture of the whole page in $AIGUILLEUR_SCREENSHOTS, to look at by eye."""
    if SCREENSHOTS:
        await page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)
