"""Telling a write the database will never accept (bad data) from one that may pass
later (a lost connection, a locked SQLite file): the journal retries the second kind and
sets the first aside. Only this module knows SQLAlchemy's and the drivers' exceptions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from crm.db.models import Base
from crm.db.unit_of_work import WriteConflict
from crm.errors import UnwritableRows

# SQLSTATE classes of PostgreSQL: 22 data exception, 23 integrity constraint violation.
_DATA_SQLSTATE_CLASSES = ("22", "23")


def check_lengths(table_name: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Raises UnwritableRows for a text longer than its String(n) column. PostgreSQL
    refuses such a row and SQLite would store it: checked here, both behave alike."""
    limits = {
        column.name: column.type.length
        for column in Base.metadata.tables[table_name].columns
        if isinstance(column.type, String) and column.type.length
    }
    for row in rows:
        for name, limit in limits.items():
            value = row.get(name)
            if isinstance(value, str) and len(value) > limit:
                raise UnwritableRows(
                    f"{table_name}.{name} holds at most {limit} characters, got {len(value)}",
                    column=name,
                )


def is_data_error(exc: BaseException) -> bool:
    """True when the failure comes from the rows themselves, so a retry cannot help."""
    if isinstance(exc, (UnwritableRows, WriteConflict, UnicodeError, ValueError, TypeError)):
        # sqlite3 raises UnicodeEncodeError itself for a lone surrogate; our column types
        # raise ValueError (a naive datetime).
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return False
        if isinstance(exc, (DataError, IntegrityError)):
            return True
        state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if isinstance(state, str) and state[:2] in _DATA_SQLSTATE_CLASSES:
            return True
        # asyncpg refuses a value it cannot encode before sending it ("invalid input for
        # query argument"), with the UnicodeEncodeError as the cause.
        return _caused_by_value(exc.orig)
    # A StatementError that is no DBAPIError failed binding a value, before the driver.
    return isinstance(exc, StatementError)


def _caused_by_value(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (UnicodeError, ValueError, TypeError)):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
