"""What the call flow needs of the CRM, as narrow protocols: the telephony shell
depends on these few methods, never on the CRM's concrete service (the composition
root passes `crm.services.CrmService`, which has them all)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from crm.views import CallRecord, CaseForCall, CaseInfo, UnownedCase

# The caller's preferred agent and why, looked up by their number (P5, P1, S9).
CallerAffinity = Callable[[str], Awaitable[tuple[str | None, str | None]]]


class CallerHistory(Protocol):
    """Who dealt with a caller recently (acd.telephony.affinity)."""

    async def preferred_agent_for_number(
        self, phone_number: str, *, last_agent_within: timedelta | None
    ) -> tuple[str | None, str | None]: ...


class JournalRecorder(Protocol):
    """Where calls and agent state changes are written (acd.telephony.journal)."""

    async def journal_calls(self, records: Sequence[CallRecord]) -> None: ...

    async def close_lost_calls(
        self, keep: Collection[str], started_before: datetime, at: datetime
    ) -> int: ...

    async def record_agent_states(
        self, changes: Iterable[tuple[str, str, str | None, datetime]]
    ) -> None: ...

    async def set_aside_journal_row(self, kind: str, row: Any, reason: str) -> None: ...


class CaseDesk(Protocol):
    """The cases behind the calls (acd.telephony.desk: a ticket on every call, D4, S2)."""

    async def open_case_counts(self, agent_ids: Iterable[str]) -> dict[str, int]: ...

    async def open_or_join_case_for_call(
        self,
        *,
        call_id: str,
        caller_number: str | None,
        agent_id: str,
        queue: str | None = None,
        ivr_path: str | None = None,
    ) -> CaseForCall: ...


class CaseAssignment(Protocol):
    """The pool of unowned cases and assigning them (acd.telephony.case_assigner, Q3)."""

    async def unowned_cases(self, queue: str, limit: int = 50) -> list[UnownedCase]: ...

    async def open_case_counts(self, agent_ids: Iterable[str]) -> dict[str, int]: ...

    async def assign_case(
        self, case_number: str, agent_id: str | None, *, actor: str, automatic: bool = False
    ) -> CaseInfo: ...
