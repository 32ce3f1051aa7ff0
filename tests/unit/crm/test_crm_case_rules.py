"""Pure case rules: no database, time passed in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.domain.cases import (
    ALLOWED_TRANSITIONS,
    CaseSnapshot,
    CaseStatus,
    JoinCase,
    OpenCase,
    Priority,
    auto_close_deadline,
    check_transition,
    decide_join_or_open,
    is_auto_close_due,
    status_after_customer_contact,
)
from crm.domain.escalation import AgentCandidate, choose_escalation
from crm.domain.journal import service_level
from crm.domain.mail_rules import csat_eligible, reminder_time, retry_delay
from crm.domain.priority import PriorityInputs, compute_priority
from crm.errors import CaseClosed, EscalationNotPossible, InvalidTransition

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
IDLE = timedelta(days=28)


def test_happy_path_workflow_new_open_waiting_resolved_closed_is_allowed():  # S3
    path = [
        CaseStatus.NEW,
        CaseStatus.OPEN,
        CaseStatus.WAITING_FOR_CUSTOMER,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    ]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)


@pytest.mark.parametrize("target", list(CaseStatus))
def test_closed_case_never_changes_status(target: CaseStatus):  # S8
    with pytest.raises(CaseClosed) as info:
        check_transition(CaseStatus.CLOSED, target)
    assert info.value.code == "case_closed"


def test_open_case_cannot_jump_back_to_new():  # S3
    with pytest.raises(InvalidTransition) as info:
        check_transition(CaseStatus.OPEN, CaseStatus.NEW)
    assert info.value.code == "invalid_transition"


def test_every_status_but_closed_has_a_way_forward():  # S3
    for status, targets in ALLOWED_TRANSITIONS.items():
        assert bool(targets) == (status is not CaseStatus.CLOSED)


def test_waiting_case_deadline_is_24h_after_waiting_started():  # S5
    deadline = auto_close_deadline(NOW, timedelta(hours=24))
    assert deadline == NOW + timedelta(hours=24)
    assert not is_auto_close_due(
        CaseStatus.WAITING_FOR_CUSTOMER, deadline, deadline - timedelta(seconds=1)
    )
    assert is_auto_close_due(CaseStatus.WAITING_FOR_CUSTOMER, deadline, deadline)


def test_auto_close_only_applies_to_waiting_cases():  # S5
    assert not is_auto_close_due(CaseStatus.OPEN, NOW - DAY, NOW)
    assert not is_auto_close_due(CaseStatus.WAITING_FOR_CUSTOMER, None, NOW)


def test_customer_reply_takes_waiting_case_back_to_open():  # S5
    assert status_after_customer_contact(CaseStatus.WAITING_FOR_CUSTOMER) is CaseStatus.OPEN
    assert status_after_customer_contact(CaseStatus.NEW) is CaseStatus.NEW


def test_first_contact_opens_a_case():  # Q2
    assert decide_join_or_open(None, NOW, IDLE) == OpenCase(False, "no_previous_case")


@pytest.mark.parametrize(
    "status", [CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_FOR_CUSTOMER]
)
def test_contact_joins_active_case_within_28_days(status: CaseStatus):  # Q2
    latest = CaseSnapshot(status, NOW - timedelta(days=27, hours=23))
    assert isinstance(decide_join_or_open(latest, NOW, IDLE), JoinCase)


def test_contact_after_28_idle_days_opens_a_new_linked_case():  # Q2
    latest = CaseSnapshot(CaseStatus.OPEN, NOW - IDLE)
    assert decide_join_or_open(latest, NOW, IDLE) == OpenCase(True, "previous_idle")


def test_contact_after_resolution_opens_a_new_case():  # Q2
    latest = CaseSnapshot(CaseStatus.RESOLVED, NOW - timedelta(minutes=5))
    assert decide_join_or_open(latest, NOW, IDLE) == OpenCase(True, "previous_resolved")


def test_contact_on_closed_case_opens_a_new_linked_case():  # S8
    latest = CaseSnapshot(CaseStatus.CLOSED, NOW - timedelta(minutes=5))
    assert decide_join_or_open(latest, NOW, IDLE) == OpenCase(True, "previous_closed")


@given(
    status=st.sampled_from(list(CaseStatus)),
    idle=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
)
def test_join_happens_only_for_active_recent_cases(status: CaseStatus, idle: timedelta):  # Q2 S8
    decision = decide_join_or_open(CaseSnapshot(status, NOW - idle), NOW, IDLE)
    joinable = status not in {CaseStatus.RESOLVED, CaseStatus.CLOSED} and idle < IDLE
    assert isinstance(decision, JoinCase) == joinable


BOOSTS = {"gold": 1, "vip": 2}


def test_default_priority_is_normal():  # S1
    assert compute_priority(PriorityInputs(), BOOSTS, {}) is Priority.NORMAL


def test_customer_tier_raises_priority():  # S1
    assert compute_priority(PriorityInputs(customer_tier="gold"), BOOSTS, {}) is Priority.HIGH
    assert compute_priority(PriorityInputs(customer_tier="vip"), BOOSTS, {}) is Priority.URGENT


def test_repeat_contact_raises_priority_one_step():  # S1
    assert compute_priority(PriorityInputs(recent_case_count=1), BOOSTS, {}) is Priority.HIGH


def test_ivr_choice_sets_a_priority_floor():  # S1
    floors = {"main>9": Priority.URGENT, "main>3": Priority.LOW}
    assert compute_priority(PriorityInputs(ivr_path="main>9"), BOOSTS, floors) is Priority.URGENT
    # A floor never lowers the priority.
    assert compute_priority(PriorityInputs(ivr_path="main>3"), BOOSTS, floors) is Priority.NORMAL


def test_priority_is_capped_at_urgent():  # S1
    inputs = PriorityInputs(customer_tier="vip", recent_case_count=3)
    assert compute_priority(inputs, BOOSTS, {}) is Priority.URGENT


def _escalate(status=CaseStatus.OPEN, level=0, case_type="billing", candidates=(), counts=None):
    return choose_escalation(
        status=status,
        level=level,
        case_type=case_type,
        candidates=candidates,
        active_cases=counts or {},
        max_cases_per_agent=4,
    )


def test_escalation_goes_to_next_level_agent_handling_the_type():  # D5 S4
    decision = _escalate(
        candidates=[
            AgentCandidate("l2", level=2),
            AgentCandidate("l1-network", level=1, case_types=frozenset({"network"})),
            AgentCandidate("l1-billing", level=1, case_types=frozenset({"billing"})),
        ]
    )
    assert (decision.new_level, decision.owner) == (1, "l1-billing")


def test_escalation_of_active_case_skips_unavailable_agents():  # S4
    decision = _escalate(
        candidates=[AgentCandidate("away", 1, available=False), AgentCandidate("here", 1)]
    )
    assert decision.owner == "here"


def test_escalation_of_waiting_case_may_go_to_an_absent_agent():  # S4
    decision = _escalate(
        status=CaseStatus.WAITING_FOR_CUSTOMER,
        candidates=[AgentCandidate("away", 1, available=False)],
    )
    assert decision.owner == "away"


def test_escalation_skips_full_case_queues_and_prefers_least_loaded():  # S2 S4
    decision = _escalate(
        candidates=[
            AgentCandidate("full", 1),
            AgentCandidate("busy", 1),
            AgentCandidate("calm", 1),
        ],
        counts={"full": 4, "busy": 3, "calm": 1},
    )
    assert decision.owner == "calm"


def test_escalation_without_candidate_leaves_case_unassigned_at_new_level():  # D5
    decision = _escalate(level=1, candidates=[AgentCandidate("l1", 1)])
    assert (decision.new_level, decision.owner) == (2, None)


def test_escalation_stops_at_level_2():  # D5
    with pytest.raises(EscalationNotPossible):
        _escalate(level=2)


def test_closed_or_resolved_case_is_not_escalated():  # S4 S8
    with pytest.raises(CaseClosed):
        _escalate(status=CaseStatus.CLOSED)
    with pytest.raises(EscalationNotPossible):
        _escalate(status=CaseStatus.RESOLVED)


def test_csat_sent_on_first_resolution_when_contact_had_none():  # Q4
    assert csat_eligible(case_csat_sent=False, last_csat_to_contact=None, now=NOW, cooldown=DAY)


def test_csat_not_sent_twice_within_24h_to_same_contact():  # Q4
    recent = NOW - timedelta(hours=23, minutes=59)
    assert not csat_eligible(
        case_csat_sent=False, last_csat_to_contact=recent, now=NOW, cooldown=DAY
    )
    assert csat_eligible(
        case_csat_sent=False, last_csat_to_contact=NOW - DAY, now=NOW, cooldown=DAY
    )


def test_csat_never_sent_twice_for_one_case():  # Q4
    assert not csat_eligible(case_csat_sent=True, last_csat_to_contact=None, now=NOW, cooldown=DAY)


def test_task_reminder_fires_minutes_before_due_time():  # C1
    assert reminder_time(NOW, 15) == NOW - timedelta(minutes=15)


def test_retry_backoff_doubles_and_is_capped():
    base, cap = timedelta(seconds=30), timedelta(minutes=10)
    delays = [retry_delay(n, base, cap) for n in range(1, 7)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert delays[-1] == cap


def test_service_level_is_share_answered_within_threshold():  # S7
    assert service_level(8, 10) == 0.8
    assert service_level(0, 0) is None
