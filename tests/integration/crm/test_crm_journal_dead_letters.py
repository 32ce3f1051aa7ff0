"""The journal writer on a real database: a row the database refuses (a lone surrogate,
a pause reason longer than its column) is set aside as a dead letter and every row
around it is written."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from acd.telephony.journal import AgentStateRecord, JournalWriter
from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.services import CrmService
from crm.views import CallRecord

NUMBER = "0612345678"


async def test_refused_journal_rows_become_dead_letters_and_the_others_are_written(
    service: CrmService, uow_factory: UnitOfWorkFactory, clock: FakeClock
):  # S7 D8
    at = clock.now()
    long_reason = "r" * 500
    writer = JournalWriter(service, linger=3600)
    await writer.start()
    try:
        writer.record(CallRecord(call_id="c1", caller_number=NUMBER, started_at=at))
        writer.record(
            CallRecord(call_id="c2", caller_number=NUMBER, ivr_path="main>\ud800", started_at=at)
        )
        writer.record(CallRecord(call_id="c3", caller_number=NUMBER, started_at=at))
        writer.record(AgentStateRecord("alice", "paused", "lunch", at))
        writer.record(AgentStateRecord("alice", "paused", long_reason, at))
        writer.record(AgentStateRecord("alice", "ready", None, at))
        async with asyncio.timeout(10):
            await writer.drain()
        # What comes after the bad rows is written too.
        writer.record(CallRecord(call_id="c4", caller_number=NUMBER, started_at=at))
        async with asyncio.timeout(10):
            await writer.drain()
        stats = writer.stats
    finally:
        await writer.stop()

    history = await service.call_history(NUMBER)
    assert sorted(entry.call_id for entry in history) == ["c1", "c3", "c4"]
    async with uow_factory() as uow:
        states = await uow.agent_states.between("alice", at, at + timedelta(seconds=1))
    assert [(s.state, s.reason) for s in states] == [("paused", "lunch"), ("ready", None)]

    letters = await service.journal_dead_letters(limit=10)
    assert [letter.kind for letter in letters] == ["agent_state", "call"]  # newest first
    state_letter, call_letter = letters
    assert state_letter.payload["reason"] == long_reason
    assert "120" in state_letter.reason
    assert call_letter.payload["call_id"] == "c2"
    assert call_letter.payload["ivr_path"] == "main>\ud800"  # kept as sent, escaped in JSON
    assert call_letter.reason
    assert (stats.backlog, stats.written, stats.dead_letters, stats.dropped) == (0, 5, 2, 0)


async def test_a_caller_number_that_is_not_valid_text_is_journaled_made_safe(
    service: CrmService, clock: FakeClock
):  # S7
    entry = await service.record_call(
        CallRecord(call_id="c1", caller_number="anonym\ud800us" + "x" * 40, started_at=clock.now())
    )
    assert entry.caller_number == "anonym?us" + "x" * 23  # 32 characters, the column's length
