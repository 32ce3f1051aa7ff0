"""Journal rows the database refused, kept with the reason so an admin can see what was
not journaled and why (GET /api/journal/dead-letters)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import JournalDeadLetter

MAX_REASON = 2000


def safe_payload(row: Any) -> str:
    """ASCII JSON of `row` in plain types: lone surrogates and control characters are
    escaped, so the text is valid in any database encoding."""
    return json.dumps(_plain(row), ensure_ascii=True, sort_keys=True)


def safe_text(text: str, limit: int = MAX_REASON) -> str:
    """`text` without what a database cannot store (lone surrogates, NUL), cut to `limit`."""
    cleaned = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    return cleaned[:limit]


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


class DeadLetterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, kind: str, row: Any, reason: str, at: datetime) -> JournalDeadLetter:
        letter = JournalDeadLetter(
            kind=kind, payload=safe_payload(row), reason=safe_text(reason), created_at=at
        )
        self.session.add(letter)
        await self.session.flush()
        return letter

    async def newest(self, limit: int) -> Sequence[JournalDeadLetter]:
        result = await self.session.scalars(
            select(JournalDeadLetter).order_by(JournalDeadLetter.id.desc()).limit(limit)
        )
        return list(result)

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count(JournalDeadLetter.id))) or 0)
