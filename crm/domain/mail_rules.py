"""Q4 and D7: which automatic mails a case event triggers."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class MailKind(StrEnum):
    """The automatic mails a case sends its customer."""

    ACKNOWLEDGEMENT = "acknowledgement"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    AUTO_CLOSED = "auto_closed"
    RESOLUTION_CONFIRMATION = "resolution_confirmation"
    CSAT = "csat"
    AGENT_MESSAGE = "agent_message"


# The audit entry that holds a case's survey answer, and the scores it may have (Q4).
SURVEY_SCORE_FIELD = "csat_score"
SURVEY_SCORES = range(1, 6)


def csat_eligible(
    *,
    case_csat_sent: bool,
    last_csat_to_contact: datetime | None,
    now: datetime,
    cooldown: timedelta,
) -> bool:
    """Q4: one survey per case, and none if the contact got one within `cooldown`."""
    if case_csat_sent:
        return False
    return last_csat_to_contact is None or now - last_csat_to_contact >= cooldown


def reminder_time(due_at: datetime, minutes_before: int) -> datetime:
    """C1: when a task's reminder fires."""
    return due_at - timedelta(minutes=minutes_before)


def retry_delay(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff after `attempts` failures (1, 2, ...), capped."""
    if attempts < 1:
        return timedelta(0)
    seconds = base.total_seconds() * (2 ** min(attempts - 1, 30))
    return min(timedelta(seconds=seconds), cap)
