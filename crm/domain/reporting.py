"""Contact-centre figures from the call journal and the agents' state log: pure
functions, no I/O. Definitions (and where they differ from QueueMetrics and app_queue)
are in docs/metrics.md; each figure here names the definition it implements."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from crm.domain.journal import CallOutcome, Direction
from crm.domain.mail_rules import SURVEY_SCORES

IntervalSize = Literal["15", "30", "60", "day"]

# The states in which an agent is busy with a call (occupancy's numerator).
BUSY_STATES = frozenset({"ringing", "on_call", "wrap_up", "manual_call"})
# Busy plus waiting for a call: the time occupancy is a share of.
AVAILABLE_STATES = BUSY_STATES | {"ready"}


@dataclass(frozen=True)
class ReportRules:
    """What the centre chose: short abandons are not counted as offered work, and each
    queue has its service-level target (answered within so many seconds)."""

    short_abandon_s: float = 5.0
    service_level_target_s: float = 20.0
    service_level_targets: Mapping[str, float] = field(default_factory=dict)

    def target_for(self, queue: str | None) -> float:
        if queue is None:
            return self.service_level_target_s
        return self.service_level_targets.get(queue, self.service_level_target_s)


@dataclass(frozen=True)
class CallFilter:
    """Which journal rows a query wants; None leaves a criterion out. `number` is E.164
    (or the raw text the journal kept when a number did not parse), the period is
    [start, end) on the calls' start."""

    number: str | None = None
    agent_id: str | None = None
    queue: str | None = None
    direction: str | None = None
    outcome: str | None = None
    case_number: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class CallFact:
    """What the figures need of one journal row."""

    direction: str
    queue: str | None
    agent_id: str | None
    outcome: str | None
    started_at: datetime
    wait_s: float | None = None
    talk_s: float | None = None
    wrapup_s: float | None = None


@dataclass(frozen=True)
class QueueFigures:
    offered: int
    answered: int
    abandoned: int  # short abandons excluded
    short_abandoned: int
    overflowed: int
    callbacks: int
    abandon_rate: float | None
    service_level: float | None
    service_level_target_s: float | None
    answered_within_target: int
    asa_s: float | None
    avg_wait_s: float | None
    max_wait_s: float | None
    aht_s: float | None
    avg_talk_s: float | None
    avg_wrapup_s: float | None


@dataclass(frozen=True)
class AgentFigures:
    answered: int
    outbound: int
    talk_s: float
    wrapup_s: float
    aht_s: float | None
    time_in_states: dict[str, float]
    occupancy: float | None


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def is_offered(call: CallFact) -> bool:
    """An inbound call that reached a queue (calls refused out of hours never did)."""
    return (
        call.direction == Direction.INBOUND.value
        and call.queue is not None
        and call.outcome != CallOutcome.CLOSED_HOURS.value
    )


def is_short_abandon(call: CallFact, rules: ReportRules) -> bool:
    return call.outcome == CallOutcome.ABANDONED.value and (call.wait_s or 0.0) < (
        rules.short_abandon_s
    )


def _handle_times(answered: Sequence[CallFact]) -> tuple[list[float], list[float]]:
    talks = [c.talk_s or 0.0 for c in answered]
    wrapups = [c.wrapup_s or 0.0 for c in answered]
    return talks, wrapups


@dataclass(frozen=True, slots=True)
class QueueTotals:
    """The counts and sums a queue's figures are ratios of. Each figure's definition is
    in these counts (`queue_totals` adds them up in Python, `ReportRepository.
    queue_totals` in SQL); totals of several queues add up, each call having been held
    to its own queue's target."""

    offered: int = 0
    short_abandoned: int = 0
    answered: int = 0
    abandoned: int = 0  # short abandons excluded
    overflowed: int = 0
    callbacks: int = 0
    answered_within_target: int = 0
    waits: int = 0  # the counted calls (offered, short abandons out) with a wait
    wait_s: float = 0.0  # the sum of those waits
    max_wait_s: float | None = None
    answered_wait_s: float = 0.0
    talk_s: float = 0.0  # of the answered calls
    wrapup_s: float = 0.0

    def __add__(self, other: QueueTotals) -> QueueTotals:
        sums = {name: getattr(self, name) + getattr(other, name) for name in _SUMMED}
        longest = [w for w in (self.max_wait_s, other.max_wait_s) if w is not None]
        return QueueTotals(**sums, max_wait_s=max(longest) if longest else None)


_SUMMED = tuple(f.name for f in fields(QueueTotals) if f.name != "max_wait_s")


def queue_totals(
    calls: Iterable[CallFact], rules: ReportRules, target_s: float | None
) -> QueueTotals:
    """The totals of the offered calls among `calls`, in one pass. `target_s` is the
    service-level target, or None to hold each call to its own queue's target."""
    offered = short = answered = abandoned = overflowed = callbacks = within = waits = 0
    wait_sum = answered_wait = talk = wrapup = 0.0
    longest: float | None = None
    for call in calls:
        if not is_offered(call):
            continue
        offered += 1
        outcome, wait = call.outcome, call.wait_s
        if is_short_abandon(call, rules):
            short += 1
            continue
        if wait is not None:
            waits += 1
            wait_sum += wait
            longest = wait if longest is None or wait > longest else longest
        if outcome == _ANSWERED:
            answered += 1
            answered_wait += wait or 0.0
            talk += call.talk_s or 0.0
            wrapup += call.wrapup_s or 0.0
            target = target_s if target_s is not None else rules.target_for(call.queue)
            within += (wait or 0.0) <= target
        elif outcome == _ABANDONED:
            abandoned += 1
        elif outcome == _OVERFLOWED:
            overflowed += 1
        elif outcome == _CALLBACK:
            callbacks += 1
    return QueueTotals(
        offered,
        short,
        answered,
        abandoned,
        overflowed,
        callbacks,
        within,
        waits,
        wait_sum,
        longest,
        answered_wait,
        talk,
        wrapup,
    )


