"""S1: automatic priority of a new case."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crm.domain.cases import PRIORITY_ORDER, Priority


@dataclass(frozen=True)
class PriorityInputs:
    customer_tier: str | None = None
    # How many other cases this customer opened within the repeat-contact window.
    recent_case_count: int = 0
    ivr_path: str | None = None


def compute_priority(
    inputs: PriorityInputs,
    tier_boost: Mapping[str, int],
    ivr_priority: Mapping[str, Priority],
) -> Priority:
    """Start at normal; add the tier's boost; one step up for a repeat contact; never below
    the IVR choice's floor; capped at urgent."""
    level = PRIORITY_ORDER.index(Priority.NORMAL)
    if inputs.customer_tier:
        level += tier_boost.get(inputs.customer_tier, 0)
    if inputs.recent_case_count > 0:
        level += 1
    if inputs.ivr_path and inputs.ivr_path in ivr_priority:
        level = max(level, PRIORITY_ORDER.index(ivr_priority[inputs.ivr_path]))
    level = max(0, min(level, len(PRIORITY_ORDER) - 1))
    return PRIORITY_ORDER[level]
