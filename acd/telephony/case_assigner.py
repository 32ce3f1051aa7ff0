"""Q3: a case nobody owns finds an owner among the queue's available agents, by the
queue's steps (smart, workload, random), within the case capacity (S2). A pass runs when
cases change through the API (`CasesChanged`), when an agent becomes available (logs in
or ends a pause), and every `PASS_INTERVAL_S` for what changed elsewhere (the
scheduler's auto-close frees room too)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog

from acd import routing
from acd.bus import EventBus
from acd.centre import Centre
from acd.telephony.events import AgentStateEvent
from acd.telephony.ports import CaseAssignment
from crm.domain.assignment import AssignmentStep, choose_case_owner
from crm.errors import CrmError

log = structlog.get_logger(__name__)

PASS_INTERVAL_S = 30.0
# Agents who count as available for a case: logged in and not paused (Q3, S4).
AVAILABLE = frozenset(
    {
        routing.AgentState.READY,
        routing.AgentState.RINGING,
        routing.AgentState.ON_CALL,
        routing.AgentState.WRAP_UP,
        routing.AgentState.MANUAL_CALL,
    }
)


@dataclass(frozen=True)
class CasesChanged:
    """Published when a case is created unowned or an owner may have room again."""


@dataclass(frozen=True)
class CaseAssigned:
    case_number: str
    agent_id: str
    step: AssignmentStep


def _may_free_an_owner(event: CasesChanged | AgentStateEvent) -> bool:
    """A pass is worth it when cases changed or an agent became available; the state
    changes of a call (ringing, on call, wrap-up) leave the candidates as they were."""
    if isinstance(event, CasesChanged):
        return True
    return event.new in AVAILABLE and event.old not in AVAILABLE


class CaseAssigner:
    def __init__(
        self,
        bus: EventBus,
        crm: CaseAssignment,
        router: routing.Router,
        centre: Centre,
        *,
        capacity: int,
        pick: Callable[[Sequence[str]], str] = random.choice,
    ) -> None:
        self._bus = bus
        self._crm = crm
        self._router = router
        self._centre = centre
        self._capacity = capacity
        self._pick = pick
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="case-assigner")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        with self._bus.subscribe((CasesChanged, AgentStateEvent)) as events:
            while True:
                try:
                    await self.assign_pending()
                except Exception:
                    log.exception("case_assignment_failed")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(PASS_INTERVAL_S):
                        while not _may_free_an_owner(await events.get()):
                            pass
                # One pass for a burst of changes.
                while not events.empty():
                    events.get_nowait()

    async def assign_pending(self) -> list[CaseAssigned]:
        """One pass over every queue whose rule has steps; returns what it assigned."""
        async with self._lock:
            done: list[CaseAssigned] = []
            available = {view.agent_id for view in self._router.agents() if view.state in AVAILABLE}
            for name, queue in self._centre.queues.items():
                steps = [AssignmentStep(s) for s in queue.case_assignment.steps]
                allowed = self._allowed(name) & available
                if steps and allowed:
                    done += await self._assign_queue(name, steps, allowed)
            return done

    def _allowed(self, queue_name: str) -> set[str]:
        queue = self._centre.queues[queue_name]
        rule = queue.case_assignment
        if rule.agents:
            return set(rule.agents)
        skills = set(rule.skills) or {queue.skill}
        return {a for a, config in self._centre.agents.items() if skills & set(config.skills)}

    async def _assign_queue(
        self, queue: str, steps: list[AssignmentStep], allowed: set[str]
    ) -> list[CaseAssigned]:
        pending = await self._crm.unowned_cases(queue)
        if not pending:
            return []
        counts = await self._crm.open_case_counts(allowed)
        active = {agent: counts.get(agent, 0) for agent in allowed}
        done = []
        for case in pending:
            choice = choose_case_owner(
                steps=steps,
                active_cases=active,
                last_handler=case.last_handler,
                capacity=self._capacity,
                pick=self._pick,
            )
            if choice is None:
                break
            try:
                await self._crm.assign_case(
                    case.number,
                    choice.agent_id,
                    actor=f"assignment:{choice.step.value}",
                    automatic=True,
                )
            except CrmError as exc:  # filled up or closed meanwhile: the next pass sees it
                log.info("case_assignment_skipped", case=case.number, reason=exc.code)
                active[choice.agent_id] = self._capacity
                continue
            active[choice.agent_id] += 1
            assigned = CaseAssigned(case.number, choice.agent_id, choice.step)
            self._bus.publish(assigned)
            done.append(assigned)
        return done
