"""What every CRM service is built with, and the checks and helpers they share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from crm.clock import Clock
from crm.db.dead_letters import safe_text
from crm.db.faults import is_data_error
from crm.db.models import Case
from crm.db.unit_of_work import UnitOfWork, WriteConflict
from crm.domain.cases import CaseStatus, Priority, Severity, Visibility
from crm.errors import CaseClosed, InvalidValue, UnknownCase, UnwritableRows
from crm.links import CaseLinks
from crm.notifications import NotificationHub
from crm.settings import CrmSettings

UowFactory = Callable[[], UnitOfWork]
_E = TypeVar("_E", CaseStatus, Priority, Severity, Visibility)
_T = TypeVar("_T")

AUTO_CLOSE_ACTOR = "system:auto_close"


@dataclass(frozen=True)
class CrmContext:
    uow: UowFactory
    clock: Clock
    settings: CrmSettings
    hub: NotificationHub
    links: CaseLinks | None = None


async def require_case(uow: UnitOfWork, number: str, *, for_update: bool = False) -> Case:
    case_ = await uow.cases.get_by_number(number.strip(), for_update=for_update)
    if case_ is None:
        raise UnknownCase(f"no case {number!r}", case_number=number)
    return case_


async def require_open_case(uow: UnitOfWork, number: str) -> Case:
    """A case that can still be worked on (S8: not closed)."""
    case_ = await require_case(uow, number, for_update=True)
    if case_.status == CaseStatus.CLOSED.value:
        raise CaseClosed(f"case {number} is closed", case_number=number)
    return case_


def touch(case_: Case, now: datetime) -> None:
    case_.updated_at = now
    case_.last_activity_at = now


def parse_enum(enum: type[_E], value: _E | str, field_name: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        raise InvalidValue(f"unknown {field_name} {value!r}", field=field_name) from None


@contextmanager
def refused_as_unwritable() -> Iterator[None]:
    """Data errors of a write become UnwritableRows; faults that may pass (a lost
    connection, a locked database) propagate as they are, to be retried."""
    try:
        yield
    except UnwritableRows:
        raise
    except Exception as exc:
        if is_data_error(exc):
            raise UnwritableRows(safe_text(f"{type(exc).__name__}: {exc}")) from exc
        raise


async def again_on_conflict(work: Callable[[], Awaitable[_T]]) -> _T:
    """Run a unit of work once more if a concurrent one inserted the same row first."""
    try:
        return await work()
    except WriteConflict:
        return await work()
