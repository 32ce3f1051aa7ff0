"""The journal writer: rows of many calls per transaction, nothing lost on a failed write,
`drain()` writes at once instead of waiting for more rows, a row the database refuses is
set aside without holding back the others, and the backlog is bounded."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from acd.telephony.journal import AgentStateRecord, JournalWriter
from crm.errors import UnwritableRows
from crm.views import CallRecord

AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


class Batches:
    """Keeps each write's rows; fails the first `failures` writes like a locked database,
    and refuses (like the CRM does) any batch holding a call id or reason in `refused`."""

    def __init__(
        self, failures: int = 0, refused: frozenset[str] = frozenset(), letters_fail: bool = False
    ) -> None:
        self.calls: list[list[str]] = []
        self.states: list[list[str]] = []
        self.set_aside: list[tuple[str, Any, str]] = []
        self.failures = failures
        self.refused = refused
        self.letters_fail = letters_fail

    async def journal_calls(self, records: Sequence[CallRecord]) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("database is locked")
        if any(r.call_id in self.refused for r in records):
            raise UnwritableRows("calls.call_id: surrogates not allowed")
        self.calls.append([r.call_id for r in records])

    async def record_agent_states(
        self, changes: Iterable[tuple[str, str, str | None, dt.datetime]]
    ) -> None:
        rows = list(changes)
        if any(reason in self.refused for _, _, reason, _ in rows):
            raise UnwritableRows("agent_state_changes.reason holds at most 120 characters")
        self.states.append([agent for agent, *_ in rows])

    async def set_aside_journal_row(self, kind: str, row: Any, reason: str) -> None:
        if self.letters_fail:
            raise OSError("disk full")
        self.set_aside.append((kind, row, reason))


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


async def test_a_refused_row_is_set_aside_and_the_rows_around_it_are_written() -> None:
    long_reason = "r" * 500
    batches = Batches(refused=frozenset({"bad", long_reason}))
    writer = JournalWriter(batches, linger=3600)
    await writer.start()
    try:
        for call_id in ("c1", "c2", "bad", "c3", "c4"):
            writer.record(CallRecord(call_id=call_id))
        writer.record(AgentStateRecord("a1", "paused", "lunch", AT))
        writer.record(AgentStateRecord("a2", "paused", long_reason, AT))
        writer.record(AgentStateRecord("a3", "ready", None, AT))
        async with asyncio.timeout(5):
            await writer.drain()
        # Rows recorded after the bad ones are written too: nothing piles up behind them.
        writer.record(CallRecord(call_id="c5"))
        async with asyncio.timeout(5):
            await writer.drain()
    finally:
        await writer.stop()
    assert [c for batch in batches.calls for c in batch] == ["c1", "c2", "c3", "c4", "c5"]
    assert [a for batch in batches.states for a in batch] == ["a1", "a3"]
    assert [(kind, reason) for kind, _, reason in batches.set_aside] == [
        ("call", "calls.call_id: surrogates not allowed"),
        ("agent_state", "agent_state_changes.reason holds at most 120 characters"),
    ]
    assert batches.set_aside[1][1] == AgentStateRecord("a2", "paused", long_reason, AT)
    stats = writer.stats
    assert (stats.backlog, stats.written, stats.dead_letters) == (0, 7, 2)


async def test_a_dead_letter_that_cannot_be_written_is_counted_and_blocks_nothing() -> None:
    batches = Batches(refused=frozenset({"bad"}), letters_fail=True)
    writer = JournalWriter(batches, linger=0)
    await writer.start()
    try:
        writer.record(CallRecord(call_id="bad"))
        writer.record(CallRecord(call_id="c1"))
        async with asyncio.timeout(5):
            await writer.drain()
    finally:
        await writer.stop()
    assert [c for batch in batches.calls for c in batch] == ["c1"]
    assert (writer.stats.dead_letters, writer.stats.dead_letter_failures) == (0, 1)


async def test_a_full_backlog_refuses_new_rows_and_counts_them() -> None:
    batches = Batches()
    writer = JournalWriter(batches, max_backlog=3)  # not started: the database is away
    for n in range(5):
        writer.record(CallRecord(call_id=f"c{n}"))
    assert (writer.stats.backlog, writer.stats.dropped) == (3, 2)
    await writer.start()
    try:
        async with asyncio.timeout(5):
            await writer.drain()
    finally:
        await writer.stop()
    assert batches.calls == [["c0", "c1", "c2"]]
