"""Tasks and the agenda (C1): planned calls, mails, meetings and chats, and the
reminders the scheduler sends for them (S10)."""

from __future__ import annotations

from datetime import datetime

from crm.db.models import Task
from crm.domain.mail_rules import reminder_time
from crm.errors import InvalidValue, UnknownCustomer, UnknownTask
from crm.services.context import CrmContext, require_open_case
from crm.services.mappers import task_info
from crm.services.outbox import Outbox
from crm.views import NotificationInfo, TaskInfo

TASK_KINDS = frozenset({"call", "mail", "meeting", "chat"})


class TaskService:
    def __init__(self, ctx: CrmContext, outbox: Outbox) -> None:
        self._ctx = ctx
        self._outbox = outbox

    async def create_task(
        self,
        *,
        actor: str,
        assignee: str,
        kind: str,
        title: str,
        due_at: datetime,
        case_number: str | None = None,
        customer_id: int | None = None,
        reminder_minutes_before: int | None = None,
    ) -> TaskInfo:
        """C1: a planned call, mail, meeting or chat; its reminder is a due time in the
        database, fired by the scheduler `reminder_minutes_before` minutes ahead."""
        if kind not in TASK_KINDS:
            raise InvalidValue(f"unknown task kind {kind!r}", field="kind")
        if due_at.tzinfo is None:
            raise InvalidValue("due_at must be timezone-aware", field="due_at")
        minutes = (
            self._ctx.settings.reminder_minutes_before
            if reminder_minutes_before is None
            else reminder_minutes_before
        )
        async with self._ctx.uow() as uow:
            case_id = None
            if case_number is not None:
                case_ = await require_open_case(uow, case_number)
                case_id = case_.id
                customer_id = customer_id or case_.customer_id
            if customer_id is not None and await uow.customers.get(customer_id) is None:
                raise UnknownCustomer(f"no customer {customer_id}", customer_id=customer_id)
            task = await uow.tasks.add(
                Task(
                    case_id=case_id,
                    customer_id=customer_id,
                    kind=kind,
                    title=title,
                    assignee=assignee,
                    due_at=due_at,
                    reminder_at=reminder_time(due_at, minutes),
                    created_by=actor,
                    created_at=self._ctx.clock.now(),
                )
            )
            info = task_info(task)
            await uow.commit()
        return info

    async def complete_task(self, task_id: int, *, actor: str) -> TaskInfo:
        async with self._ctx.uow() as uow:
            task = await uow.tasks.get(task_id)
            if task is None:
                raise UnknownTask(f"no task {task_id}", task_id=task_id)
            if task.done_at is None:
                task.done_at = self._ctx.clock.now()
                task.reminder_at = None
            info = task_info(task)
            await uow.commit()
        return info

    async def tasks_for(self, assignee: str, *, include_done: bool = False) -> list[TaskInfo]:
        async with self._ctx.uow() as uow:
            return [task_info(t) for t in await uow.tasks.for_assignee(assignee, include_done)]

    async def send_due_reminders(self, limit: int = 100) -> list[NotificationInfo]:
        """C1, S10: one appointment-reminder notification per task whose reminder time has
        come; called by the scheduler."""
        now = self._ctx.clock.now()
        sent: list[NotificationInfo] = []
        async with self._ctx.uow() as uow:
            for task in await uow.tasks.due_reminders(now, limit):
                note = await self._outbox.add_notification(
                    uow,
                    task.assignee,
                    at=now,
                    kind="appointment_reminder",
                    title=f"Reminder: {task.kind} at {task.due_at:%H:%M} — {task.title}",
                    body="",
                    sender=None,
                    case_id=task.case_id,
                    task_id=task.id,
                )
                task.reminder_at = None
                task.reminder_sent_at = now
                sent.append(note)
            await uow.commit()
        self._outbox.publish(sent)
        return sent
