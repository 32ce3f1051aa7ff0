"""Customers and the phone numbers and addresses that find them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import Customer, CustomerEmail, CustomerPhone


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
