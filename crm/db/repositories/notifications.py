"""Notifications for agents and supervisors."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import Notification


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, notification: Notification) -> Notification:
        self.session.add(notification)
        await self.session.flush()
        return notification

    async def get(self, notification_id: int) -> Notification | None:
        return await self.session.get(Notification, notification_id)

    async def for_recipient(self, recipient: str, unread_only: bool = False) -> list[Notification]:
        stmt = select(Notification).where(Notification.recipient == recipient)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        result = await self.session.scalars(
            stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
        )
        return list(result)


__all__ = ["NotificationRepository"]
