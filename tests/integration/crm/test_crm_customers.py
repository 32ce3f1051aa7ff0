"""Customers (C1) found by any phone number, email, case number or account (C2)."""

from __future__ import annotations

import pytest

from crm.errors import DuplicateAccountNumber, InvalidEmail, InvalidPhoneNumber, UnknownCustomer
from crm.services import CrmService
from crm.views import Address, CustomerInfo, NewCustomer


async def test_customer_is_stored_with_normalised_phones_and_details(service: CrmService):  # C1
    created = await service.create_customer(
        NewCustomer(
            account_number="ACC-42",
            first_name="Léa",
            last_name="Durand",
            tier="gold",
            phones=["06 11 22 33 44", ("+44 20 7946 0018", "office")],
            emails=["Lea.Durand@Example.test"],
            addresses=[Address(line1="3 rue de la Paix", postcode="75002", city="Paris")],
            custom_fields={"contract": "premium"},
        )
    )
    fetched = await service.get_customer(created.id)
    assert fetched == created
    assert fetched.phones == ("+33611223344", "+442079460018")
    assert fetched.emails == ("lea.durand@example.test",)
    assert fetched.addresses[0].city == "Paris"
    assert fetched.custom_fields == {"contract": "premium"}


async def test_account_number_is_unique(service: CrmService, customer: CustomerInfo):  # C1
    with pytest.raises(DuplicateAccountNumber) as info:
        await service.create_customer(NewCustomer(account_number=customer.account_number))
    assert info.value.code == "duplicate_account_number"


async def test_invalid_phone_or_email_is_refused(service: CrmService):  # C1
    with pytest.raises(InvalidPhoneNumber):
        await service.create_customer(NewCustomer(account_number="X", phones=["not a number"]))
    with pytest.raises(InvalidEmail):
        await service.create_customer(NewCustomer(account_number="Y", emails=["nobody"]))


@pytest.mark.parametrize("dialled", ["0123456789", "+33 1 23 45 67 89", "0033612345678"])
async def test_customer_found_by_any_of_their_numbers_in_any_format(
    service: CrmService, customer: CustomerInfo, dialled: str
):  # C2
    profile = await service.find_customer(phone=dialled)
    assert profile is not None
    assert profile.customer.id == customer.id


async def test_customer_found_by_email_case_number_or_account(
    service: CrmService, customer: CustomerInfo
):  # C2
    case_ = await service.open_case(actor="alice", customer_id=customer.id, title="Printer")
    for profile in [
        await service.find_customer(email="CAMILLE@example.test"),
        await service.find_customer(case_number=case_.number),
        await service.find_customer(account_number="ACC-1"),
        await service.search(case_.number),
        await service.search("camille@example.test"),
        await service.search("01 23 45 67 89"),
    ]:
        assert profile is not None
        assert profile.customer.id == customer.id
        assert [c.number for c in profile.cases] == [case_.number]


async def test_unknown_number_finds_nobody(service: CrmService, customer: CustomerInfo):  # C2
    assert await service.find_customer(phone="09 99 99 99 99") is None
    assert await service.find_customer(phone="anonymous") is None
    assert await service.search("nobody@example.test") is None


async def test_missing_customer_raises_unknown_customer(service: CrmService):
    with pytest.raises(UnknownCustomer) as info:
        await service.get_customer(999)
    assert info.value.code == "unknown_customer"