_ANSWERED = CallOutcome.ANSWERED.value
_ABANDONED = CallOutcome.ABANDONED.value
_OVERFLOWED = CallOutcome.OVERFLOWED.value
_CALLBACK = CallOutcome.CALLBACK.value


def figures_of(totals: QueueTotals, target_s: float | None) -> QueueFigures:
    """The figures of docs/metrics.md from a queue's totals; `target_s` is reported as
    the target used (None for several queues)."""
    counted = totals.offered - totals.short_abandoned
    answered = totals.answered
    return QueueFigures(
        offered=totals.offered,
        answered=answered,
        abandoned=totals.abandoned,
        short_abandoned=totals.short_abandoned,
        overflowed=totals.overflowed,
        callbacks=totals.callbacks,
        abandon_rate=_ratio(totals.abandoned, counted),
        service_level=_ratio(totals.answered_within_target, counted),
        service_level_target_s=target_s,
        answered_within_target=totals.answered_within_target,
        asa_s=_ratio(totals.answered_wait_s, answered),
        avg_wait_s=_ratio(totals.wait_s, totals.waits),
        max_wait_s=totals.max_wait_s,
        aht_s=_ratio(totals.talk_s + totals.wrapup_s, answered),
        avg_talk_s=_ratio(totals.talk_s, answered),
        avg_wrapup_s=_ratio(totals.wrapup_s, answered),
    )


def queue_figures(
    calls: Iterable[CallFact], rules: ReportRules, target_s: float | None
) -> QueueFigures:
    """Figures of the offered calls among `calls`. `target_s` is the service-level
    target, or None when the calls span queues with different targets (each call is
    then held to its own queue's target, and no single target is reported)."""
    return figures_of(queue_totals(calls, rules, target_s), target_s)


def agent_figures(calls: Iterable[CallFact], time_in_states: Mapping[str, float]) -> AgentFigures:
    """An agent's handled calls (`calls` are theirs) and their time per state."""
    mine = list(calls)
    answered = [
        c
        for c in mine
        if c.direction == Direction.INBOUND.value and c.outcome == CallOutcome.ANSWERED.value
    ]
    outbound = [c for c in mine if c.outcome == CallOutcome.OUTBOUND_ANSWERED.value]
    talks, wrapups = _handle_times([*answered, *outbound])
    busy = sum(s for state, s in time_in_states.items() if state in BUSY_STATES)
    available = sum(s for state, s in time_in_states.items() if state in AVAILABLE_STATES)
    return AgentFigures(
        answered=len(answered),
        outbound=len(outbound),
        talk_s=sum(talks),
        wrapup_s=sum(wrapups),
        aht_s=_mean([t + w for t, w in zip(talks, wrapups, strict=True)]),
        time_in_states=dict(time_in_states),
        occupancy=_ratio(busy, available),
    )


def interval_starts(
    start: datetime, end: datetime, size: IntervalSize, zone: ZoneInfo
) -> list[datetime]:
    """The starts of the intervals covering [start, end), on the centre's wall clock:
    the first is `start` floored to the interval, each next one `size` later (in real
    time, so a day of a change to or from summer time has 92 or 100 quarter hours)."""
    local = start.astimezone(zone)
    starts: list[datetime] = []
    if size == "day":
        day: date = local.date()
        while True:
            midnight = datetime.combine(day, time(0), zone)
            if midnight >= end:
                return starts
            starts.append(midnight)
            day += timedelta(days=1)
    minutes = int(size)
    first = local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)
    # Stepped in UTC: adding to an aware local time would step the wall clock.
    at = first.astimezone(UTC)
    while at < end:
        starts.append(at.astimezone(zone))
        at += timedelta(minutes=minutes)
    return starts


def bucket_calls(calls: Iterable[CallFact], starts: Sequence[datetime]) -> list[list[CallFact]]:
    """Each call in the interval its start falls in (`starts` ascending)."""
    buckets: list[list[CallFact]] = [[] for _ in starts]
    for call in calls:
        index = bisect.bisect_right(starts, call.started_at) - 1
        if index >= 0:
            buckets[index].append(call)
    return buckets


@dataclass(frozen=True)
class SatisfactionFigures:
    """Q4's survey answers: how many, their mean, and how many gave each score."""

    answers: int
    average: float | None
    scores: dict[str, int]


def satisfaction_figures(scores: Iterable[int]) -> SatisfactionFigures:
    given = [s for s in scores if s in SURVEY_SCORES]
    counts = {str(score): given.count(score) for score in SURVEY_SCORES}
    average = sum(given) / len(given) if given else None
    return SatisfactionFigures(len(given), average, counts)
