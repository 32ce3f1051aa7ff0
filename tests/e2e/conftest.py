"""Browser tests: the agent desktop and the wallboard in Debian's Chromium, driven by
Playwright, against a real server on the sandbox Asterisk (same fixtures as the
integration tests, same event loop)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from acd.bootstrap import Server
from tests.integration.telephony.conftest import (
    Accounts,
    accounts,
    events,
    sandbox,
    server,
    settings,
    switchboard,
)

__all__ = ["accounts", "events", "sandbox", "server", "settings", "switchboard"]

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


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def new_context(browser: Browser, server: Server) -> BrowserContext:
    """A browser profile of its own (its own cookies, so its own signed-in user)."""
    context = await browser.new_context(
        base_url=f"http://127.0.0.1:{server.http_port}", viewport={"width": 1440, "height": 1000}
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
async def context(
    browser: Browser, server: Server, accounts: Accounts
) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, server)
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A page whose uncaught JavaScript errors fail the test."""
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert errors == [], f"JavaScript errors on the page: {errors}"
