"""Only numbers the centre may dial become a DialNumber, and only digits reach a dial string."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acd.config import TelephonySettings
from acd.telephony.destinations import DestinationPolicy, DialNumber, NumberRefused

DEFAULT = DestinationPolicy.from_settings(TelephonySettings(), "FR")


@pytest.mark.parametrize(
    ("typed", "e164", "digits"),
    [
        ("0612463987", "+33612463987", "0612463987"),
        ("06 12 46 39 87", "+33612463987", "0612463987"),
        ("06.12.46.39.87", "+33612463987", "0612463987"),
        ("+33 6 12 46 39 87", "+33612463987", "0612463987"),
        ("0033612463987", "+33612463987", "0612463987"),
        ("01 89 00 00 02", "+33189000002", "0189000002"),
        ("0972123456", "+33972123456", "0972123456"),
    ],
)
def test_the_regions_fixed_and_mobile_numbers_are_dialled_in_national_form(
    typed: str, e164: str, digits: str
) -> None:  # S6
    assert DEFAULT.parse(typed) == DialNumber(e164=e164, digits=digits)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0612463987@trunk&PJSIP/1003,", "invalid_phone_number"),
        ("0612463987,1,U(x)", "invalid_phone_number"),
        ("0612463987\r\nAction: Originate", "invalid_phone_number"),
        ("abcdef", "invalid_phone_number"),
        ("1-800-FLOWERS", "invalid_phone_number"),
        ("0612463987;ext=1", "invalid_phone_number"),
        ("", "invalid_phone_number"),
        ("112", "invalid_phone_number"),
        ("0899123456", "number_not_allowed"),  # premium rate
        ("0810123456", "number_not_allowed"),  # shared cost
        ("+4930123456", "number_not_allowed"),  # international
        ("+882 1234 5678", "invalid_phone_number"),
    ],
)
def test_crafted_premium_international_and_short_numbers_are_refused(typed: str, code: str) -> None:
    with pytest.raises(NumberRefused) as refused:
        DEFAULT.parse(typed)
    assert refused.value.code == code


def test_an_admin_may_list_short_numbers_and_allow_international_calls() -> None:
    policy = DestinationPolicy.from_settings(
        TelephonySettings(allowed_numbers=("3949", "+33899123456"), allow_international=True),
        "FR",
    )
    assert policy.parse("3949").digits == "3949"
    assert policy.parse("08 99 12 34 56").digits == "0899123456"
    assert policy.parse("+49 30 1234567").digits == "0049301234567"


@given(st.text(max_size=40))
def test_whatever_is_typed_a_dial_number_holds_digits_only(typed: str) -> None:
    try:
        number = DEFAULT.parse(typed)
    except NumberRefused:
        return
    assert number.digits.isascii() and number.digits.isdigit()
