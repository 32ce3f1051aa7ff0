"""Queue, agent and interval figures, checked against values worked out by hand."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm.domain.agent_stats import time_in_states
from crm.domain.reporting import (
    CallFact,
    ReportRules,
    agent_figures,
    bucket_calls,
    interval_starts,
    queue_figures,
    queue_totals,
)

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
RULES = ReportRules(short_abandon_s=5, service_level_targets={"sales": 20, "support": 60})


def _call(
    outcome: str,
    wait: float | None = None,
    talk: float | None = None,
    wrapup: float | None = None,
    *,
    queue: str | None = "sales",
    direction: str = "inbound",
    agent: str | None = None,
    at: datetime = T0,
) -> CallFact:
    return CallFact(direction, queue, agent, outcome, at, wait, talk, wrapup)


# A morning of the sales queue:
#   answered after 10 s (talk 100, wrap-up 20)   within the 20 s target
#   answered after 30 s (talk 200, wrap-up 40)   outside it
#   abandoned after 3 s                           short abandon: not counted
#   abandoned after 50 s
#   overflowed after 60 s
#   a call out of hours and an outbound call      never offered
SALES_MORNING = [
    _call("answered", 10, 100, 20, agent="2001"),
    _call("answered", 30, 200, 40, agent="2002"),
    _call("abandoned", 3),
    _call("abandoned", 50),
    _call("overflowed", 60),
    _call("closed_hours"),
    _call("outbound_answered", None, 80, 10, queue=None, direction="outbound", agent="2001"),
]


def test_queue_figures_leave_short_abandons_out_of_service_level_and_abandon_rate() -> None:
    figures = queue_figures(SALES_MORNING, RULES, RULES.target_for("sales"))
    assert figures.offered == 5
    assert figures.short_abandoned == 1
    assert figures.answered == 2
    assert figures.abandoned == 1
    assert figures.overflowed == 1
    # Four calls count (five offered, one short abandon): one answered within 20 s,
    # one abandoned.
    assert figures.answered_within_target == 1
    assert figures.service_level == pytest.approx(1 / 4)
    assert figures.abandon_rate == pytest.approx(1 / 4)
    assert figures.service_level_target_s == 20


def test_asa_counts_answered_calls_only_and_aht_adds_wrap_up_to_talk() -> None:
    figures = queue_figures(SALES_MORNING, RULES, 20)
    assert figures.asa_s == pytest.approx((10 + 30) / 2)
    # Waits of every counted call: 10, 30, 50, 60.
    assert figures.avg_wait_s == pytest.approx((10 + 30 + 50 + 60) / 4)
    assert figures.max_wait_s == 60
    assert figures.aht_s == pytest.approx(((100 + 20) + (200 + 40)) / 2)
    assert figures.avg_talk_s == pytest.approx(150)
    assert figures.avg_wrapup_s == pytest.approx(30)


def test_calls_of_several_queues_are_each_held_to_their_own_queue_target() -> None:
    calls = [
        _call("answered", 40, 10, 0, queue="sales"),
        _call("answered", 40, 10, 0, queue="support"),
    ]
    figures = queue_figures(calls, RULES, None)
    # 40 s misses sales' 20 s target and meets support's 60 s one.
    assert figures.answered_within_target == 1
    assert figures.service_level == pytest.approx(1 / 2)
    assert figures.service_level_target_s is None


def test_a_queue_without_offered_calls_has_no_rates() -> None:
    figures = queue_figures([], RULES, 20)
    assert figures.offered == 0
    assert figures.service_level is None
    assert figures.abandon_rate is None
    assert figures.asa_s is None
    assert figures.max_wait_s is None


def test_agent_figures_count_handled_calls_and_occupancy_from_the_state_log() -> None:  # D8
    # Ready at 0 s, rings at 60, on the call 65..165, wrap-up until 185, ready until
    # 300, paused until the end of the period at 400.
    steps = [(60, "ringing"), (65, "on_call"), (165, "wrap_up"), (185, "ready"), (300, "paused")]
    transitions = [(state, T0 + timedelta(seconds=s)) for s, state in steps]
    seconds = time_in_states(transitions, T0, T0 + timedelta(seconds=400), "ready")
    assert seconds == {"ready": 175, "ringing": 5, "on_call": 100, "wrap_up": 20, "paused": 100}
    mine = [c for c in SALES_MORNING if c.agent_id == "2001"]
    figures = agent_figures(mine, seconds)
    assert figures.answered == 1
    assert figures.outbound == 1
    assert figures.talk_s == 100 + 80
    assert figures.wrapup_s == 20 + 10
    assert figures.aht_s == pytest.approx(((100 + 20) + (80 + 10)) / 2)
    # Busy (ringing, on call, wrap-up) 125 s of the 300 s ready or busy; pauses are out.
    assert figures.occupancy == pytest.approx(125 / 300)


def test_quarter_hours_follow_the_centres_clock_across_the_change_to_summer_time() -> None:
    start = datetime(2025, 3, 30, 0, 0, tzinfo=PARIS)
    end = datetime(2025, 3, 31, 0, 0, tzinfo=PARIS)
    starts = interval_starts(start, end, "15", PARIS)
    # 30 March 2025 has 23 hours in Paris: 02:00 became 03:00.
    assert len(starts) == 23 * 4
    assert [s.isoformat() for s in starts[7:9]] == [
        "2025-03-30T01:45:00+01:00",
        "2025-03-30T03:00:00+02:00",
    ]
    assert interval_starts(start, end, "day", PARIS) == [start]


def test_a_call_falls_in_the_interval_its_start_is_in_and_periods_start_on_the_grid() -> None:
    start = datetime(2025, 1, 6, 9, 5, tzinfo=PARIS)  # floored to 09:00
    end = datetime(2025, 1, 6, 10, 0, tzinfo=PARIS)
    starts = interval_starts(start, end, "30", PARIS)
    assert [s.strftime("%H:%M") for s in starts] == ["09:00", "09:30"]
    at_0929 = _call("answered", 1, 1, 1, at=datetime(2025, 1, 6, 8, 29, 59, tzinfo=UTC))
    at_0930 = _call("answered", 1, 1, 1, at=datetime(2025, 1, 6, 8, 30, tzinfo=UTC))
    assert bucket_calls([at_0929, at_0930], starts) == [[at_0929], [at_0930]]


def test_queue_totals_add_up_to_the_totals_of_every_queue_together() -> None:
    # What `queue_stats` relies on to give every queue together from each queue's sums.
    rng = random.Random(5)
    outcomes = ["answered", "abandoned", "overflowed", "callback", "closed_hours", None]
    calls = [
        _call(
            rng.choice(outcomes),
            rng.choice([None, 3.0, 5.0, 20.0, 45.0, rng.uniform(0, 90)]),
            rng.choice([None, rng.uniform(0, 300)]),
            rng.choice([None, 15.0]),
            queue=rng.choice(["sales", "support", "other"]),
            direction=rng.choice(["inbound", "inbound", "outbound"]),
        )
        for _ in range(300)
    ]
    each = [
        queue_totals([c for c in calls if c.queue == q], RULES, RULES.target_for(q))
        for q in ("sales", "support", "other")
    ]
    together = queue_totals(calls, RULES, None)
    added = each[0] + each[1] + each[2]
    assert together.offered > 0 and together.answered_within_target > 0
    for name, value in dataclasses.asdict(together).items():
        assert getattr(added, name) == pytest.approx(value), name
