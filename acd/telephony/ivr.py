"""The voice menu a caller walks through before waiting in a queue (D1).

Run by the FastAGI adapter, one call at a time; it only talks to the caller
through an `IvrChannel`, so the menu logic knows nothing of AGI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from acd.centre import BusinessHours, Centre

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CallerHungUp(Exception):
    """The caller left while the menu was playing."""


class IvrChannel(Protocol):
    async def play(self, prompt: str) -> None: ...

    async def ask_digit(self, prompt: str, timeout: float) -> str | None:
        """Play `prompt` and return the key pressed, or None when none came in time."""
        ...

    async def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable the dialplan reads after the script."""
        ...


@dataclass(frozen=True)
class IvrOutcome:
    """Where the IVR sends the caller, and the path taken (kept in the journal)."""

    kind: Literal["queue", "closed", "no_route"]
    queue: str | None = None
    priority: int = 0
    path: tuple[str, ...] = ()


def is_open(hours: BusinessHours | None, at: datetime) -> bool:
    """Whether `at` (timezone-aware) falls in the opening hours; always open when unset."""
    if hours is None:
        return True
    local = at.astimezone(ZoneInfo(hours.timezone))
    for span in hours.open.get(_WEEKDAYS[local.weekday()], []):  # type: ignore[call-overload]
        start, _, end = span.partition("-")
        if time.fromisoformat(start) <= local.time() < time.fromisoformat(end):
            return True
    return False


async def run_ivr(centre: Centre, did: str, channel: IvrChannel, now: datetime) -> IvrOutcome:
    """Walk the caller from the dialled number to a queue, a closed message or nowhere."""
    path = [f"did:{did}"]
    entry = centre.ivr.dids.get(did)
    if entry is None:
        return IvrOutcome("no_route", path=tuple(path))
    if not is_open(centre.ivr.business_hours, now):
        await channel.play(centre.ivr.closed_prompt)
        return IvrOutcome("closed", path=(*path, "closed"))
    queue, menu_name, priority = entry.queue, entry.menu, entry.priority
    visited: set[str] = set()
    while menu_name is not None:
        if menu_name in visited:  # a menu cycle the caller walked into
            break
        visited.add(menu_name)
        menu = centre.ivr.menus[menu_name]
        path.append(f"menu:{menu_name}")
        choice = None
        for attempt in range(menu.retries + 1):
            key = await channel.ask_digit(menu.prompt, menu.timeout)
            if key is None:
                path.append("timeout")
                continue
            choice = menu.choices.get(key)
            path.append(f"key:{key}")
            if choice is not None:
                break
            if attempt < menu.retries:
                await channel.play(menu.invalid_prompt)
        if choice is None:
            choice = menu.default
            if choice is None:
                return IvrOutcome("no_route", path=tuple(path))
            path.append("default")
        queue, menu_name, priority = choice.queue, choice.menu, choice.priority
    if queue is None:
        return IvrOutcome("no_route", path=tuple(path))
    return IvrOutcome("queue", queue=queue, priority=priority, path=tuple(path))
