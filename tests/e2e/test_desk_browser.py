"""The agent desktop and the wallboard in a real browser, with real calls through the
sandbox Asterisk. The pages are read in English here (test_page_languages.py reads them
in French, the example centre's language)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, expect

from acd.bootstrap import Server
from acd.centre import intake_scripts
from acd.telephony.events import CallQueuedEvent, TicketOpened
from crm.views import NewCustomer
from tests.support.accounts import PASSWORD
from tests.support.browser import choose_language, new_context, screenshot
from tests.support.sandbox import Switchboard
from tests.support.server import ready
from tests.support.waiting import next_event

pytestmark = pytest.mark.browser

AGENT_LOGINS = {"2001": "anna", "2002": "ben"}


@pytest.fixture(autouse=True)
async def in_english(context: BrowserContext) -> None:
    await choose_language(context, "en")


async def _sign_in(page: Page, agent_id: str) -> None:
    """An agent signs in and lands on their own desk: nobody picks an agent id."""
    await page.goto("/desk")
    await expect(page).to_have_url(re.compile(r"/signin\?next=%2Fdesk$"))
    await page.get_by_label("Login").fill(AGENT_LOGINS[agent_id])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/desk$"))
    await expect(page.locator("#who")).to_contain_text(agent_id)
    await expect(page.locator("#link")).to_have_class("link-dot up")


async def _sign_in_supervisor(page: Page) -> None:
    """A supervisor signs in and lands on the wallboard."""
    await page.goto("/signin")
    await page.get_by_label("Login").fill("sup")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/wallboard$"))
    await expect(page.locator("#who")).to_have_text("sup (supervisor)")


async def test_an_agent_answers_a_real_call_sees_the_caller_and_ticket_and_saves_the_intake(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any], page: Page
) -> None:  # D4, C2, S11, D8
    customer = await server.crm.create_customer(
        NewCustomer(
            account_number="ACC-7", first_name="Ada", last_name="Lovelace", phones=["0611000031"]
        )
    )
    old = await server.crm.open_case(actor="2002", customer_id=customer.id, title="Old trouble")
    await server.crm.set_case_status(old.number, "resolved", actor="2002")
    await server.crm.set_case_status(old.number, "closed", actor="2002")
    await switchboard.phone("2002")

    await _sign_in(page, "2002")
    await expect(page.locator("#state")).to_have_text("Logged out")
    await page.get_by_role("button", name="Ready", exact=True).click()
    await expect(page.locator("#state")).to_have_text("Ready")

    await switchboard.call("0189000003", "0611000031")
    ticket = await next_event(events, TicketOpened, lambda t: t.agent_id == "2002")
    await expect(page.locator("#state")).to_have_text("On call")
    await expect(page.locator("#call-caller")).to_have_text("0611000031")
    await expect(page.locator("#call-queue")).to_have_text("support")
    await expect(page.locator("#call-ivr")).to_have_text("did:0189000003")
    await expect(page.locator("#ticket")).to_have_text(ticket.case_number)
    # Screen pop (C2): the customer and their past cases (S8: the closed one stays closed).
    await expect(page.locator("#customer-name")).to_have_text("Ada Lovelace")
    await expect(page.locator("#cases")).to_contain_text(old.number)
    await expect(page.locator("#cases")).to_contain_text(ticket.case_number)

    # Required answers are asked for before anything is sent.
    await page.get_by_role("button", name="Save answers").click()
    await expect(page.locator("#intake-error")).to_contain_text("Which product?")
    await page.locator("#q-product").select_option("hotel")
    await page.get_by_label("Yes").check()
    await screenshot(page, "desk")
    await page.get_by_role("button", name="Save answers").click()
    await expect(page.locator("#intake-status")).to_have_text("Answers saved ✓")

    details = await server.crm.case_details(ticket.case_number)
    answers = {a.question_id: (a.value, a.answered_by, a.call_id) for a in details.intake_answers}
    assert answers == {
        "product": ("hotel", "2002", ticket.call_id),
        "blocking": (True, "2002", ticket.call_id),
    }
    await expect(page.locator("#timeline")).to_contain_text("Which product? hotel")


async def test_the_wallboard_shows_a_waiting_call_then_the_agent_taking_it_live(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any], page: Page
) -> None:  # S11, D2, D8
    await switchboard.phone("2002")
    await _sign_in_supervisor(page)
    await expect(page.locator("#link")).to_have_class("link-dot up")
    ben = page.locator('.agent-card[data-agent="2002"]')
    await expect(ben).to_have_attribute("data-state", "logged_out")

    await switchboard.call("0189000003", "0611000032")
    queued = await next_event(events, CallQueuedEvent)
    waiting = page.locator(f'#waiting tr[data-call="{queued.call_id}"]')
    await expect(waiting).to_contain_text("0611000032")
    await expect(
        page.locator('#queues tr[data-queue="support"] [data-field="waiting"]')
    ).to_have_text("1")
    await expect(page.locator("#total-waiting")).to_have_text("1")
    await screenshot(page, "wallboard")

    # The agent logs in from elsewhere: the board follows without a reload.
    await ready(server, "2002")
    await expect(ben).to_have_attribute("data-state", "on_call")
    await expect(ben).to_contain_text("On call")
    await expect(page.locator("#waiting")).to_contain_text("No call waiting")


async def test_the_supervisor_forces_a_state_and_messages_an_agent_whose_desk_shows_it_live(
    server: Server, browser: Browser, page: Page
) -> None:  # S10, D8
    agents_browser = await new_context(browser, server)
    await choose_language(agents_browser, "en")
    desk = await agents_browser.new_page()
    await _sign_in(desk, "2001")
    await _sign_in_supervisor(page)
    anna = page.locator('.agent-card[data-agent="2001"]')
    await anna.locator("select").select_option("paused")
    await anna.get_by_role("button", name="Force").click()
    await expect(anna).to_have_attribute("data-state", "paused")
    await expect(desk.locator("#state")).to_have_text("Paused")
    assert server.telephony.router.agent("2001").state == "paused"

    await page.locator("#message-agent").select_option("2001")
    await page.locator("#message-title").fill("Please take the backup queue")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#message-status")).to_have_text("Sent to 2001")
    await expect(desk.locator("#notifications")).to_contain_text("Please take the backup queue")
    await expect(desk.locator("#notif-count")).to_have_text("1")
    await desk.get_by_role("button", name="Mark read").click()
    await expect(desk.locator("#notif-count")).to_be_hidden()
    [note] = await server.crm.notifications_for("2001")
    assert note.read_at is not None and note.sender == "sup"
    await agents_browser.close()


async def test_the_dial_pad_is_disabled_until_the_agent_switches_to_manual_call(
    server: Server, switchboard: Switchboard, page: Page
) -> None:  # S6
    await switchboard.phone("0622000009")
    await switchboard.phone("2001")
    await _sign_in(page, "2001")
    await page.get_by_role("button", name="Ready", exact=True).click()
    await expect(page.locator("#state")).to_have_text("Ready")
    await expect(page.locator("#btn-dial")).to_be_disabled()
    await expect(page.locator("#dial-number")).to_be_disabled()
    await expect(page.locator("#dialpad button").first).to_be_disabled()

    await page.get_by_role("button", name="Manual call").click()
    await expect(page.locator("#state")).to_have_text("Manual call")
    await expect(page.locator("#btn-dial")).to_be_enabled()
    for key in "0622000009":
        await page.locator("#dialpad").get_by_role("button", name=key, exact=True).click()
    await expect(page.locator("#dial-number")).to_have_value("0622000009")
    await page.locator("#btn-dial").click()
    await expect(page.locator("#dial-status")).to_have_text("Calling 0622000009…")
    await expect(page.locator("#dial-error")).to_have_text("")


async def test_the_intake_form_asks_a_conditional_question_only_when_its_condition_holds(
    server: Server, page: Page
) -> None:  # D4
    case = await server.crm.open_case(actor="2001", queue="support", owner_agent_id="2001")
    await _sign_in(page, "2001")
    # The test centre's sales script: "Room number?" when the product is hotel, "How many
    # users?" (required) when the user is blocked. The server says which are asked.
    script = intake_scripts(server.centre)["sales"].model_dump(mode="json")
    server.bus.publish(TicketOpened("call-x", "2001", case.number, False, None, None, script))
    await expect(page.locator("#ticket")).to_have_text(case.number)
    users = page.locator('[data-question="users"]')
    await expect(users).to_be_hidden()
    await expect(page.locator('[data-question="blocking"]')).to_be_visible()
    async with page.expect_response("**/api/v1/intake/sales/asked") as asked:
        await page.get_by_label("Yes").check()
    assert "users" in (await (await asked.value).json())["asked"]
    await expect(users).to_be_visible()
    await page.get_by_label("No", exact=True).check()
    await expect(users).to_be_hidden()
    room = page.locator('[data-question="room"]')
    await expect(room).to_be_hidden()
    await page.locator("#q-product").select_option("hotel")
    await expect(room).to_be_visible()
    await page.locator("#q-product").select_option("office")
    await expect(room).to_be_hidden()
    await page.get_by_label("Yes").check()
    await page.get_by_role("button", name="Save answers").click()
    await expect(page.locator("#intake-error")).to_have_text("Required: How many users?")
    await expect(users).to_have_class("field invalid")
    assert (await server.crm.case_details(case.number)).intake_answers == ()


ATTACK_PAGE = """<!doctype html>
<form id="f" method="post" action="{target}/api/v1/agents/2002/state">
  <input name="state" value="ready">
</form>
<script>
  window.socketResult = new Promise((resolve) => {{
    const socket = new WebSocket("{ws}/api/v1/ws");
    socket.onopen = () => resolve("open");
    socket.onerror = () => resolve("refused");
  }});
</script>
"""


async def test_a_cross_site_form_post_and_a_foreign_websocket_change_and_learn_nothing(
    server: Server, context: BrowserContext, page: Page
) -> None:
    """A page from another site, opened by a signed-in agent, can neither change the
    agent's state with a form post nor open the live socket."""
    await _sign_in(page, "2002")
    target = f"http://127.0.0.1:{server.http_port}"
    attack = ATTACK_PAGE.format(target=target, ws=target.replace("http", "ws"))

    async def serve_attack(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=attack)

    await context.route("http://evil.example/**", serve_attack)
    evil = await context.new_page()
    await evil.goto("http://evil.example/attack")
    assert await evil.evaluate("window.socketResult") == "refused"
    async with evil.expect_response(f"{target}/api/v1/agents/2002/state") as posted:
        await evil.evaluate("document.getElementById('f').submit()")
    assert (await posted.value).status in (401, 403)
    assert server.telephony.router.agent("2002").state == "logged_out"
