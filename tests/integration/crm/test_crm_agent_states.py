"""Agent state transitions are stored and summed per period, on both databases (D8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.services import CrmService

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def test_time_in_states_covers_a_period_that_starts_mid_state(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:  # D8
    crm = CrmService(uow_factory, clock)
    await crm.record_agent_states(
        ("2001", state, reason, T0 + timedelta(minutes=minutes))
        for minutes, state, reason in [
            (0, "ready", None),
            (30, "paused", "lunch"),
            (90, "ready", None),
            (100, "on_call", None),
            (110, "wrap_up", None),
            (112, "ready", None),
        ]
    )
    await crm.record_agent_states([("2002", "ready", None, T0)])

    totals = await crm.agent_time_in_states(
        "2001", T0 + timedelta(minutes=60), T0 + timedelta(minutes=120)
    )
    assert totals == {"paused": 1800.0, "ready": 1080.0, "on_call": 600.0, "wrap_up": 120.0}
