"""Prometheus metrics: the one module that knows them (docs/operations.md lists each).

Counters and histograms of what happened are fed from the event bus by one task; gauges of
live state (waiting calls, agents by state, the AMI link, the journal) are read from the
live objects at scrape time by a custom collector, so they can never drift from them. The
database is probed just before each scrape (`refresh`), as collectors cannot await.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from acd import routing
from acd.bus import EventBus
from acd.telephony.events import CallConnected, CallEnded, CallOverflowedEvent, CallQueuedEvent
from acd.telephony.journal import JournalWriter
from acd.telephony.ports import JournalRecorder
from acd.telephony.service import TelephonyService
from crm.db.monitoring import DatabaseMonitor, OutboxCounts
from crm.views import CallRecord

log = structlog.get_logger(__name__)

# A scrape waits this long for the database before reporting it down.
PROBE_TIMEOUT_S = 2.0
# Calls without a queue (hung up in the IVR, outbound) are counted under this label.
NO_QUEUE = "none"
# Caller queued -> agent answered: seconds for a contact centre, minutes for a callback.
DISPATCH_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)
JOURNAL_WRITE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

_BUS_EVENTS = (CallQueuedEvent, CallOverflowedEvent, CallConnected, CallEnded)


class Metrics:
    """The server's registry. Built before the journal writer (whose writes it times);
    `watch` adds the live-state gauges once the call flow exists."""

    def __init__(self, bus: EventBus, database: DatabaseMonitor) -> None:
        self._bus = bus
        self._database = database
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self._calls = Counter(
            "acd_calls",
            "Calls ended, by outcome and by the queue they were last in.",
            ["queue", "outcome"],
            registry=self.registry,
        )
        self._dispatch = Histogram(
            "acd_dispatch_seconds",
            "From the caller entering a queue to an agent answering, by queue.",
            ["queue"],
            buckets=DISPATCH_BUCKETS,
            registry=self.registry,
        )
        self._journal_write = Histogram(
            "acd_journal_write_seconds",
            "One journal batch written to the database, by kind of row (failed tries too).",
            ["kind"],
            buckets=JOURNAL_WRITE_BUCKETS,
            registry=self.registry,
        )
        # Bus bookkeeping of calls between their events (the bus events do not repeat it).
        self._queue_of: dict[str, str] = {}
        self._queued_at: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self.database_probe = _NOT_PROBED

    def timed_recorder(self, recorder: JournalRecorder) -> JournalRecorder:
        """`recorder` with each journal batch timed."""
        return _TimedRecorder(recorder, self._journal_write)

    def watch(self, telephony: TelephonyService, journal: JournalWriter) -> None:
        """Expose the live state of the call flow and the journal writer."""
        self.registry.register(_LiveState(telephony, journal, self))

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="metrics")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def refresh(self) -> None:
        """Probe the database, for the scrape that follows."""
        self.database_probe = await DatabaseProbe.run(self._database)

    async def _run(self) -> None:
        with self._bus.subscribe(_BUS_EVENTS) as queue:
            while True:
                event = await queue.get()
                try:
                    self.on_event(event, time.monotonic())
                except Exception:
                    # A metric must never stop the counting of the next calls.
                    log.exception("metrics_event_failed", event=type(event).__name__)

    def on_event(self, event: Any, now: float) -> None:
        """Count one bus event received at `now` (monotonic seconds)."""
        if isinstance(event, CallQueuedEvent):
            self._queue_of[event.call_id] = event.queue
            self._queued_at.setdefault(event.call_id, now)
        elif isinstance(event, CallOverflowedEvent):
            # The wait goes on in the overflow queue; the dispatch is counted there.
            self._queue_of[event.call_id] = event.to_queue
        elif isinstance(event, CallConnected):
            queued_at = self._queued_at.pop(event.call_id, None)
            if queued_at is not None:
                queue = event.queue or self._queue_of.get(event.call_id, NO_QUEUE)
                self._dispatch.labels(queue).observe(now - queued_at)
        elif isinstance(event, CallEnded):
            self._queued_at.pop(event.uniqueid, None)
            queue = self._queue_of.pop(event.uniqueid, NO_QUEUE)
            self._calls.labels(queue, event.outcome or "unknown").inc()


@dataclass(frozen=True)
class DatabaseProbe:
    """One probe's result: reachable (with its latency and outbox counts) or not."""

    seconds: float | None  # None: the probe failed
    outboxes: dict[str, OutboxCounts]

    @classmethod
    async def run(cls, database: DatabaseMonitor, timeout: float = PROBE_TIMEOUT_S) -> Self:
        try:
            async with asyncio.timeout(timeout):
                seconds = await database.ping()
                outboxes = await database.outbox_counts()
        except Exception as exc:
            log.warning("database_probe_failed", error=str(exc) or type(exc).__name__)
            return cls(None, {})
        return cls(seconds, outboxes)


_NOT_PROBED = DatabaseProbe(None, {})


