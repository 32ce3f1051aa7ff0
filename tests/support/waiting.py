"""Wait on conditions, never on sleeps: the one place tests wait."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
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


async def until(
    condition: Callable[[], bool | Awaitable[bool]], timeout: float = 10.0, step: float = 0.01
) -> None:
    """Poll a condition until it holds, for state no event announces: in memory, in
    another thread (aiosmtpd's) or in the database (`condition` may be a coroutine
    function)."""
    async with asyncio.timeout(timeout):
        while True:
            holds = condition()
            if inspect.isawaitable(holds):
                holds = await holds
            if holds:
                return
            await asyncio.sleep(step)
