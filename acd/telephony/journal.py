"""Writes finished calls and agent state changes to the CRM off the call-flow path,
in order, with retries."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from crm.views import CallRecord

log = structlog.get_logger(__name__)

MAX_BATCH = 500
# How long the writer lets rows gather before a write: one transaction for the rows of
# many calls instead of several per call (a statement costs far more than a row).
LINGER_S = 0.25


@dataclass(frozen=True)
class AgentStateRecord:
    agent_id: str
    state: str
    reason: str | None
    at: datetime


class Recorder(Protocol):
    async def journal_calls(self, records: Sequence[CallRecord]) -> None: ...

    async def record_agent_states(
        self, changes: Iterable[tuple[str, str, str | None, datetime]]
    ) -> None: ...


class JournalWriter:
    """A queue of journal rows drained by one task; a failed write is retried
    with backoff so a database hiccup loses no call."""

    def __init__(
        self, recorder: Recorder, retry_delay: float = 0.5, linger: float = LINGER_S
    ) -> None:
        self._recorder = recorder
        self._retry_delay = retry_delay
        self._linger = linger
        self._queue: asyncio.Queue[CallRecord | AgentStateRecord] = asyncio.Queue()
        self._flush = asyncio.Event()  # set while someone waits in drain(): no linger
        self._task: asyncio.Task[None] | None = None

    def record(self, record: CallRecord | AgentStateRecord) -> None:
        self._queue.put_nowait(record)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="journal")

    async def drain(self) -> None:
        """Write what is queued without lingering; return once every row recorded so
        far is written."""
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
            delay = self._retry_delay
            while True:
                try:
                    await self._write(batch)
                    break
                except Exception:
                    log.exception("journal_write_failed", rows=len(batch), retry_in=delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30)
            for _ in batch:
                self._queue.task_done()

    async def _write(self, batch: list[CallRecord | AgentStateRecord]) -> None:
        # Calls first: a wrap-up time updates a row the same batch may create.
        calls = [r for r in batch if isinstance(r, CallRecord)]
        states = [r for r in batch if isinstance(r, AgentStateRecord)]
        if calls:
            await self._recorder.journal_calls(calls)
        if states:
            await self._recorder.record_agent_states(
                (r.agent_id, r.state, r.reason, r.at) for r in states
            )
