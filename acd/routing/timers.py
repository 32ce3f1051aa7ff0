"""One heap of timers for the whole core, so the shell sets a single wake-up."""

from __future__ import annotations

from enum import Enum
from heapq import heapify, heappop, heappush
from typing import Any


class TimerKind(Enum):
    RING = "ring"  # ring-no-answer
    WRAP_UP = "wrap_up"  # after-call work ends (D6)
    STEP = "step"  # routing step timeout
    MAX_WAIT = "max_wait"  # overflow (D9)
    AFFINITY = "affinity"  # stop waiting for the preferred agent (S9)


class Timer:
    """A pending timer; `cancel` is O(1) (lazy deletion)."""

    __slots__ = ("deadline", "kind", "live", "target")

    def __init__(self, deadline: float, kind: TimerKind, target: Any) -> None:
        self.deadline = deadline
        self.kind = kind
        self.target = target
        self.live = True


class Timers:
    """Min-heap of timers by deadline, FIFO among equal deadlines."""

    __slots__ = ("_heap", "_live", "_seq")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = 0
        self._live = 0

    def start(self, deadline: float, kind: TimerKind, target: Any) -> Timer:
        """A new timer firing at `deadline`."""
        timer = Timer(deadline, kind, target)
        self._seq += 1
        heappush(self._heap, (deadline, self._seq, timer))
        self._live += 1
        return timer

    def cancel(self, timer: Timer | None) -> None:
        """Cancel `timer` if it is pending (None and fired timers are ignored)."""
        if timer is not None and timer.live:
            timer.live = False
            self._live -= 1
            if len(self._heap) > 2 * self._live + 64:
                self._heap = [e for e in self._heap if e[2].live]
                heapify(self._heap)

    def next_deadline(self) -> float | None:
        """The earliest pending deadline, or None."""
        heap = self._heap
        while heap:
            if heap[0][2].live:
                return heap[0][0]
            heappop(heap)
        return None

    def pop_due(self, now: float) -> Timer | None:
        """Remove and return the earliest pending timer due at or before `now`."""
        heap = self._heap
        while heap:
            deadline, _, timer = heap[0]
            if not timer.live:
                heappop(heap)
                continue
            if deadline > now:
                return None
            heappop(heap)
            timer.live = False
            self._live -= 1
            return timer
        return None

    def __len__(self) -> int:
        return self._live
