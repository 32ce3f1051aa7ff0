"""Customers (C1, C2): create one, and find one by anything a caller may give."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import asdict, replace

from crm.db.models import Customer
from crm.db.unit_of_work import UnitOfWork
from crm.errors import DuplicateAccountNumber, InvalidEmail, InvalidValue, UnknownCustomer
from crm.phone import normalize_phone, try_normalize
from crm.services.context import CrmContext
from crm.services.mappers import case_info, customer_info
from crm.settings import LANGUAGES, parse_language
from crm.views import CustomerChanges, CustomerInfo, CustomerProfile, NewCustomer

# Merging takes two or three records into one (a target and up to two duplicates).
MAX_MERGED = 2


class CustomerService:
    def __init__(self, ctx: CrmContext) -> None:
        self._ctx = ctx

    async def create_customer(self, new: NewCustomer) -> CustomerInfo:
        """C1: a customer with a unique account number (one is made when none is given);
        phones stored in E.164. The cases already opened for one of their numbers before
        the customer existed (a new caller's) become theirs (C2)."""
        phones = self._phones(new.phones)
        emails = _emails(new.emails)
        now = self._ctx.clock.now()
        async with self._ctx.uow() as uow:
            if not new.account_number:
                new = replace(new, account_number=await _free_account_number(uow))
            if await uow.customers.get_by_account(new.account_number) is not None:
                raise DuplicateAccountNumber(
                    f"account number {new.account_number!r} already exists",
                    account_number=new.account_number,
                )
            customer = Customer(
                account_number=new.account_number,
                first_name=new.first_name,
                last_name=new.last_name,
                company=new.company,
                tier=new.tier,
                custom_fields={k: v for k, v in new.custom_fields.items() if v is not None},
                addresses=[asdict(a) for a in new.addresses],
                language=_language(new.language),
                created_at=now,
                updated_at=now,
            )
            await uow.customers.add(customer, phones, emails)
            await uow.customers.adopt_cases_of_numbers(customer.id, [n for n, _ in phones])
            info = customer_info(customer)
            await uow.commit()
        return info

    async def update_customer(self, customer_id: int, changes: CustomerChanges) -> CustomerInfo:
        """C1: edit a customer; phones and emails, when given, replace the old ones."""
        phones = None if changes.phones is None else self._phones(changes.phones)
        emails = None if changes.emails is None else _emails(changes.emails)
        async with self._ctx.uow() as uow:
            customer = await self._existing(uow, customer_id)
            for name in ("first_name", "last_name", "company", "tier"):
                value = getattr(changes, name)
                if value is not None:
                    # An empty company or tier clears it; names may be empty.
                    setattr(customer, name, value if name.endswith("name") else value or None)
            if changes.custom_fields is not None:
                merged = {**customer.custom_fields, **changes.custom_fields}
                customer.custom_fields = {k: v for k, v in merged.items() if v is not None}
            if changes.addresses is not None:
                customer.addresses = [asdict(a) for a in changes.addresses]
            if changes.language is not None:
                customer.language = _language(changes.language or None)
            if phones is not None or emails is not None:
                await uow.customers.replace_contacts(customer, phones, emails)
            if phones is not None:
                await uow.customers.adopt_cases_of_numbers(customer.id, [n for n, _ in phones])
            customer.updated_at = self._ctx.clock.now()
            info = customer_info(customer)
            await uow.commit()
        return info

    async def merge_customers(self, into_id: int, from_ids: list[int]) -> CustomerProfile:
        """Duplicates merged into one record: every phone, email, case, follow-up, task
        and call of `from_ids` moves to `into_id`, whose own values win where both have
        one; the duplicates are then deleted."""
        merged = list(dict.fromkeys(from_ids))
        if not merged or len(merged) > MAX_MERGED or into_id in merged:
            raise InvalidValue(
                f"merge 1 to {MAX_MERGED} other customers into this one", field="duplicates"
            )
        async with self._ctx.uow() as uow:
            target = await self._existing(uow, into_id)
            duplicates = [await self._existing(uow, i) for i in merged]
            await uow.customers.merge(target, duplicates, self._ctx.clock.now())
            await uow.commit()
        profile = await self.find_customer(account_number=target.account_number)
        assert profile is not None and profile.customer is not None
        return profile

    def _phones(
        self, given: Iterable[str | tuple[str, str | None]]
    ) -> list[tuple[str, str | None]]:
        region = self._ctx.settings.default_region
        phones: dict[str, str | None] = {}
        for p in given:
            number, label = (p, None) if isinstance(p, str) else p
            phones.setdefault(normalize_phone(number, region), label)
        return list(phones.items())

    @staticmethod
    async def _existing(uow: UnitOfWork, customer_id: int) -> Customer:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            raise UnknownCustomer(f"no customer {customer_id}", customer_id=customer_id)
        return customer

    async def get_customer(self, customer_id: int) -> CustomerInfo:
        async with self._ctx.uow() as uow:
            customer = await uow.customers.get(customer_id)
            if customer is None:
                raise UnknownCustomer(f"no customer {customer_id}", customer_id=customer_id)
            return customer_info(customer)

    async def find_customer(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        case_number: str | None = None,
        account_number: str | None = None,
    ) -> CustomerProfile | None:
        """C2: the customer (and all their cases) by any phone number, email, case number
        or account number. A number no customer holds yet still finds the cases opened
        for it, with no customer; None when nothing matches."""
        async with self._ctx.uow() as uow:
            customer: Customer | None = None
            if phone is not None:
                number = try_normalize(phone, self._ctx.settings.default_region)
                if number is not None:
                    customer = await uow.customers.find_by_phone(number)
                    if customer is None:
                        orphans = await uow.cases.for_unknown_number(number)
                        if orphans:
                            return CustomerProfile(None, tuple(case_info(c) for c in orphans))
            elif email is not None:
                customer = await uow.customers.find_by_email(email.strip().lower())
            elif case_number is not None:
                found = await uow.cases.get_by_number(case_number.strip())
                if found is not None and found.customer_id is not None:
                    customer = await uow.customers.get(found.customer_id)
            elif account_number is not None:
                customer = await uow.customers.get_by_account(account_number.strip())
            if customer is None:
                return None
            cases = await uow.cases.for_customer(customer.id)
            return CustomerProfile(
                customer=customer_info(customer),
                cases=tuple(case_info(c) for c in cases),
            )

    async def search(self, text: str) -> CustomerProfile | None:
        """Screen-pop search box: guesses whether `text` is an email, a case number, an
        account number or a phone number."""
        query = text.strip()
        if "@" in query:
            return await self.find_customer(email=query)
        found = await self.find_customer(case_number=query)
        if found is None:
            found = await self.find_customer(account_number=query)
        if found is None:
            found = await self.find_customer(phone=query)
        return found


async def _free_account_number(uow: UnitOfWork) -> str:
    while True:
        number = "C" + secrets.token_hex(4).upper()
        if await uow.customers.get_by_account(number) is None:
            return number


def _language(given: str | None) -> str | None:
    if given is not None and parse_language(given) is None:
        raise InvalidValue(f"mails are written in {', '.join(LANGUAGES)}", field="language")
    return given


def _emails(given: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(_normalize_email(e) for e in given))


def _normalize_email(email: str) -> str:
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise InvalidEmail(f"not an email address: {email!r}", email=email)
    return value
