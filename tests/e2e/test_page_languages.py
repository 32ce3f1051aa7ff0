"""The pages in the centre's language, French for the example centre, and in the one their
user picks: every word from the catalogues, none missing, nothing refused."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from acd.api.pages import CATALOGUE_DIR
from acd.bootstrap import Server
from acd.config import Settings
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.browser


async def _sign_in_in_french(page: Page, login: str) -> None:
    await page.goto("/signin")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page).to_have_title("Connexion — Aiguilleur")
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    await page.get_by_label("Identifiant").fill(login)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()


async def test_the_sign_in_page_and_the_desk_come_in_french_and_switch_to_english(
    server: Server, page: Page, console_errors: list[str]
) -> None:
    await _sign_in_in_french(page, "anna")
    await expect(page).to_have_url(re.compile(r"/desk$"))
    await expect(page).to_have_title("Poste agent — Aiguilleur")
    await expect(page.locator("#link")).to_have_class("link-dot up")
    await expect(page.locator("#state")).to_have_text("Déconnecté")
    await expect(page.get_by_role("heading", name="Mon état")).to_be_visible()
    await expect(page.get_by_role("button", name="Disponible", exact=True)).to_be_visible()
    await expect(page.locator("#dial-hint")).to_have_text(
        "Passez en appel manuel pour composer un numéro."
    )
    await expect(page.locator("#search-q")).to_have_attribute(
        "placeholder", "Téléphone, courriel ou numéro de dossier"
    )
    await expect(page.locator("#notifications")).to_have_text("Rien pour l'instant")
    await expect(page.locator("#language")).to_have_value("fr")

    await page.locator("#language").select_option("en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", name="My state")).to_be_visible()
    await expect(page.locator("#state")).to_have_text("Logged out")
    await expect(page.get_by_role("button", name="Ready", exact=True)).to_be_visible()
    await expect(page.locator("#notifications")).to_have_text("Nothing yet")
    await expect(page).to_have_title("Agent desktop — Aiguilleur")

    # The choice stays with the browser: the next page opens in English.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await expect(page.locator("#language")).to_have_value("en")
    assert console_errors == []


async def test_a_user_with_a_language_of_their_own_gets_it_until_they_pick_another(
    server: Server, page: Page, console_errors: list[str]
) -> None:
    await server.identity.set_language("anna", "en")
    # The sign-in page knows nobody yet: it comes in the centre's French.
    await _sign_in_in_french(page, "anna")
    await expect(page).to_have_url(re.compile(r"/desk$"))
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", name="My state")).to_be_visible()
    await expect(page.locator("#language")).to_have_value("en")
    # The choice on the page wins over the user's own language, and stays.
    await page.locator("#language").select_option("fr")
    await expect(page.get_by_role("heading", name="Mon état")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Mon état")).to_be_visible()
    assert console_errors == []


async def test_a_wrong_sign_in_is_told_in_french(page: Page, console_errors: list[str]) -> None:
    await page.goto("/signin")
    await page.get_by_label("Identifiant").fill("anna")
    await page.get_by_label("Mot de passe").fill("not the password")
    async with page.expect_response("**/api/v1/session") as answer:
        await page.get_by_role("button", name="Se connecter").click()
    assert (await answer.value).status == 401
    await expect(page.locator("#signin-error")).to_have_text(
        "Identifiant ou mot de passe incorrect"
    )
    # The browser logs the refused sign-in itself; nothing else may be.
    assert [e for e in console_errors if "401" not in e] == []


async def test_the_wallboard_comes_in_french(
    server: Server, page: Page, console_errors: list[str]
) -> None:
    await _sign_in_in_french(page, "sup")
    await expect(page).to_have_url(re.compile(r"/wallboard$"))
    await expect(page).to_have_title("Supervision — Aiguilleur")
    await expect(page.locator("#who")).to_have_text("sup (superviseur)")
    await expect(page.locator("#link")).to_have_class("link-dot up")
    await expect(page.get_by_role("heading", name="Files · aujourd'hui")).to_be_visible()
    await expect(page.locator("#waiting")).to_have_text("Aucun appel en attente")
    anna = page.locator('.agent-card[data-agent="2001"]')
    await expect(anna.locator(".badge")).to_have_text("Déconnecté")
    await expect(anna).to_contain_text("Appels aujourd'hui : 0")
    await expect(anna.get_by_role("button", name="Imposer")).to_be_visible()
    await expect(page.locator('#queues tr[data-queue="support"]')).to_be_visible()
    assert console_errors == []


async def test_a_key_missing_from_the_catalogue_is_reported_on_the_console(
    context: BrowserContext, page: Page, console_errors: list[str]
) -> None:
    """What the tests above rely on to see a missing key."""
    french = json.loads((CATALOGUE_DIR / "fr.json").read_text(encoding="utf-8"))
    del french["signin.password"]

    async def without_a_key(route: Route) -> None:
        await route.fulfill(status=200, content_type="application/json", body=json.dumps(french))

    await context.route("**/i18n/fr.json", without_a_key)
    await page.goto("/signin")
    await expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    assert console_errors == ["missing catalogue key: signin.password (fr)"]


class TestACentreSetToEnglish:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"default_language": "en"})

    async def test_its_pages_come_in_english_until_the_user_picks_french(
        self, server: Server, page: Page, console_errors: list[str]
    ) -> None:
        await page.goto("/signin")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        await page.locator("#language").select_option("fr")
        await expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
        await page.reload()
        await expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
        assert console_errors == []
