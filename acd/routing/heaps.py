"""A binary heap with lazy deletion, the one index structure of the core.

Removing an arbitrary entry from a heap is O(n); instead each entry ends with a
`Slot`, and removal just marks the slot dead. Dead entries are dropped when they reach
the top (`peek`) or, in bulk, when they outnumber the live ones (`compact`), so every
operation is O(log n) amortised and memory stays within twice the live size.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Slot(Generic[T]):
    """A handle on one item's presence in one or more heaps; `kill` removes it from all."""

    __slots__ = ("item", "live")

    def __init__(self, item: T) -> None:
        self.item = item
        self.live = True

    def __lt__(self, other: Slot[T]) -> bool:
        # Reached only when an item re-enters a heap that still holds its dead entry
        # with the same keys: either order is right.
        return False


class LazyHeap(Generic[T]):
    """Min-heap of tuples `(*sort_keys, seq, slot)`. `live` counts entries whose slot is alive; callers keep it right by calling
    `push` and `dropped` (after killing a slot present here)."""

    __slots__ = ("entries", "live")

    def __init__(self) -> None:
        self.entries: list[tuple[Any, ...]] = []
        self.live = 0

    def push(self, entry: tuple[Any, ...]) -> None:
        """Add an entry whose last element is a live `Slot`."""
        heappush(self.entries, entry)
        self.live += 1

    def peek(self) -> tuple[Any, ...] | None:
        """The smallest live entry, or None."""
        entries = self.entries
        while entries:
            top = entries[0]
            if top[-1].live:
                return top
            heappop(entries)
        return None

    def dropped(self) -> None:
        """One live entry of this heap had its slot killed."""
        self.live -= 1
        if len(self.entries) > 2 * self.live + 64:
            self.compact()

    def compact(self) -> None:
        """Drop every dead entry now (O(n), amortised over the deaths that caused it)."""
        self.entries = [e for e in self.entries if e[-1].live]
        heapify(self.entries)

    def live_entries(self) -> list[tuple[Any, ...]]:
        """The live entries, sorted (O(n log n): for queries, not for decisions)."""
        return sorted(e for e in self.entries if e[-1].live)

    def __len__(self) -> int:
        return self.live
