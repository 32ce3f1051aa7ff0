"""In-process publish/subscribe for call and agent events (WebSocket, tests, stats)."""

from __future__ import annotations

import asyncio
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
        self._subscribers: dict[asyncio.Queue[Any], tuple[type, ...] | None] = {}
        self._maxsize = maxsize
        self._dropped = 0

    def publish(self, event: Any) -> None:
        for queue, kinds in self._subscribers.items():
            if kinds is not None and not isinstance(event, kinds):
                continue
            if queue.full():
                queue.get_nowait()
                self._dropped += 1
                # Once per thousand: a lagging subscriber must not flood the log too.
                if self._dropped % 1000 == 1:
                    log.warning("bus_subscriber_lagging", dropped=self._dropped)
            queue.put_nowait(event)

    @contextmanager
    def subscribe(self, kinds: tuple[type, ...] | None = None) -> Any:
        """A queue of every published event, or only of those of the given types."""
        queue: asyncio.Queue[Any] = asyncio.Queue(self._maxsize)
        self._subscribers[queue] = kinds
        try:
            yield queue
        finally:
            self._subscribers.pop(queue, None)
