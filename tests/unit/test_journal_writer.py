"""The journal writer: rows of many calls per transaction, nothing lost on a failed write,
and `drain()` writes at once instead of waiting for more rows."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Sequence

from acd.telephony.journal import AgentStateRecord, JournalWriter
from crm.views import CallRecord

AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


class Batches:
    """Keeps each write's rows; fails the first `failures` writes like a locked database."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.states: list[list[str]] = []
        self.failures = failures

    async def journal_calls(self, records: Sequence[CallRecord]) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("database is locked")
        self.calls.append([r.call_id for r in records])

    async def record_agent_states(
        self, changes: Iterable[tuple[str, str, str | None, dt.datetime]]
    ) -> None:
        self.states.append([agent for agent, *_ in changes])


async def test_rows_recorded_together_share_one_write() -> None:
    batches = Batches()
    writer = JournalWriter(batches, linger=0.05)
    await writer.start()
    try:
        for n in range(3):
            writer.record(CallRecord(call_id=f"c{n}"))
        writer.record(AgentStateRecord("a1", "ready", None, AT))
        async with asyncio.timeout(5):
            await writer.drain()
    finally:
        await writer.stop()
    assert batches.calls == [["c0", "c1", "c2"]]
    assert batches.states == [["a1"]]


async def test_drain_does_not_wait_for_the_linger() -> None:
    batches = Batches()
    writer = JournalWriter(batches, linger=3600)
    await writer.start()
    try:
        writer.record(CallRecord(call_id="c1"))
        async with asyncio.timeout(5):
            await writer.drain()
        assert batches.calls == [["c1"]]
    finally:
        await writer.stop()


async def test_a_failed_write_is_retried_and_loses_no_row() -> None:
    batches = Batches(failures=2)
    writer = JournalWriter(batches, retry_delay=0.01, linger=0)
    await writer.start()
    try:
        writer.record(CallRecord(call_id="c1"))
        writer.record(CallRecord(call_id="c2"))
        async with asyncio.timeout(5):
            await writer.drain()
    finally:
        await writer.stop()
    assert batches.calls == [["c1", "c2"]]
