"""The in-process event bus the WebSocket, the ticket desk and the tests read."""

from __future__ import annotations

from dataclasses import dataclass

from acd.bus import EventBus


@dataclass
class Rang:
    n: int


@dataclass
class Answered:
    n: int


def test_a_subscriber_can_ask_for_some_kinds_of_events_only() -> None:
    bus = EventBus()
    with bus.subscribe() as everything, bus.subscribe((Answered,)) as answers:
        bus.publish(Rang(1))
        bus.publish(Answered(1))
        assert [everything.get_nowait(), everything.get_nowait()] == [Rang(1), Answered(1)]
        assert answers.get_nowait() == Answered(1) and answers.empty()


def test_a_lagging_subscriber_loses_its_oldest_events_not_the_newest() -> None:
    bus = EventBus(maxsize=2)
    with bus.subscribe() as slow:
        for n in range(5):
            bus.publish(Rang(n))
        assert [slow.get_nowait(), slow.get_nowait()] == [Rang(3), Rang(4)]


def test_a_closed_subscription_receives_nothing_more() -> None:
    bus = EventBus()
    with bus.subscribe() as queue:
        pass
    bus.publish(Rang(1))
    assert queue.empty()
