"""In-process publish/subscribe for call and agent events (WebSocket, tests, stats)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import contextmanager
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class EventBus:
    """Fan-out of events to subscribers, each with its own bounded queue.

    A subscriber that falls behind loses its oldest events rather than
    slowing the call flow down.
    """

    def __init__(self, maxsize: int = 10_000) -> None:
        self._subscribers: set[asyncio.Queue[Any]] = set()
        self._maxsize = maxsize

    def publish(self, event: Any) -> None:
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
                log.warning("bus_subscriber_lagging", dropped=1)
            queue.put_nowait(event)

    @contextmanager
    def subscribe(self) -> Any:
        queue: asyncio.Queue[Any] = asyncio.Queue(self._maxsize)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    async def stream(self) -> AsyncIterator[Any]:
        with self.subscribe() as queue:
            while True:
                yield await queue.get()
