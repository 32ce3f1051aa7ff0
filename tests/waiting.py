"""Wait on conditions, never on sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def next_event(
    queue: asyncio.Queue[Any],
    kind: type[T],
    where: Callable[[T], bool] = lambda _: True,
    timeout: float = 10.0,
) -> T:
    """The next event of `kind` on a bus subscription that satisfies `where`."""
    async with asyncio.timeout(timeout):
        while True:
            event = await queue.get()
            if isinstance(event, kind) and where(event):
                return event


async def until(condition: Callable[[], bool], timeout: float = 10.0, step: float = 0.01) -> None:
    """Poll a cheap in-memory condition until it holds (for state with no event)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - in-memory state with no event to await
            await asyncio.sleep(step)