class _LiveState(Collector):
    """Gauges read from the live objects at each scrape."""

    def __init__(self, telephony: TelephonyService, journal: JournalWriter, metrics: Metrics):
        self._telephony = telephony
        self._journal = journal
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield from self._queues()
        yield from self._agents()
        yield from self._ami()
        yield from self._journal_stats()
        yield from self._database()

    def _queues(self) -> Iterable[Metric]:
        router = self._telephony.router
        waiting = GaugeMetricFamily(
            "acd_calls_waiting",
            "Callers in the queue not yet answered (ringing an agent included).",
            labels=["queue"],
        )
        longest = GaugeMetricFamily(
            "acd_longest_wait_seconds",
            "The longest current wait in the queue, 0 when it is empty.",
            labels=["queue"],
        )
        now = asyncio.get_running_loop().time()
        for name in router.queue_names():
            calls = router.queue_snapshot(name).calls
            waiting.add_metric([name], len(calls))
            # The core's waits are as of its last event; the wallboard's are as of now.
            longest.add_metric(
                [name], max((max(c.wait, now - c.queue_entered_at) for c in calls), default=0.0)
            )
        live = GaugeMetricFamily(
            "acd_live_calls", "Calls the server is handling (IVR, waiting, connected)."
        )
        live.add_metric([], len(self._telephony.calls))
        return (waiting, longest, live)

    def _agents(self) -> Iterable[Metric]:
        by_state = dict.fromkeys(routing.AgentState, 0)
        for view in self._telephony.router.agents():
            by_state[view.state] += 1
        agents = GaugeMetricFamily("acd_agents", "Agents in each state.", labels=["state"])
        for state, count in by_state.items():
            agents.add_metric([state.value], count)
        return (agents,)

    def _ami(self) -> Iterable[Metric]:
        ami = self._telephony.ami
        connected = GaugeMetricFamily("acd_ami_connected", "1 while logged in to Asterisk's AMI.")
        connected.add_metric([], 1 if ami is not None and ami.connected else 0)
        yield connected
        if ami is None:
            return
        reconnects = CounterMetricFamily(
            "acd_ami_reconnects", "Logins to the AMI after the first one (the link was rebuilt)."
        )
        reconnects.add_metric([], max(ami.logins - 1, 0))
        yield reconnects
        malformed = CounterMetricFamily(
            "acd_ami_malformed_messages", "AMI frames dropped as malformed; the link stayed up."
        )
        malformed.add_metric([], ami.malformed_messages)
        yield malformed
        if ami.event_lag is not None:
            lag = GaugeMetricFamily(
                "acd_ami_event_lag_seconds",
                "Asterisk's timestamp of the last event to its arrival here (clock skew included).",
            )
            lag.add_metric([], ami.event_lag)
            yield lag

    def _journal_stats(self) -> Iterable[Metric]:
        stats = self._journal.stats
        backlog = GaugeMetricFamily(
            "acd_journal_backlog", "Journal rows recorded and not yet written or set aside."
        )
        backlog.add_metric([], stats.backlog)
        yield backlog
        for name, value, help_text in (
            ("acd_journal_rows_written", stats.written, "Journal rows written."),
            (
                "acd_journal_dead_letters",
                stats.dead_letters,
                "Journal rows the database refused, kept as dead letters.",
            ),
            (
                "acd_journal_dead_letter_failures",
                stats.dead_letter_failures,
                "Refused journal rows whose dead letter could not be written either (lost).",
            ),
            (
                "acd_journal_rows_dropped",
                stats.dropped,
                "Journal rows refused because the backlog was full (lost).",
            ),
        ):
            counter = CounterMetricFamily(name, help_text)
            counter.add_metric([], value)
            yield counter

    def _database(self) -> Iterable[Metric]:
        probe = self._metrics.database_probe
        up = GaugeMetricFamily("acd_database_up", "1 when the last probe query succeeded.")
        up.add_metric([], 0 if probe.seconds is None else 1)
        yield up
        if probe.seconds is not None:
            seconds = GaugeMetricFamily(
                "acd_database_probe_seconds", "Time of the probe query, connection included."
            )
            seconds.add_metric([], probe.seconds)
            yield seconds
        if not probe.outboxes:
            return
        pending = GaugeMetricFamily(
            "acd_outbox_pending", "Mails or webhook calls waiting to go out.", labels=["outbox"]
        )
        failed = GaugeMetricFamily(
            "acd_outbox_failed", "Mails or webhook calls that gave up.", labels=["outbox"]
        )
        for outbox, counts in probe.outboxes.items():
            pending.add_metric([outbox], counts.pending)
            failed.add_metric([outbox], counts.failed)
        yield pending
        yield failed


class _TimedRecorder:
    """A journal recorder whose batch writes are timed."""

    def __init__(self, recorder: JournalRecorder, histogram: Histogram) -> None:
        self._recorder = recorder
        self._call = histogram.labels("call")
        self._agent_state = histogram.labels("agent_state")

    async def journal_calls(self, records: Sequence[CallRecord]) -> None:
        with self._call.time():
            await self._recorder.journal_calls(records)

    async def record_agent_states(
        self, changes: Iterable[tuple[str, str, str | None, datetime]]
    ) -> None:
        with self._agent_state.time():
            await self._recorder.record_agent_states(changes)

    async def set_aside_journal_row(self, kind: str, row: Any, reason: str) -> None:
        await self._recorder.set_aside_journal_row(kind, row, reason)

    async def close_lost_calls(
        self, keep: Collection[str], started_before: datetime, at: datetime
    ) -> int:
        with self._call.time():
            return await self._recorder.close_lost_calls(keep, started_before, at)
