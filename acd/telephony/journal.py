"""Writes calls (from their start, completed at their end) and agent state changes to
the CRM off the call-flow path, in order, with retries; a row the database refuses is
set aside, never retried forever."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import structlog

from acd.telephony.ports import JournalRecorder
from crm.errors import UnwritableRows
from crm.views import CallRecord

log = structlog.get_logger(__name__)

MAX_BATCH = 500
# How long the writer lets rows gather before a write: one transaction for the rows of
# many calls instead of several per call (a statement costs far more than a row).
LINGER_S = 0.25
# Rows the writer holds while the database is away; beyond, new rows are refused.
MAX_BACKLOG = 100_000


@dataclass(frozen=True)
class AgentStateRecord:
    agent_id: str
    state: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class LostCallsSweep:
    """Close the rows still open that a previous process started (before `started_before`)
    and whose call is not in `keep` (the calls this process took up): Asterisk dropped
    them while no server was listening."""

    keep: frozenset[str]
    started_before: datetime
    at: datetime


JournalRow = CallRecord | AgentStateRecord | LostCallsSweep


@dataclass(frozen=True)
class JournalStats:
    backlog: int  # rows recorded and not yet written or set aside
    written: int
    dead_letters: int  # rows the database refused, kept in journal_dead_letters
    dead_letter_failures: int  # refused rows whose dead letter could not be written either
    dropped: int  # rows refused because the backlog was full


class JournalWriter:
    """A bounded queue of journal rows drained by one task. A write that fails for a
    reason that may pass (database down or locked) is retried with backoff, so a hiccup
    loses no call; rows the database refuses for their data are found by halving the
    batch and set aside as dead letters, so one bad row never holds back the others.
    When the backlog is full (a long outage), a new row is refused, counted and logged."""

    def __init__(
        self,
        recorder: JournalRecorder,
        retry_delay: float = 0.5,
        linger: float = LINGER_S,
        max_backlog: int = MAX_BACKLOG,
    ) -> None:
        self._recorder = recorder
        self._retry_delay = retry_delay
        self._linger = linger
        self._queue: asyncio.Queue[JournalRow] = asyncio.Queue(max_backlog)
        self._flush = asyncio.Event()  # set while someone waits in drain(): no linger
        self._task: asyncio.Task[None] | None = None
        self._in_flight = 0
        self._written = 0
        self._dead_letters = 0
        self._dead_letter_failures = 0
        self._dropped = 0

    def record(self, record: JournalRow) -> None:
        try:
            self._queue.put_nowait(record)
        except asyncio.QueueFull:
            self._dropped += 1
            log.warning(
                "journal_row_dropped",
                backlog=self._queue.qsize(),
                dropped=self._dropped,
                **_identity(record),
            )

    @property
    def stats(self) -> JournalStats:
        return JournalStats(
            backlog=self._queue.qsize() + self._in_flight,
            written=self._written,
            dead_letters=self._dead_letters,
            dead_letter_failures=self._dead_letter_failures,
            dropped=self._dropped,
        )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="journal")

    async def drain(self) -> None:
        """Write what is queued without lingering; return once every row recorded so
        far is written or set aside."""
        self._flush.set()
        try:
            await self._queue.join()
        finally:
            self._flush.clear()

    async def stop(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self.drain()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            # Whatever queues up within the linger goes in one transaction per kind; a
            # backlog of a full batch is written at once.
            batch = [await self._queue.get()]
            if self._queue.qsize() < MAX_BATCH and not self._flush.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._linger):
                        await self._flush.wait()
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            self._in_flight = len(batch)
            # Calls first: a wrap-up time updates a row the same batch may create.
            await self._write([r for r in batch if isinstance(r, CallRecord)])
            await self._write([r for r in batch if isinstance(r, AgentStateRecord)])
            # After the rows: a sweep never closes a row this batch completes.
            for sweep in (r for r in batch if isinstance(r, LostCallsSweep)):
                await self._write([sweep])
            self._in_flight = 0
            for _ in batch:
                self._queue.task_done()

    async def _write(self, rows: Sequence[JournalRow]) -> None:
        """Rows of one kind, in order. Refused data: halves are written in turn until
        the refused rows stand alone, then those are set aside."""
        if not rows:
            return
        delay = self._retry_delay
        while True:
            try:
                await self._write_once(rows)
            except UnwritableRows as exc:
                if len(rows) == 1:
                    await self._set_aside(rows[0], exc.message)
                    return
                middle = len(rows) // 2
                await self._write(rows[:middle])
                await self._write(rows[middle:])
                return
            except Exception:
                log.exception("journal_write_failed", rows=len(rows), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
            else:
                self._written += len(rows)
                return

    async def _write_once(self, rows: Sequence[JournalRow]) -> None:
        if isinstance(rows[0], CallRecord):
            await self._recorder.journal_calls(cast(Sequence[CallRecord], rows))
        elif isinstance(rows[0], LostCallsSweep):
            sweep = rows[0]
            closed = await self._recorder.close_lost_calls(
                sweep.keep, sweep.started_before, sweep.at
            )
            log.info("journal_lost_calls_closed", count=closed)
        else:
            await self._recorder.record_agent_states(
                (r.agent_id, r.state, r.reason, r.at)
                for r in cast(Sequence[AgentStateRecord], rows)
            )

    async def _set_aside(self, row: JournalRow, reason: str) -> None:
        if isinstance(row, LostCallsSweep):
            # Nothing to keep: the rows stay open, and the next start sweeps them again.
            log.error("journal_lost_calls_refused", reason=reason)
            return
        kind = "call" if isinstance(row, CallRecord) else "agent_state"
        log.error("journal_row_set_aside", reason=reason, **_identity(row))
        try:
            await self._recorder.set_aside_journal_row(kind, row, reason)
        except Exception:
            # Never block the rows behind it: the row is lost, and counted.
            self._dead_letter_failures += 1
            log.exception("journal_dead_letter_failed", **_identity(row))
        else:
            self._dead_letters += 1


def _identity(row: JournalRow) -> dict[str, Any]:
    """The fields that name a row in a log line, made printable."""
    if isinstance(row, CallRecord):
        fields = {"call_id": row.call_id}
    elif isinstance(row, LostCallsSweep):
        fields = {"started_before": row.started_before.isoformat()}
    else:
        fields = {"agent_id": row.agent_id, "state": row.state, "at": row.at.isoformat()}
    return {k: ascii(v)[1:-1] for k, v in fields.items()}
