"""The bus-fed metrics count each call once, in the queue it was last in, and the
documentation and example dashboard name only metrics the server exposes."""

from __future__ import annotations

import re
from pathlib import Path

from acd.bus import EventBus
from acd.metrics import Metrics
from acd.telephony.events import CallConnected, CallEnded, CallOverflowedEvent, CallQueuedEvent
from crm.db.engine import create_engine
from crm.db.monitoring import DatabaseMonitor

DOCS = Path(__file__).parents[2] / "docs"


def _metrics() -> Metrics:
    # No connection is opened: these tests feed events only.
    return Metrics(EventBus(), DatabaseMonitor(create_engine("sqlite+aiosqlite:///:memory:")))


def test_an_overflowed_call_is_dispatched_and_counted_in_the_queue_that_answered_it() -> None:
    metrics = _metrics()
    metrics.on_event(CallQueuedEvent("c1", "sales", 0, None), now=100.0)
    metrics.on_event(CallOverflowedEvent("c1", "sales", "backup", "max_wait"), now=104.0)
    metrics.on_event(CallConnected("c1", "2003", "0611000001", "backup"), now=107.5)
    metrics.on_event(CallEnded("c1", "answered", "2003"), now=130.0)
    sample = metrics.registry.get_sample_value
    assert sample("acd_calls_total", {"queue": "backup", "outcome": "answered"}) == 1
    assert sample("acd_calls_total", {"queue": "sales", "outcome": "answered"}) is None
    assert sample("acd_dispatch_seconds_count", {"queue": "backup"}) == 1
    assert sample("acd_dispatch_seconds_sum", {"queue": "backup"}) == 7.5


def test_a_call_that_never_reached_a_queue_is_counted_under_no_queue() -> None:
    metrics = _metrics()
    metrics.on_event(CallEnded("c2", "closed_hours", None), now=1.0)
    assert (
        metrics.registry.get_sample_value(
            "acd_calls_total", {"queue": "none", "outcome": "closed_hours"}
        )
        == 1
    )


def test_the_dashboard_uses_only_metrics_the_operations_page_describes() -> None:
    documented = set(re.findall(r"`(acd_[a-z_]+)`", (DOCS / "operations.md").read_text()))
    dashboard = (DOCS / "grafana-dashboard.json").read_text()
    used = {
        re.sub(r"_(bucket|count|sum)$", "", name) for name in re.findall(r"acd_[a-z_]+", dashboard)
    }
    assert used, "the dashboard names no metric"
    assert used <= documented, sorted(used - documented)
