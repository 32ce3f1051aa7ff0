"""The voice menu a caller walks through before waiting in a queue (D1).

Run by the FastAGI adapter, one call at a time; it only talks to the caller
through an `IvrChannel`, so the menu logic knows nothing of AGI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from acd.centre import BusinessHours, Centre, IvrConfig
from acd.telephony.destinations import DialNumber

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CallerHungUp(Exception):
    """The caller left while the menu was playing."""


class IvrChannel(Protocol):
    async def play(self, prompt: str) -> None: ...

    async def ask_digit(self, prompt: str, timeout: float) -> str | None:
        """Play `prompt` and return the key pressed, or None when none came in time."""
        ...

    async def ask_digits(self, prompt: str, timeout: float, max_digits: int) -> str | None:
        """Play `prompt` and return the keys pressed (ended by # or `max_digits`)."""
        ...

    async def say_digits(self, digits: str, escape: str = "") -> str | None:
        """Read `digits` out; a key of `escape` pressed meanwhile stops it and is returned."""
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


# Rounds of "read back, confirm or key another number" before the offer is dropped.
CALLBACK_NUMBER_ATTEMPTS = 3


async def choose_callback_number(
    channel: IvrChannel,
    ivr: IvrConfig,
    caller_number: str,
    check: Callable[[str], DialNumber | None],
) -> DialNumber | None:
    """The callback offer: the caller presses 1, hears the number the centre would call
    read back and confirms it with 1, or keys another one. A caller id the centre may not
    dial (a premium-rate or spoofed number) is never offered for confirmation. None when
    the caller declines or no number they give may be called."""
    if await channel.ask_digit(ivr.callback_prompt, 5) != "1":
        return None
    number = check(caller_number) if caller_number else None
    for _ in range(CALLBACK_NUMBER_ATTEMPTS):
        if number is None:
            typed = await channel.ask_digits(ivr.callback_number_prompt, 10, 20)
            number = check(typed) if typed else None
            if number is None:
                await channel.play(ivr.callback_refused_prompt)
                continue
        await channel.play(ivr.callback_confirm_prompt)
        # 1 or 2 pressed during the read-back answers at once.
        key = await channel.say_digits(number.digits, escape="12")
        if key is None:
            key = await channel.ask_digit(ivr.callback_confirm_keys_prompt, 5)
        if key == "1":
            return number
        number = None
    return None
