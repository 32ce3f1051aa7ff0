"""Tasks (planned calls, mails, meetings) and their reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import Task


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, task: Task) -> Task:
        self.session.add(task)
        await self.session.flush()
        return task

    async def get(self, task_id: int) -> Task | None:
        return await self.session.get(Task, task_id)

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[Task]:
        result = await self.session.scalars(
            select(Task)
            .where(Task.reminder_at <= now, Task.done_at.is_(None))
            .order_by(Task.reminder_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(result)

    async def for_assignee(self, assignee: str, include_done: bool = False) -> list[Task]:
        stmt = select(Task).where(Task.assignee == assignee)
        if not include_done:
            stmt = stmt.where(Task.done_at.is_(None))
        result = await self.session.scalars(stmt.order_by(Task.due_at, Task.id))
        return list(result)


__all__ = ["TaskRepository"]
