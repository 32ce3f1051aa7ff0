"""Deliveries waiting to go out: the mail outbox and webhook calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import OutboxMail, WebhookDelivery

_Delivery = TypeVar("_Delivery", OutboxMail, WebhookDelivery)


class _DeliveryRepository(Generic[_Delivery]):
    """Rows waiting to go out (mails, webhook calls), each sent by whichever node claims
    it: a claim pushes the next attempt `lease` ahead, so another node (or a crash
    mid-send) cannot lose the row — an unconfirmed claim simply expires."""

    model: type[_Delivery]
    done_attribute: str  # set once the row went out

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: _Delivery) -> _Delivery:
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, row_id: int) -> _Delivery | None:
        return await self.session.get(self.model, row_id)

    async def all(self) -> list[_Delivery]:
        result = await self.session.scalars(select(self.model).order_by(self.model.id))
        return list(result)

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[_Delivery]:
        result = await self.session.scalars(
            select(self.model)
            .where(
                getattr(self.model, self.done_attribute).is_(None),
                self.model.failed_at.is_(None),
                self.model.next_attempt_at <= now,
            )
            .order_by(self.model.next_attempt_at, self.model.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(result)
        for row in rows:
            row.next_attempt_at = now + lease
        await self.session.flush()
        return rows

    async def record_attempts(
        self,
        outcomes: Mapping[int, str | None],
        now: datetime,
        retry_at: Callable[[_Delivery], datetime | None],
        max_attempts: int | None = None,
    ) -> None:
        """One attempt per row id: gone out (no error), or failed and due again at
        `retry_at(row)` (None: no more tries). A row failed `max_attempts` times gives up:
        `failed_at` is set and no due query picks it again. Rows gone out meanwhile are
        left alone."""
        for row_id, error in outcomes.items():
            row = await self.get(row_id)
            if row is None or getattr(row, self.done_attribute) is not None:
                continue
            row.attempts += 1
            row.last_attempt_at = now
            if error is None:
                setattr(row, self.done_attribute, now)
                row.next_attempt_at = None
                row.last_error = None
            else:
                row.last_error = error[:2000]
                if max_attempts is not None and row.attempts >= max_attempts:
                    row.failed_at = now
                    row.next_attempt_at = None
                else:
                    row.next_attempt_at = retry_at(row)

    async def count_failed(self) -> int:
        count = await self.session.scalar(
            select(func.count(self.model.id)).where(self.model.failed_at.is_not(None))
        )
        return int(count or 0)

    async def failed(self, limit: int) -> list[_Delivery]:
        """Rows that gave up, newest first."""
        result = await self.session.scalars(
            select(self.model)
            .where(self.model.failed_at.is_not(None))
            .order_by(self.model.failed_at.desc(), self.model.id.desc())
            .limit(limit)
        )
        return list(result)


class OutboxRepository(_DeliveryRepository[OutboxMail]):
    model = OutboxMail
    done_attribute = "sent_at"

    async def last_queued(self, to_addr: str, kind: str) -> datetime | None:
        return await self.session.scalar(
            select(func.max(OutboxMail.created_at)).where(
                OutboxMail.to_addr == to_addr, OutboxMail.kind == kind
            )
        )


class WebhookRepository(_DeliveryRepository[WebhookDelivery]):
    model = WebhookDelivery
    done_attribute = "delivered_at"


__all__ = ["OutboxRepository", "WebhookRepository"]
