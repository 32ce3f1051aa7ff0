"""Browser tests: the agent desktop and the wallboard in Debian's Chromium, driven by
Playwright, against a real server on the sandbox Asterisk (same fixtures as the
integration tests, same event loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from acd.bootstrap import Server
from tests.support.accounts import Accounts
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, new_context


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


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


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """What the page logs as errors from now on: a missing catalogue key, a refused
    style or script, a failed request."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors
