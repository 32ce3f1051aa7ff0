"""Routing plans: validation at load time and a readable description for admins.

`validate_plan` lists every problem at once, each naming the queue and the field, so
the config loader can point at the line of the file that is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .errors import PlanError
from .model import AgentSpec, QueueSpec, SkillLevel


def validate_plan(queues: Iterable[QueueSpec]) -> list[PlanError]:
    """Every problem in a set of queue specs (empty when the plan is usable).

    Detects duplicate names, bad numbers, unknown overflow targets, overflow loops,
    unreachable steps, and steps that lead nowhere.
    """
    specs = list(queues)
    errors: list[PlanError] = []
    names: dict[str, QueueSpec] = {}
    for q in specs:
        if q.name in names:
            errors.append(PlanError("duplicate_queue", "queue defined twice", q.name, "name"))
        names[q.name] = q
    for q in specs:
        errors.extend(_check_queue(q, names))
    errors.extend(_check_loops(specs, names))
    return errors


def validate_agents(agents: Iterable[AgentSpec]) -> list[PlanError]:
    """Every problem in a set of agent specs (duplicate ids, bad proficiencies...)."""
    errors: list[PlanError] = []
    seen: set[str] = set()
    for a in agents:
        if a.agent_id in seen:
            errors.append(
                PlanError("duplicate_agent", "agent defined twice", None, "agent_id", a.agent_id)
            )
        seen.add(a.agent_id)
        for skill, value in a.skills.items():
            if not isinstance(value, SkillLevel) and not 1 <= value <= 100:
                errors.append(
                    PlanError(
                        "bad_proficiency",
                        f"proficiency {value} is outside 1..100",
                        None,
                        f"skills.{skill}",
                        a.agent_id,
                    )
                )
        if a.case_capacity is not None and a.case_capacity < 0:
            errors.append(
                PlanError("bad_number", "must be >= 0", None, "case_capacity", a.agent_id)
            )
    return errors


def overflow_targets(q: QueueSpec) -> list[tuple[str, str]]:
    """(field, target queue) for every place `q` can overflow to."""
    out: list[tuple[str, str]] = []
    if q.overflow_to is not None:
        out.append(("overflow_to", q.overflow_to))
    for i, step in enumerate(q.steps):
        if step.overflow_to is not None:
            out.append((f"steps[{i}].overflow_to", step.overflow_to))
    return out


def describe_plan(q: QueueSpec) -> str:
    """The queue's routing plan as one line per step, for an admin to read."""
    lines = [f"queue {q.name!r} (skill {q.skill!r}, {q.strategy.value}):"]
    for i, step in enumerate(q.steps):
        if step.overflow_to is not None:
            lines.append(f"  {i + 1}. overflow to queue {step.overflow_to!r}")
            continue
        who = " + ".join(_TIER_WORDS[t] for t in sorted(step.tiers))
        ends: list[str] = []
        if step.skip_if_no_agent:
            ends.append("at once when none is ready")
        if step.timeout is not None:
            ends.append(f"after {step.timeout:g} s")
        tail = f"; next step {' or '.join(ends)}" if ends else ""
        lines.append(f"  {i + 1}. offer to {who} agents{tail}")
    if q.max_wait is not None and q.overflow_to is not None:
        lines.append(f"  overflow to queue {q.overflow_to!r} after {q.max_wait:g} s in the queue")
    if q.max_length is not None and q.overflow_to is not None:
        lines.append(
            f"  overflow to queue {q.overflow_to!r} on arrival when {q.max_length} calls wait"
        )
    if q.affinity_timeout > 0:
        lines.append(f"  a busy preferred agent is waited for up to {q.affinity_timeout:g} s")
    return "\n".join(lines)


_TIER_WORDS = {SkillLevel.PRIMARY: "primary-skill", SkillLevel.SECONDARY: "secondary-skill"}


def _check_queue(q: QueueSpec, names: dict[str, QueueSpec]) -> list[PlanError]:
    errs: list[PlanError] = []

    def err(code: str, field: str, message: str) -> None:
        errs.append(PlanError(code, message, q.name, field))

    if not q.name:
        err("bad_name", "name", "a queue needs a name")
    if not q.skill:
        err("bad_skill", "skill", "a queue needs a skill")
    if q.ring_timeout <= 0:
        err("bad_number", "ring_timeout", "must be > 0")
    if q.wrapup_time < 0:
        err("bad_number", "wrapup_time", "must be >= 0")
    if q.affinity_timeout < 0:
        err("bad_number", "affinity_timeout", "must be >= 0 (0 disables the wait)")
    if q.aging_interval <= 0:
        err("bad_number", "aging_interval", "must be > 0")
    if q.max_wait is not None and q.max_wait <= 0:
        err("bad_number", "max_wait", "must be > 0")
    if q.max_length is not None and q.max_length < 1:
        err("bad_number", "max_length", "must be >= 1")
    if (q.max_wait is not None or q.max_length is not None) and q.overflow_to is None:
        err("no_overflow_target", "overflow_to", "max_wait/max_length need an overflow_to queue")
    for field, target in overflow_targets(q):
        if target not in names:
            err("unknown_queue", field, f"overflow to unknown queue {target!r}")
    _check_steps(q, err)
    return errs


def _check_steps(q: QueueSpec, err: Callable[[str, str, str], None]) -> None:
    steps = q.steps
    if not steps:
        err("no_steps", "steps", "a queue needs at least one routing step")
        return
    last = len(steps) - 1
    reachable = True  # report only the first unreachable step: the rest follow from it

    def unreachable(i: int, why: str) -> None:
        nonlocal reachable
        if reachable:
            err("unreachable_step", f"steps[{i + 1}]", why)
        reachable = False

    for i, step in enumerate(steps):
        f = f"steps[{i}]"
        if step.overflow_to is not None:
            if step.tiers:
                err("overflow_step_targets", f"{f}.tiers", "an overflow step targets no agents")
            if i != last:
                unreachable(i, "comes after an overflow step")
            continue
        if not step.tiers:
            err("empty_step", f"{f}.tiers", "a step must target at least one tier")
        if len(set(step.tiers)) != len(step.tiers):
            err("duplicate_tier", f"{f}.tiers", "a tier is listed twice")
        if step.timeout is not None and step.timeout <= 0:
            err("bad_number", f"{f}.timeout", "must be > 0 (use skip_if_no_agent for 'at once')")
        if i == last:
            if step.timeout is not None:
                err("step_leads_nowhere", f"{f}.timeout", "the last step has no next step")
            if step.skip_if_no_agent:
                err("step_leads_nowhere", f"{f}.skip_if_no_agent", "the last step has no next step")
        elif step.timeout is None and not step.skip_if_no_agent:
            unreachable(i, f"{f} has no timeout and never skips")


def _check_loops(specs: list[QueueSpec], names: dict[str, QueueSpec]) -> list[PlanError]:
    """Overflow edges must form a forest: a call can never come back to a queue."""
    errors: list[PlanError] = []
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {q.name: WHITE for q in specs}
    reported: set[frozenset[str]] = set()

    def visit(name: str, path: list[tuple[str, str]]) -> None:
        colour[name] = GREY
        for field, target in overflow_targets(names[name]):
            if target not in names:
                continue
            if colour[target] == GREY:
                cycle_names = [n for n, _ in path] + [name]
                start = cycle_names.index(target)
                cycle = [*cycle_names[start:], target]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    errors.append(
                        PlanError(
                            "overflow_loop",
                            "overflow loop: " + " -> ".join(cycle),
                            name,
                            field,
                        )
                    )
            elif colour[target] == WHITE:
                visit(target, [*path, (name, field)])
        colour[name] = BLACK

    for q in specs:
        if colour[q.name] == WHITE:
            visit(q.name, [])
    return errors
