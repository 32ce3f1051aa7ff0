"""Live delivery of notifications (S10) to connected agents on this node.

Notifications are stored first; the hub only pushes them to whoever is listening, so an
agent who is not connected finds them unread later."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from crm.views import NotificationInfo


class NotificationHub:
    def __init__(self, max_queue: int = 100) -> None:
        self._subscribers: defaultdict[str, set[asyncio.Queue[NotificationInfo]]] = defaultdict(set)
        self._max_queue = max_queue

    @asynccontextmanager
    async def subscribe(self, recipient: str) -> AsyncIterator[asyncio.Queue[NotificationInfo]]:
        queue: asyncio.Queue[NotificationInfo] = asyncio.Queue(self._max_queue)
        self._subscribers[recipient].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[recipient].discard(queue)
            if not self._subscribers[recipient]:
                del self._subscribers[recipient]

    def publish(self, notification: NotificationInfo) -> None:
        for queue in self._subscribers.get(notification.recipient, ()):
            if queue.full():
                # A stalled listener loses live pushes, never the stored notification.
                continue
            queue.put_nowait(notification)
