"""Customers and the phone numbers and addresses that find them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import Call, Case, Customer, CustomerEmail, CustomerPhone, FollowUp, Task


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        customer: Customer,
        phones: Iterable[tuple[str, str | None]] = (),
        emails: Iterable[str] = (),
    ) -> Customer:
        phones = list(phones)
        emails = list(emails)
        customer.phones = [number for number, _ in phones]
        customer.emails = emails
        self.session.add(customer)
        await self.session.flush()
        for number, label in phones:
            self.session.add(CustomerPhone(customer_id=customer.id, number=number, label=label))
        for position, email in enumerate(emails):
            self.session.add(CustomerEmail(customer_id=customer.id, email=email, position=position))
        await self.session.flush()
        return customer

    async def replace_contacts(
        self,
        customer: Customer,
        phones: list[tuple[str, str | None]] | None,
        emails: list[str] | None,
    ) -> None:
        """The customer's phones and/or emails become exactly these."""
        if phones is not None:
            await self.session.execute(
                delete(CustomerPhone).where(CustomerPhone.customer_id == customer.id)
            )
            customer.phones = [number for number, _ in phones]
            for number, label in phones:
                self.session.add(CustomerPhone(customer_id=customer.id, number=number, label=label))
        if emails is not None:
            await self.session.execute(
                delete(CustomerEmail).where(CustomerEmail.customer_id == customer.id)
            )
            customer.emails = emails
            for position, email in enumerate(emails):
                self.session.add(
                    CustomerEmail(customer_id=customer.id, email=email, position=position)
                )
        await self.session.flush()

    async def adopt_cases_of_numbers(self, customer_id: int, numbers: list[str]) -> None:
        """Cases opened for one of these numbers while no customer had it become the
        customer's, with the calls journaled for them."""
        if not numbers:
            return
        orphan = (Case.customer_id.is_(None)) & Case.contact_number.in_(numbers)
        await self.session.execute(update(Case).where(orphan).values(customer_id=customer_id))
        await self.session.execute(
            update(Call)
            .where(Call.customer_id.is_(None), Call.remote_number.in_(numbers))
            .values(customer_id=customer_id)
        )

    async def merge(self, target: Customer, duplicates: list[Customer], now: datetime) -> None:
        """Everything of `duplicates` moves to `target` (whose own values win), then the
        duplicates are deleted."""
        ids = [d.id for d in duplicates]
        for table in (Case, FollowUp, Task, Call):
            await self.session.execute(
                update(table).where(table.customer_id.in_(ids)).values(customer_id=target.id)
            )
        phones = {number: None for number in target.phones}
        emails = list(target.emails)
        fields: dict[str, Any] = {}
        addresses = list(target.addresses)
        for duplicate in duplicates:
            phones.update({n: None for n in duplicate.phones if n not in phones})
            emails += [e for e in duplicate.emails if e not in emails]
            fields = {**duplicate.custom_fields, **fields}
            addresses += [a for a in duplicate.addresses if a not in addresses]
            for name in ("first_name", "last_name", "company", "tier", "language"):
                if not getattr(target, name):
                    setattr(target, name, getattr(duplicate, name))
        owned = CustomerPhone.customer_id.in_([target.id, *ids])
        found = await self.session.execute(
            select(CustomerPhone.number, CustomerPhone.label).where(owned)
        )
        labels = {number: label for number, label in found if label}
        target.custom_fields = {**fields, **target.custom_fields}
        target.addresses = addresses
        target.updated_at = now
        for contacts in (CustomerPhone, CustomerEmail):
            await self.session.execute(delete(contacts).where(contacts.customer_id.in_(ids)))
        await self.session.execute(delete(Customer).where(Customer.id.in_(ids)))
        await self.replace_contacts(target, [(n, labels.get(n)) for n in phones], emails)

    async def get(self, customer_id: int) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def get_by_account(self, account_number: str) -> Customer | None:
        result = await self.session.scalars(
            select(Customer).where(Customer.account_number == account_number)
        )
        return result.first()

    async def find_by_phone(self, number: str) -> Customer | None:
        """Most recently created customer holding this E.164 number."""
        result = await self.session.scalars(
            select(Customer)
            .join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
            .where(CustomerPhone.number == number)
            .order_by(Customer.id.desc())
            .limit(1)
        )
        return result.first()

    async def latest_ids_for_phones(self, numbers: Iterable[str]) -> dict[str, int]:
        """`find_by_phone` for many numbers at once: number → most recent customer id."""
        result = await self.session.execute(
            select(CustomerPhone.number, func.max(CustomerPhone.customer_id))
            .where(CustomerPhone.number.in_(list(numbers)))
            .group_by(CustomerPhone.number)
        )
        return {number: customer_id for number, customer_id in result}

    async def find_by_email(self, email: str) -> Customer | None:
        result = await self.session.scalars(
            select(Customer)
            .join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
            .where(CustomerEmail.email == email)
            .order_by(Customer.id.desc())
            .limit(1)
        )
        return result.first()


def latest_customer_id(number: str | ColumnElement[Any]) -> Select[Any]:
    """The most recently created customer holding this E.164 number (`find_by_phone`)."""
    return select(func.max(CustomerPhone.customer_id)).where(CustomerPhone.number == number)


__all__ = ["CustomerRepository", "latest_customer_id"]
