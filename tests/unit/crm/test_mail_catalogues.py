"""The mails' message catalogues (crm/mail/catalogues/*.po): every language has every
message id with the same placeholders, and every mail renders in every language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest
from babel.messages.pofile import read_po

from acd.bootstrap import crm_settings
from acd.config import Language as PageLanguage
from acd.config import load_settings
from crm.domain.mail_rules import MailKind
from crm.mail.templates import CATALOGUE_DIR, MailTemplates, ReplyDeadline, duration_text
from crm.settings import LANGUAGES, Language

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The mails that carry a link to the customer's page (D7's confirmation, Q4's survey).
LINKED = {MailKind.RESOLUTION_CONFIRMATION, MailKind.CSAT}


def _entries() -> dict[str, dict[str, tuple[str, bool]]]:
    """language -> message id -> (text, fuzzy), as the .po files hold them."""
    found = {}
    for path in sorted(CATALOGUE_DIR.glob("*.po")):
        with path.open("rb") as file:
            catalog = read_po(file)
        found[path.stem] = {str(m.id): (str(m.string), m.fuzzy) for m in catalog if m.id}
    return found


def test_the_mails_are_written_in_the_languages_of_the_pages() -> None:
    assert set(_entries()) == set(LANGUAGES) == set(get_args(PageLanguage))


def test_every_message_id_is_in_every_catalogue_with_the_same_placeholders() -> None:
    entries = _entries()
    every_id = set().union(*entries.values())
    missing = {language: sorted(every_id - set(texts)) for language, texts in entries.items()}
    assert missing == {language: [] for language in entries}
    different = {
        key: {language: sorted(PLACEHOLDER.findall(t[key][0])) for language, t in entries.items()}
        for key in every_id
        if len({tuple(sorted(PLACEHOLDER.findall(t[key][0]))) for t in entries.values()}) > 1
    }
    assert different == {}
    unfinished = {
        language: sorted(k for k, (text, fuzzy) in texts.items() if fuzzy or not text.strip())
        for language, texts in entries.items()
    }
    assert unfinished == {language: [] for language in entries}


def test_every_mail_kind_has_a_subject_and_a_body() -> None:
    for language, texts in _entries().items():
        wanted = {f"{kind.value}.{part}" for kind in MailKind for part in ("subject", "body")}
        wanted |= {f"{kind.value}.body_link" for kind in LINKED}
        assert wanted - set(texts) == set(), language


@pytest.mark.parametrize("link", ["", "https://desk.example.test/confirm/t0ken"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(MailKind))
def test_every_mail_renders_in_every_language(
    kind: MailKind, language: Language, link: str
) -> None:
    deadline = ReplyDeadline(timedelta(hours=24), datetime(2025, 1, 7, 9, tzinfo=UTC))
    mail = MailTemplates("Europe/Paris").render(
        kind,
        language,
        case_number="2025-000001",
        title="Printer",
        customer_name="Camille",
        company="Support",
        text="Message",
        deadline=deadline,
        link=link,
    )
    # The inbound side threads a reply by the bracketed number (crm.mail.inbound).
    assert mail.subject.startswith("[2025-000001] ")
    assert "{" not in mail.subject + mail.body
    assert mail.body.endswith("\n\nSupport")
    # D7's and Q4's mails carry the link when the server makes one, else ask for a reply.
    if kind in LINKED and link:
        assert link in mail.body
    else:
        assert "https://" not in mail.body


@pytest.mark.parametrize(
    ("duration", "french", "english"),
    [
        (timedelta(hours=24), "24 heures", "24 hours"),
        (timedelta(hours=48), "48 heures", "48 hours"),
        (timedelta(hours=1), "1 heure", "1 hour"),
        (timedelta(minutes=90), "90 minutes", "90 minutes"),
        (timedelta(days=7), "7 jours", "7 days"),
    ],
)
def test_the_reply_delay_is_written_as_the_setting_says(
    duration: timedelta, french: str, english: str
) -> None:  # S5
    # Babel puts a no-break space between a number and its unit.
    assert duration_text(duration, "fr").replace("\xa0", " ") == french
    assert duration_text(duration, "en").replace("\xa0", " ") == english


def test_the_waiting_mail_says_the_auto_close_delay_the_server_is_set_to() -> None:  # S5
    settings = crm_settings(load_settings(env={"ACD_CASES_AUTO_CLOSE_HOURS": "48"}))
    closes_at = datetime(2025, 1, 8, 9, tzinfo=UTC)
    mail = MailTemplates(settings.timezone).render(
        MailKind.WAITING_FOR_CUSTOMER,
        settings.default_language,  # the example centre's: French
        case_number="2025-000001",
        title="Printer",
        customer_name="",
        company="Support",
        deadline=ReplyDeadline(settings.auto_close_after, closes_at),
    )
    assert "sous 48\xa0heures, soit le 8 janvier 2025 à 10:00" in mail.body
