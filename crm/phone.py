"""Phone numbers are stored and compared in E.164 only."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from crm.errors import InvalidPhoneNumber
from crm.limits import PHONE_NUMBER

DEFAULT_REGION = "FR"


# Parsing is slow next to a dict look-up, and a call's number is normalised at each step
# of its life.
@lru_cache(maxsize=8192)
def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of `raw` (national numbers read in `region`); raises InvalidPhoneNumber."""
    text = raw.strip()
    if text.startswith("00"):
        # International prefix used in most of Europe; phonenumbers only knows it per region.
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {raw!r}", number=raw) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(f"not a possible phone number: {raw!r}", number=raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_or_raw(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """E.164 when parseable; otherwise the trimmed raw value ("anonymous", an extension),
    so the journal never loses what Asterisk reported. A raw value is made storable:
    characters no database takes (lone surrogates, control characters) become "?" and
    it is cut to the number columns' length."""
    if raw is None or not raw.strip():
        return None
    try:
        return normalize_phone(raw, region)
    except InvalidPhoneNumber:
        return _storable(raw.strip())


def _storable(text: str) -> str:
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    if not text.isprintable():
        text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:PHONE_NUMBER]


def try_normalize(raw: str, region: str = DEFAULT_REGION) -> str | None:
    try:
        return normalize_phone(raw, region)
    except InvalidPhoneNumber:
        return None
