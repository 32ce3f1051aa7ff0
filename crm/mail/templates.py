"""Texts of the automatic mails (S5, D7, Q4), in the customer's language.

The words are gettext catalogues, one per language: crm/mail/catalogues/<language>.po,
read with Babel when the server starts, so the .po is both the source and what runs (no
build step). A message id is a key (`waiting_for_customer.body`) whose text has
{placeholders}; every catalogue has the same keys. A mail that carries a link (D7's
confirmation, Q4's survey) has a `.body_link` text for it, and its `.body` asks for a
reply when the server makes no links. Dates and durations are written by
Babel the way the language writes them, dates in the centre's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, format_timedelta
from babel.messages.pofile import read_po
from babel.units import format_unit

from crm.domain.mail_rules import MailKind
from crm.settings import LANGUAGES, Language

CATALOGUE_DIR = Path(__file__).parent / "catalogues"
# Deadlines up to this many hours are written in hours, as people write them (24, 48, 72).
_HOURS_UP_TO = 72


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


@dataclass(frozen=True)
class ReplyDeadline:
    """S5: how long the customer has to reply, and the moment the case closes without it."""

    within: timedelta
    at: datetime  # aware


def read_catalogue(language: Language) -> dict[str, str]:
    """The catalogue's texts by message id; a fuzzy (unchecked) translation is left out."""
    with (CATALOGUE_DIR / f"{language}.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def duration_text(duration: timedelta, language: Language) -> str:
    """A reply deadline in words: whole hours up to three days ("48 heures"), else the
    largest unit that holds at least three of it ("7 jours", "90 minutes")."""
    hours = duration / timedelta(hours=1)
    if hours.is_integer() and 1 <= hours <= _HOURS_UP_TO:
        return str(format_unit(int(hours), "duration-hour", locale=language))
    return str(format_timedelta(duration, threshold=3, locale=language))


class MailTemplates:
    """Every language's catalogue, read once; `render` writes one mail."""

    def __init__(self, timezone: str) -> None:
        self._messages = {language: read_catalogue(language) for language in LANGUAGES}
        self._zone = ZoneInfo(timezone)

    def render(
        self,
        kind: MailKind,
        language: Language,
        *,
        case_number: str,
        title: str,
        customer_name: str,
        company: str,
        text: str = "",
        deadline: ReplyDeadline | None = None,
        link: str = "",
    ) -> MailText:
        words = self._messages[language]
        values = {"case_number": case_number, "title": title, "text": text, "link": link}
        if deadline is not None:
            local = deadline.at.astimezone(self._zone)
            values |= {
                "duration": duration_text(deadline.within, language),
                "date": str(format_date(local.date(), "long", locale=language)),
                "time": str(format_time(local, "short", tzinfo=self._zone, locale=language)),
            }
        greeting = (
            words["greeting.named"].format(name=customer_name)
            if customer_name
            else words["greeting.anonymous"]
        )
        # The inbound side finds the case by this bracketed number (crm.mail.inbound).
        subject = f"[{case_number}] " + words[f"{kind.value}.subject"].format(**values)
        linked = f"{kind.value}.body_link"
        body = words[linked if link and linked in words else f"{kind.value}.body"]
        body = body.format(**values)
        return MailText(subject, f"{greeting}\n\n{body}\n\n{company}")
