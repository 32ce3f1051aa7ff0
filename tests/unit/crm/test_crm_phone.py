"""Phone numbers are stored in E.164 (C2)."""

from __future__ import annotations

import pytest

from crm.errors import InvalidPhoneNumber
from crm.phone import normalize_or_raw, normalize_phone


@pytest.mark.parametrize(
    "raw", ["01 23 45 67 89", "0123456789", "+33 1 23 45 67 89", "0033123456789", "+33123456789"]
)
def test_french_numbers_in_any_format_normalise_to_e164(raw: str):  # C2
    assert normalize_phone(raw) == "+33123456789"


def test_default_region_is_configurable():  # C2
    assert normalize_phone("020 7946 0018", "GB") == "+442079460018"
    assert normalize_phone("(212) 555-0123", "US") == "+12125550123"


def test_garbage_is_not_a_phone_number():
    with pytest.raises(InvalidPhoneNumber) as info:
        normalize_phone("hello")
    assert info.value.code == "invalid_phone_number"


def test_journal_keeps_unparseable_caller_ids_as_given():  # S7
    assert normalize_or_raw(" anonymous ") == "anonymous"
    assert normalize_or_raw("") is None
