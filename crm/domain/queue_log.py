"""The journal in Asterisk's queue_log format, for the tools that read app_queue's log
(QueueMetrics and the like): `epoch|callid|queue|agent|EVENT|data1|data2|…`.

Each inbound call that reached a queue gives ENTERQUEUE, then CONNECT and a COMPLETE…
line, or the way it left the queue unanswered; agent state changes give ADDMEMBER,
REMOVEMEMBER, PAUSEALL and UNPAUSEALL. Fields are written as app_queue writes them
(times in seconds, positions from 1)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from crm.domain.journal import CallOutcome

NONE = "NONE"
# The journal keeps no queue position; every caller is written as first in line.
POSITION = "1"


@dataclass(frozen=True, order=True)
class QueueLogLine:
    at: datetime
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...] = ()

    def render(self) -> str:
        fields = (str(int(self.at.timestamp())), self.callid, self.queue, self.agent, self.event)
        return "|".join(_clean(f) for f in (*fields, *self.data))


@dataclass(frozen=True)
class LoggedCall:
    """What the log needs of one journal row."""

    call_id: str
    queue: str | None
    agent_id: str | None
    caller_number: str | None
    outcome: str | None
    started_at: datetime
    enqueued_at: datetime | None
    offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_s: float | None
    talk_s: float | None
    uniqueid: str | None


@dataclass(frozen=True)
class StateChange:
    agent_id: str
    state: str
    reason: str | None
    at: datetime


def member(agent_id: str | None) -> str:
    """The member name app_queue would log for an agent of ours."""
    return f"Agent/{agent_id}" if agent_id else NONE


def call_lines(call: LoggedCall) -> list[QueueLogLine]:
    """The lines app_queue would have written for this call; none for a call that
    never reached a queue (closed hours, outbound) or has not ended."""
    if call.queue is None or call.ended_at is None or call.outcome is None:
        return []
    entered = call.enqueued_at or call.started_at
    hold = _seconds(call.wait_s)

    def line(at: datetime, event: str, *data: str, agent: str | None = None) -> QueueLogLine:
        return QueueLogLine(at, call.call_id, call.queue or NONE, member(agent), event, data)

    lines = [line(entered, "ENTERQUEUE", "", call.caller_number or "", POSITION)]
    outcome = CallOutcome(call.outcome)
    if outcome is CallOutcome.ANSWERED and call.answered_at is not None:
        ring = _seconds(
            (call.answered_at - call.offered_at).total_seconds() if call.offered_at else 0
        )
        lines.append(
            line(call.answered_at, "CONNECT", hold, call.uniqueid or "", ring, agent=call.agent_id)
        )
        # The journal does not record which side hung up: app_queue's COMPLETECALLER
        # is the usual one, and reports count both alike as completed calls.
        lines.append(
            line(
                call.ended_at,
                "COMPLETECALLER",
                hold,
                _seconds(call.talk_s),
                POSITION,
                agent=call.agent_id,
            )
        )
    elif outcome is CallOutcome.CALLBACK:
        lines.append(line(call.ended_at, "EXITWITHKEY", "", POSITION, POSITION, hold))
    elif outcome in (CallOutcome.OVERFLOWED, CallOutcome.NO_ANSWER):
        lines.append(line(call.ended_at, "EXITWITHTIMEOUT", POSITION, POSITION, hold))
    else:
        lines.append(line(call.ended_at, "ABANDON", POSITION, POSITION, hold))
    return lines


def state_lines(changes: Iterable[StateChange], before: dict[str, str]) -> Iterator[QueueLogLine]:
    """Member lines from agent state changes in time order; `before` holds each
    agent's state when the period began (absent: logged out)."""
    current = dict(before)
    for change in changes:
        was = current.get(change.agent_id, "logged_out")
        current[change.agent_id] = change.state
        if was == change.state:
            continue
        events: list[tuple[str, str]] = []
        if was == "paused":
            events.append(("UNPAUSEALL", ""))
        if was == "logged_out":
            events.append(("ADDMEMBER", ""))
        if change.state == "paused":
            events.append(("PAUSEALL", change.reason or ""))
        elif change.state == "logged_out":
            events.append(("REMOVEMEMBER", ""))
        for event, data in events:
            yield QueueLogLine(change.at, NONE, NONE, member(change.agent_id), event, (data,))


def _seconds(value: float | None) -> str:
    return str(round(value)) if value is not None else "0"


def _clean(value: str) -> str:
    """A field never carries the separator or a line break into the log."""
    return value.replace("|", " ").replace("\r", " ").replace("\n", " ")
