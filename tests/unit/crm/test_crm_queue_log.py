"""The journal in app_queue's queue_log format: the lines a QueueMetrics-like tool reads."""

from datetime import UTC, datetime, timedelta

from crm.domain.queue_log import LoggedCall, StateChange, call_lines, state_lines

T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
E0 = int(T0.timestamp())


def _call(outcome: str, **over: object) -> LoggedCall:
    values: dict[str, object] = {
        "call_id": "c1",
        "queue": "sales",
        "agent_id": None,
        "caller_number": "+33612345678",
        "outcome": outcome,
        "started_at": T0,
        "enqueued_at": T0 + timedelta(seconds=4),
        "offered_at": None,
        "answered_at": None,
        "ended_at": T0 + timedelta(seconds=34),
        "wait_s": 30.0,
        "talk_s": None,
        "uniqueid": "1700000000.12",
    }
    values.update(over)
    return LoggedCall(**values)  # type: ignore[arg-type]


def _rendered(call: LoggedCall) -> list[str]:
    return [line.render() for line in call_lines(call)]


def test_an_answered_call_enters_connects_with_hold_and_ring_time_and_completes() -> None:
    call = _call(
        "answered",
        agent_id="1001",
        offered_at=T0 + timedelta(seconds=30),
        answered_at=T0 + timedelta(seconds=34),
        ended_at=T0 + timedelta(seconds=154),
        talk_s=120.0,
    )
    assert _rendered(call) == [
        f"{E0 + 4}|c1|sales|NONE|ENTERQUEUE||+33612345678|1",
        f"{E0 + 34}|c1|sales|Agent/1001|CONNECT|30|1700000000.12|4",
        f"{E0 + 154}|c1|sales|Agent/1001|COMPLETECALLER|30|120|1",
    ]


def test_unanswered_calls_leave_the_queue_the_way_app_queue_logs_it() -> None:
    assert _rendered(_call("abandoned"))[-1] == f"{E0 + 34}|c1|sales|NONE|ABANDON|1|1|30"
    timeout = f"{E0 + 34}|c1|sales|NONE|EXITWITHTIMEOUT|1|1|30"
    assert _rendered(_call("overflowed"))[-1] == timeout  # D9: it left for the backup queue
    assert _rendered(_call("no_answer"))[-1] == timeout
    assert _rendered(_call("callback"))[-1] == f"{E0 + 34}|c1|sales|NONE|EXITWITHKEY||1|1|30"


def test_calls_that_never_queued_or_have_not_ended_write_nothing() -> None:
    assert call_lines(_call("closed_hours", queue=None)) == []
    assert call_lines(_call("answered", ended_at=None)) == []


def test_a_field_from_outside_never_breaks_the_line_format() -> None:
    line = _rendered(_call("abandoned", caller_number="evil|x\nINJECTED"))[0]
    assert line == f"{E0 + 4}|c1|sales|NONE|ENTERQUEUE||evil x INJECTED|1"


def test_state_changes_give_member_and_pause_lines_with_the_pause_reason() -> None:  # D8
    at = [T0 + timedelta(minutes=m) for m in range(6)]
    changes = [
        StateChange("1001", "ready", None, at[0]),
        StateChange("1001", "paused", "lunch", at[1]),
        StateChange("1001", "paused", "lunch", at[2]),  # no change, no line
        StateChange("1001", "ready", None, at[3]),
        StateChange("1002", "paused", "training", at[4]),  # paused before the period
        StateChange("1001", "logged_out", None, at[5]),
    ]
    lines = [line.render() for line in state_lines(changes, {"1002": "ready"})]
    e = [int(t.timestamp()) for t in at]
    assert lines == [
        f"{e[0]}|NONE|NONE|Agent/1001|ADDMEMBER|",
        f"{e[1]}|NONE|NONE|Agent/1001|PAUSEALL|lunch",
        f"{e[3]}|NONE|NONE|Agent/1001|UNPAUSEALL|",
        f"{e[4]}|NONE|NONE|Agent/1002|PAUSEALL|training",
        f"{e[5]}|NONE|NONE|Agent/1001|REMOVEMEMBER|",
    ]
