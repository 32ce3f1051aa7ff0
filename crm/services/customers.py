"""Customers (C1, C2): create one, and find one by anything a caller may give."""

from __future__ import annotations

from dataclasses import asdict

from crm.db.models import Customer
from crm.errors import DuplicateAccountNumber, InvalidEmail, UnknownCustomer
from crm.phone import normalize_phone, try_normalize
from crm.services.context import CrmContext
from crm.services.mappers import case_info, customer_info
from crm.views import CustomerInfo, CustomerProfile, NewCustomer


class CustomerService:
    def __init__(self, ctx: CrmContext) -> None:
        self._ctx = ctx

    async def create_customer(self, new: NewCustomer) -> CustomerInfo:
        """C1: a customer with a unique account number; phones stored in E.164."""
        region = self._ctx.settings.default_region
        phones = [
            (normalize_phone(p, region), None)
            if isinstance(p, str)
            else (normalize_phone(p[0], region), p[1])
            for p in new.phones
        ]
        emails = [_normalize_email(e) for e in new.emails]
        now = self._ctx.clock.now()
        async with self._ctx.uow() as uow:
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
                custom_fields=dict(new.custom_fields),
                addresses=[asdict(a) for a in new.addresses],
                created_at=now,
                updated_at=now,
            )
            await uow.customers.add(customer, phones, emails)
            info = customer_info(customer)
            await uow.commit()
        return info

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
        or account number; None when nothing matches."""
        async with self._ctx.uow() as uow:
            customer: Customer | None = None
            if phone is not None:
                number = try_normalize(phone, self._ctx.settings.default_region)
                if number is not None:
                    customer = await uow.customers.find_by_phone(number)
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


def _normalize_email(email: str) -> str:
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise InvalidEmail(f"not an email address: {email!r}", email=email)
    return value
