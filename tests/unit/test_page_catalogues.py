"""The pages' message catalogues (acd/web/i18n/): every language has every key with the
same placeholders, and every key the pages and their scripts use is in them."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import get_args

import pytest

from acd.api.pages import CATALOGUE_DIR, HTML_OPENING, WEB_DIR, page_html
from acd.config import Language
from acd.routing.model import AgentState
from crm.accounts import Role
from crm.domain.case_effects import FOLLOW_UP_KINDS, RECORDED_KINDS
from crm.domain.cases import CaseStatus, Priority
from crm.services.notifications import NOTIFICATION_KINDS
from crm.services.tasks import TASK_KINDS

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# data-i18n="key", data-i18n-placeholder="key", ...
HTML_KEY = re.compile(r'\bdata-i18n(?:-[a-z-]+)?="([^"]*)"')
# t("key"...) and t(cond ? "key" : "key") in the scripts.
SCRIPT_CALL = re.compile(r"\bt\(([^()]*)")
QUOTED_KEY = re.compile(r'"([a-z_]+(?:\.[a-z_]+)+)"')
# t(`prefix.${value}`): a key made from a value the server sends.
TEMPLATE_KEY = re.compile(r"\bt\(`([a-z_.]+)\.\$\{")
# label("prefix", value): the catalogue's word for a value when it has one.
LABEL_PREFIX = re.compile(r'\blabel\("([a-z_.]+)"')
# Every value of each set the scripts build keys from.
BUILT_KEYS = {
    "state": {s.value for s in AgentState},
    "case.status": {s.value for s in CaseStatus},
    "case.priority": {p.value for p in Priority},
    "notification.kind": set(NOTIFICATION_KINDS),
    "task.kind": set(TASK_KINDS),
    "follow_up.kind": set(FOLLOW_UP_KINDS | RECORDED_KINDS),
    "role": {r.value for r in Role},
    "language.name": set(get_args(Language)),
}
# Keys built from a value and looked up only when the catalogue has them (the server's
# own words stand otherwise): problem codes.
LOOKED_UP_IF_PRESENT = {"problem"}


def _catalogues() -> dict[str, dict[str, str]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(CATALOGUE_DIR.glob("*.json"))
    }


def _pages_and_scripts() -> list[Path]:
    return sorted([*WEB_DIR.glob("*.html"), *WEB_DIR.glob("*.js")])


def _used_keys() -> dict[str, str]:
    """Every literal key the pages and scripts use, with a file that uses it."""
    used: dict[str, str] = {}
    for path in _pages_and_scripts():
        text = path.read_text(encoding="utf-8")
        keys = HTML_KEY.findall(text) if path.suffix == ".html" else []
        for call in SCRIPT_CALL.findall(text):
            keys += QUOTED_KEY.findall(call)
        for key in keys:
            used.setdefault(key, path.name)
    return used


def test_the_catalogues_are_the_languages_the_setting_and_the_picker_offer() -> None:
    languages = set(get_args(Language))
    assert set(_catalogues()) == languages
    picker = re.search(r"export const LANGUAGES = \[([^\]]*)\]", (WEB_DIR / "i18n.js").read_text())
    assert picker is not None
    assert set(re.findall(r'"(\w+)"', picker.group(1))) == languages


def test_every_key_is_in_every_language_with_the_same_placeholders() -> None:
    catalogues = _catalogues()
    every_key = set().union(*catalogues.values())
    missing = {lang: sorted(every_key - set(messages)) for lang, messages in catalogues.items()}
    assert missing == {lang: [] for lang in catalogues}
    different = {
        key: {lang: sorted(PLACEHOLDER.findall(m[key])) for lang, m in catalogues.items()}
        for key in every_key
        if len({tuple(sorted(PLACEHOLDER.findall(m[key]))) for m in catalogues.values()}) > 1
    }
    assert different == {}
    empty = {
        lang: sorted(k for k, v in m.items() if not v.strip()) for lang, m in catalogues.items()
    }
    assert empty == {lang: [] for lang in catalogues}


def test_every_key_the_pages_and_scripts_use_is_in_the_catalogues() -> None:
    used = _used_keys()
    assert "signin.submit" in used and "desk.intake.saved" in used, "the scan finds no key"
    for language, messages in _catalogues().items():
        unknown = {key: where for key, where in used.items() if key not in messages}
        assert unknown == {}, f"keys missing from {language}.json"


def test_every_key_built_from_a_value_is_in_the_catalogues_for_every_value() -> None:
    built = set()
    for path in _pages_and_scripts():
        built |= set(TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")))
    built -= LOOKED_UP_IF_PRESENT
    assert built <= set(BUILT_KEYS), (
        f"keys built from values nobody lists: {built - set(BUILT_KEYS)}"
    )
    assert "state" in built, "the scan finds no built key"
    for language, messages in _catalogues().items():
        missing = sorted(
            f"{prefix}.{value}"
            for prefix in built
            for value in BUILT_KEYS[prefix]
            if f"{prefix}.{value}" not in messages
        )
        assert missing == [], f"keys missing from {language}.json"


def test_every_key_in_the_catalogues_is_used() -> None:
    prefixes = set(BUILT_KEYS) | LOOKED_UP_IF_PRESENT
    for path in _pages_and_scripts():
        prefixes |= set(LABEL_PREFIX.findall(path.read_text(encoding="utf-8")))
    used = _used_keys()
    unused = sorted(
        key
        for key in _catalogues()["en"]
        if key not in used and not any(key.startswith(f"{prefix}.") for prefix in prefixes)
    )
    assert unused == []


class _Words(HTMLParser):
    """The text of a page that no data-i18n element holds."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[bool] = []
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"meta", "link", "input", "br"}:
            self.open.append(any(name == "data-i18n" for name, _ in attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"meta", "link", "input", "br"}:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and not any(self.open):
            self.words.append(data.strip())


@pytest.mark.parametrize("page", ["signin.html", "desk.html", "wallboard.html"])
def test_a_page_writes_no_words_of_its_own_but_the_product_name(page: str) -> None:
    words = _Words()
    words.feed((WEB_DIR / page).read_text(encoding="utf-8"))
    # Words in a data-i18n element are the catalogue's; what is left is the name, the
    # empty-value dash, counters and the dial pad's symbols.
    left = {w for w in words.words if not re.fullmatch(r"[—0·]*", w)}
    assert left <= {"Aiguilleur", "Aiguilleur ·"}


@pytest.mark.parametrize("page", ["signin.html", "desk.html", "wallboard.html"])
def test_each_page_comes_in_the_centres_language(page: str) -> None:
    assert HTML_OPENING in (WEB_DIR / page).read_text(encoding="utf-8")
    assert '<html lang="en">' in page_html(page, "en")
    assert '<html lang="fr">' in page_html(page, "fr")
