"""What monitoring asks of the database: is it reachable and how fast, and how many mails
and webhook calls wait in the outboxes or gave up."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute

from crm.db.models import OutboxMail, WebhookDelivery


@dataclass(frozen=True)
class OutboxCounts:
    pending: int  # not gone out yet and not given up
    failed: int  # gave up after the configured attempts


class DatabaseMonitor:
    """Read-only probes on the server's engine; every call takes one pooled connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ping(self) -> float:
        """The seconds a trivial query takes, connection included; raises when the
        database cannot be reached."""
        started = time.perf_counter()
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return time.perf_counter() - started

    async def outbox_counts(self) -> dict[str, OutboxCounts]:
        """Pending and failed rows of each outbox: "mail" and "webhook"."""
        async with self._engine.connect() as connection:
            return {
                "mail": await _counts(connection, OutboxMail, OutboxMail.sent_at),
                "webhook": await _counts(connection, WebhookDelivery, WebhookDelivery.delivered_at),
            }


async def _counts(
    connection: AsyncConnection,
    model: type[OutboxMail] | type[WebhookDelivery],
    done: InstrumentedAttribute[datetime | None],
) -> OutboxCounts:
    failed = model.failed_at.is_not(None)
    row = (
        await connection.execute(
            select(
                func.count(model.id).filter(done.is_(None), ~failed),
                func.count(model.id).filter(failed),
            )
        )
    ).one()
    return OutboxCounts(pending=int(row[0] or 0), failed=int(row[1] or 0))
