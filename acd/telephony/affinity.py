"""Who a caller should reach first: the agent they dealt with recently (P5, P1, S9)."""

from __future__ import annotations

from datetime import timedelta

from acd.telephony.ports import CallerHistory


class CallerAffinity:
    """The caller's preferred agent and the reason, looked up in the CRM: the author of a
    follow-up within 3 h (P5), else their open case's owner (P1), else the agent of
    their last call within `last_agent_window` (S9; a zero window turns S9 off)."""

    def __init__(self, history: CallerHistory, last_agent_window: timedelta) -> None:
        self._history = history
        self._window = last_agent_window if last_agent_window > timedelta(0) else None

    async def __call__(self, caller: str) -> tuple[str | None, str | None]:
        return await self._history.preferred_agent_for_number(
            caller, last_agent_within=self._window
        )
