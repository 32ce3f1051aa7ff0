"""Numbers the centre may dial, parsed once at the edge into a value object.

A dial string is Asterisk's own little language: `&` adds a destination, `,` starts
Dial's options. Only `DialNumber.digits` is ever placed into one, and it holds
digits alone. Which numbers may be dialled at all is configuration: by default the
region's fixed and mobile numbers, never premium, shared-cost, international or
short numbers unless an admin lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import PhoneNumberType

if TYPE_CHECKING:
    from acd.config import TelephonySettings

# What a person may type for a number: digits, a leading +, and the usual separators.
_TYPED = re.compile(r"\+?[0-9 ().\-/]{1,40}")
_SEPARATORS = re.compile(r"[ ().\-/]")
_DIGITS = re.compile(r"[0-9]{1,20}")

NUMBER_TYPES: dict[str, int] = {
    "fixed_line": PhoneNumberType.FIXED_LINE,
    "mobile": PhoneNumberType.MOBILE,
    "fixed_line_or_mobile": PhoneNumberType.FIXED_LINE_OR_MOBILE,
    "voip": PhoneNumberType.VOIP,
    "toll_free": PhoneNumberType.TOLL_FREE,
    "premium_rate": PhoneNumberType.PREMIUM_RATE,
    "shared_cost": PhoneNumberType.SHARED_COST,
    "personal_number": PhoneNumberType.PERSONAL_NUMBER,
    "uan": PhoneNumberType.UAN,
    "pager": PhoneNumberType.PAGER,
    "voicemail": PhoneNumberType.VOICEMAIL,
}
_TYPE_NAMES = {value: name for name, value in NUMBER_TYPES.items()}


class NumberRefused(Exception):
    """A number that cannot or may not be dialled; `code` is part of the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class DialNumber:
    """A number the centre may dial: `e164` for the journal and the CRM, `digits` as
    dialled from the centre's region (national form at home, 00 and the country code
    abroad) for the dial string."""

    e164: str
    digits: str

    def __post_init__(self) -> None:
        if not _DIGITS.fullmatch(self.digits):
            raise ValueError(f"a dial string takes digits only, not {self.digits!r}")


class DestinationPolicy:
    """Parses what a person or a caller id says into a `DialNumber`, or refuses it."""

    def __init__(
        self,
        region: str,
        allowed_types: Iterable[str],
        *,
        allow_international: bool = False,
        extra_numbers: Iterable[str] = (),
    ) -> None:
        self.region = region
        unknown = set(allowed_types) - NUMBER_TYPES.keys()
        if unknown:
            raise ValueError(f"unknown number types: {', '.join(sorted(unknown))}")
        self._types = frozenset(NUMBER_TYPES[name] for name in allowed_types)
        self._international = allow_international
        # Listed by an admin (short codes, a premium line the centre must reach): dialled
        # as written, digits only.
        self._extra = frozenset(_SEPARATORS.sub("", n).lstrip("+") for n in extra_numbers)

    def parse(self, raw: str) -> DialNumber:
        """The number `raw` names; raises NumberRefused (`invalid_phone_number` or
        `number_not_allowed`) with a message a person can act on."""
        text = raw.strip() if isinstance(raw, str) else ""
        if not _TYPED.fullmatch(text):
            raise NumberRefused(
                "invalid_phone_number",
                "a phone number holds digits, an optional leading + and spaces, dots, "
                "dashes or brackets only",
            )
        compact = _SEPARATORS.sub("", text)
        if not compact.startswith("+") and compact in self._extra:
            return DialNumber(e164=compact, digits=compact)  # a listed short number
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        try:
            parsed = phonenumbers.parse(compact, self.region)
        except phonenumbers.NumberParseException:
            raise NumberRefused("invalid_phone_number", f"{text!r} is not a phone number") from None
        if not phonenumbers.is_valid_number(parsed):
            raise NumberRefused(
                "invalid_phone_number",
                f"{text!r} is not a valid number in any numbering plan (short numbers are "
                "dialled only when listed in telephony.allowed_numbers)",
            )
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        home = phonenumbers.region_code_for_number(parsed) == self.region
        if e164.lstrip("+") not in self._extra:
            self._check_allowed(parsed, e164, home)
        dialled = (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
            if home
            else phonenumbers.format_out_of_country_calling_number(parsed, self.region)
        )
        return DialNumber(e164=e164, digits=re.sub(r"[^0-9]", "", dialled))

    def _check_allowed(self, parsed: phonenumbers.PhoneNumber, e164: str, home: bool) -> None:
        if not home and not self._international:
            raise NumberRefused(
                "number_not_allowed", f"{e164} is an international number: not allowed here"
            )
        kind = phonenumbers.number_type(parsed)
        if kind not in self._types:
            name = _TYPE_NAMES.get(kind, "unknown").replace("_", " ")
            raise NumberRefused(
                "number_not_allowed", f"{e164} is a {name} number: not allowed here"
            )

    def check(self, raw: str) -> DialNumber | None:
        """`parse`, or None when the number is refused."""
        try:
            return self.parse(raw)
        except NumberRefused:
            return None

    @classmethod
    def from_settings(cls, settings: TelephonySettings, region: str) -> DestinationPolicy:
        return cls(
            region,
            settings.allowed_number_types,
            allow_international=settings.allow_international,
            extra_numbers=settings.allowed_numbers,
        )
