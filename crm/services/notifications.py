"""Notifications (S10): supervisor messages, notes and reminders for one agent, stored
and pushed live."""

from __future__ import annotations

from crm.errors import InvalidValue, UnknownNotification
from crm.services.context import CrmContext, require_case
from crm.services.mappers import notification_info
from crm.services.outbox import Outbox
from crm.views import NotificationInfo

NOTIFICATION_KINDS = frozenset(
    {"appointment_reminder", "supervisor_message", "private_note", "case_assigned"}
)


class NotificationService:
    def __init__(self, ctx: CrmContext, outbox: Outbox) -> None:
        self._ctx = ctx
        self._outbox = outbox

    async def notify(
        self,
        recipient: str,
        *,
        kind: str,
        title: str,
        body: str = "",
        sender: str | None = None,
        case_number: str | None = None,
    ) -> NotificationInfo:
        """S10: store a notification, then push it live to the recipient if connected."""
        if kind not in NOTIFICATION_KINDS:
            raise InvalidValue(f"unknown notification kind {kind!r}", field="kind")
        async with self._ctx.uow() as uow:
            case_id = None
            if case_number is not None:
                case_id = (await require_case(uow, case_number)).id
            info = await self._outbox.add_notification(
                uow,
                recipient,
                at=self._ctx.clock.now(),
                kind=kind,
                title=title,
                body=body,
                sender=sender,
                case_id=case_id,
            )
            await uow.commit()
        self._outbox.publish([info])
        return info

    async def notifications_for(
        self, recipient: str, *, unread_only: bool = False
    ) -> list[NotificationInfo]:
        async with self._ctx.uow() as uow:
            return [
                notification_info(n)
                for n in await uow.notifications.for_recipient(recipient, unread_only)
            ]

    async def mark_read(self, notification_id: int, *, recipient: str) -> NotificationInfo:
        async with self._ctx.uow() as uow:
            note = await uow.notifications.get(notification_id)
            if note is None or note.recipient != recipient:
                # Someone else's notification is indistinguishable from a missing one.
                raise UnknownNotification(
                    f"no notification {notification_id}", notification_id=notification_id
                )
            if note.read_at is None:
                note.read_at = self._ctx.clock.now()
            info = notification_info(note)
            await uow.commit()
        return info
