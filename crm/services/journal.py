"""The call journal (S7, D8): calls and agent states as the telephony reports them,
written in batches; rows the database refuses are set aside, not lost."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from crm.db.faults import check_lengths
from crm.db.repositories.calls import new_call_row
from crm.domain.journal import CallOutcome, Direction
from crm.phone import normalize_or_raw
from crm.services.context import CrmContext, again_on_conflict, refused_as_unwritable
from crm.services.mappers import call_entry, call_payload
from crm.services.outbox import Outbox
from crm.views import CallEntry, CallRecord


class JournalService:
    def __init__(self, ctx: CrmContext, outbox: Outbox) -> None:
        self._ctx = ctx
        self._outbox = outbox

    async def record_call(self, record: CallRecord) -> CallEntry:
        """S7: create or update the journal row of `record.call_id`; fields left None keep
        their stored value. Emits `call.started` on creation and `call.ended` once."""
        return (await self.record_calls([record]))[0]

    async def record_calls(self, records: Sequence[CallRecord]) -> list[CallEntry]:
        """`record_call` for several rows in one transaction, in order: a call the batch
        touches twice (its end, then its wrap-up time) is merged before it is written.
        A few statements per batch, whatever its size."""
        # A ticket may insert one of these calls meanwhile: then it is an update.
        entries = await again_on_conflict(partial(self._record_calls, records, True))
        return [entries[r.call_id] for r in records]

    async def journal_calls(self, records: Sequence[CallRecord]) -> None:
        """`record_calls` for the journal writer's batches: no entries are built unless a
        webhook wants them. Raises UnwritableRows when the database refuses their data."""
        with refused_as_unwritable():
            await again_on_conflict(partial(self._record_calls, records, False))

    async def close_lost_calls(
        self, keep: Collection[str], started_before: datetime, at: datetime
    ) -> int:
        """Close as lost, ended `at`, the rows still open of calls started before
        `started_before` (a previous server's) except those in `keep` (taken up by this
        one): they ended while no server was listening. Returns how many were closed."""
        async with self._ctx.uow() as uow:
            open_ids = await uow.calls.open_call_ids(started_before)
        lost = [
            CallRecord(call_id, ended_at=at, outcome=CallOutcome.LOST)
            for call_id in sorted(open_ids.difference(keep))
        ]
        if lost:
            with refused_as_unwritable():
                await again_on_conflict(partial(self._record_calls, lost, False))
        return len(lost)

    async def _record_calls(
        self, records: Sequence[CallRecord], want_entries: bool
    ) -> dict[str, CallEntry]:
        region = self._ctx.settings.default_region
        # A call's rows in one batch (its start, its steps, its end) carry the same
        # numbers: each is parsed once.
        numbers: dict[str, str | None] = {}

        def normalized(raw: str) -> str | None:
            if raw not in numbers:
                numbers[raw] = normalize_or_raw(raw, region)
            return numbers[raw]

        async with self._ctx.uow() as uow:
            stored = await uow.calls.rows_by_call_id({r.call_id for r in records})
            rows: dict[str, dict[str, Any]] = {}
            was_ended: dict[str, bool] = {}
            for record in records:
                row = rows.get(record.call_id)
                if row is None:
                    row = stored.get(record.call_id) or self._new_row(record)
                    rows[record.call_id] = row
                    was_ended[record.call_id] = row["ended_at"] is not None
                _apply_call_record(row, record, normalized)
            unknown = {
                row["remote_number"]
                for row in rows.values()
                if row["customer_id"] is None and row["remote_number"]
            }
            if unknown:
                owners = await uow.customers.latest_ids_for_phones(unknown)
                for row in rows.values():
                    if row["customer_id"] is None:
                        row["customer_id"] = owners.get(row["remote_number"])
            check_lengths("calls", rows.values())
            await uow.calls.insert_rows([r for r in rows.values() if "id" not in r])
            await uow.calls.update_rows([r for r in rows.values() if "id" in r])
            entries: dict[str, CallEntry] = {}
            if want_entries or self._outbox.subscribed("call.started", "call.ended"):
                entries = {call_id: call_entry(row) for call_id, row in rows.items()}
            for call_id, entry in entries.items():
                if call_id not in stored:
                    await self._outbox.emit(uow, "call.started", {"call": call_payload(entry)})
                if entry.ended_at is not None and not was_ended[call_id]:
                    await self._outbox.emit(uow, "call.ended", {"call": call_payload(entry)})
            await uow.commit()
        return entries

    def _new_row(self, record: CallRecord) -> dict[str, Any]:
        return new_call_row(
            call_id=record.call_id,
            direction=Direction.INBOUND.value,
            agent_ids=[],
            started_at=(
                record.started_at
                or record.enqueued_at
                or record.offered_at
                or self._ctx.clock.now()
            ),
        )

    async def call_history(self, phone_number: str, limit: int = 50) -> list[CallEntry]:
        """S7: every call with this number (inbound from it, outbound to it), newest first."""
        number = normalize_or_raw(phone_number, self._ctx.settings.default_region)
        if number is None:
            return []
        async with self._ctx.uow() as uow:
            return [call_entry(c) for c in await uow.calls.history(number, limit)]

    async def record_agent_states(
        self, changes: Iterable[tuple[str, str, str | None, datetime]]
    ) -> None:
        """D8: log agent state transitions, each (agent id, state, reason, when), the
        source of time-in-state statistics."""
        rows = [
            {"agent_id": agent_id, "state": state, "reason": reason, "at": at}
            for agent_id, state, reason, at in changes
        ]
        with refused_as_unwritable():
            check_lengths("agent_state_changes", rows)
            async with self._ctx.uow() as uow:
                await uow.agent_states.add_many(rows)
                await uow.commit()

    async def last_agent_states(
        self, agent_ids: Iterable[str]
    ) -> dict[str, tuple[str, str | None]]:
        """Each agent's last stored state and reason, so a restarted server puts agents
        back as they were; agents never journaled are left out."""
        async with self._ctx.uow() as uow:
            latest = await uow.agent_states.latest(agent_ids)
        return {agent: (row.state, row.reason) for agent, row in latest.items()}

    async def set_aside_journal_row(self, kind: str, row: Any, reason: str) -> None:
        """Keep a journal row the database refused (`kind` "call" or "agent_state"),
        its fields as ASCII JSON, so it is seen and the rows behind it go on."""
        async with self._ctx.uow() as uow:
            await uow.dead_letters.add(kind, row, reason, self._ctx.clock.now())
            await uow.commit()


_CALL_RECORD_FIELDS = (
    "ivr_path",
    "queue",
    "agent_id",
    "enqueued_at",
    "offered_at",
    "answered_at",
    "ended_at",
    "wait_s",
    "talk_s",
    "wrapup_s",
    "case_id",
    "customer_id",
    "uniqueid",
    "linkedid",
    "started_at",
)


def _apply_call_record(
    row: dict[str, Any], record: CallRecord, normalized: Callable[[str], str | None]
) -> None:
    """Fold `record` into a journal row: fields left None keep their value."""
    for name in _CALL_RECORD_FIELDS:
        value = getattr(record, name)
        if value is not None:
            row[name] = value
    if record.direction is not None:
        row["direction"] = Direction(record.direction).value
    if record.outcome is not None:
        row["outcome"] = CallOutcome(record.outcome).value
    if record.caller_number is not None:
        row["caller_number"] = normalized(record.caller_number)
    if record.dialled_number is not None:
        row["dialled_number"] = normalized(record.dialled_number)
    agents = list(row["agent_ids"] or ())
    for agent in [*(record.agent_ids or ()), *([record.agent_id] if record.agent_id else [])]:
        if agent not in agents:
            agents.append(agent)
    row["agent_ids"] = agents
    outbound = row["direction"] == Direction.OUTBOUND.value
    row["remote_number"] = row["dialled_number"] if outbound else row["caller_number"]
