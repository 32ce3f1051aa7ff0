"""CRM settings. Values the rules leave open are configurable; defaults are DOMAIN.md's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, get_args

from crm.domain.cases import Priority

# The languages customers are written to in: one message catalogue each in crm/mail/catalogues/.
Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)


def parse_language(value: str | None) -> Language | None:
    """One of LANGUAGES, or None for no language or one this server does not write in."""
    return next((language for language in LANGUAGES if language == value), None)


@dataclass(frozen=True)
class WebhookEndpoint:
    """An external CRM (C3) following case and call events."""

    url: str
    secret: str
    # Event names to send ("case.created", "call.recorded", ...); empty means all.
    events: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CrmSettings:
    default_region: str = "FR"
    # The mails' language for a customer who has none of their own.
    default_language: Language = "fr"
    # Dates in the mails are written in this time zone (the centre's business hours').
    timezone: str = "Europe/Paris"
    # S5: a case waiting for the customer closes after this long without reply.
    auto_close_after: timedelta = timedelta(hours=24)
    # Q2: a contact opens a new case once the open one is idle this long.
    join_idle_after: timedelta = timedelta(days=28)
    # S1: a repeat contact within this window raises the priority.
    repeat_contact_window: timedelta = timedelta(days=7)
    # S1: customer tier -> priority steps added to "normal".
    tier_priority_boost: dict[str, int] = field(default_factory=lambda: {"gold": 1, "vip": 2})
    # S1: IVR choice (path) -> minimum priority.
    ivr_priority: dict[str, Priority] = field(default_factory=dict)
    # S2: automatic assignment stops at this many active cases per agent.
    max_cases_per_agent: int = 4
    # C1: task reminders fire this many minutes before the due time.
    reminder_minutes_before: int = 10
    # Q4: send an acknowledgement when a case is created.
    send_acknowledgement: bool = True
    # Q4: at most one CSAT survey per contact within this window.
    csat_cooldown: timedelta = timedelta(hours=24)
    # P5: follow-up ownership window.
    follow_up_window: timedelta = timedelta(hours=3)
    mail_from: str = "support@aiguilleur.invalid"
    # D7, Q4: the links in customer mails start with this URL and are signed with this
    # secret; without both, the mails ask for a reply instead.
    public_url: str = ""
    link_secret: str = ""
    company_name: str = "Aiguilleur support"
    webhooks: tuple[WebhookEndpoint, ...] = ()
