"""Agent state transitions, the source of time-in-state statistics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db.models import AgentStateChange, Base


class AgentStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, changes: Sequence[Mapping[str, Any]]) -> None:
        """Core executemany: one statement for a whole batch of transitions."""
        if changes:
            await self.session.execute(
                insert(Base.metadata.tables["agent_state_changes"]), list(changes)
            )

    async def between(
        self, agent_id: str, start: datetime, end: datetime
    ) -> list[AgentStateChange]:
        rows = await self.session.scalars(
            select(AgentStateChange)
            .where(
                AgentStateChange.agent_id == agent_id,
                AgentStateChange.at >= start,
                AgentStateChange.at < end,
            )
            .order_by(AgentStateChange.at, AgentStateChange.id)
        )
        return list(rows)

    async def last_before(self, agent_id: str, when: datetime) -> AgentStateChange | None:
        rows = await self.session.scalars(
            select(AgentStateChange)
            .where(AgentStateChange.agent_id == agent_id, AgentStateChange.at < when)
            .order_by(AgentStateChange.at.desc(), AgentStateChange.id.desc())
            .limit(1)
        )
        return rows.first()

    async def latest(self, agent_ids: Iterable[str]) -> dict[str, AgentStateChange]:
        """Each agent's last stored transition (the journal writes them in order)."""
        ids = list(agent_ids)
        last_ids = (
            select(func.max(AgentStateChange.id))
            .where(AgentStateChange.agent_id.in_(ids))
            .group_by(AgentStateChange.agent_id)
        )
        rows = await self.session.scalars(
            select(AgentStateChange).where(AgentStateChange.id.in_(last_ids))
        )
        return {row.agent_id: row for row in rows}


__all__ = ["AgentStateRepository"]
