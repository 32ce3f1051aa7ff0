"""Case lifecycle: workflow with audit, a ticket on every call, Q2/S8, S5, D7/Q4, S1, S2,
escalation, intake answers and follow-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.domain.cases import CaseStatus, Priority
from crm.domain.escalation import AgentCandidate
from crm.errors import AgentQueueFull, CaseClosed, InvalidTransition, UnknownCase
from crm.intake import load_intake_scripts
from crm.services import CrmService
from crm.settings import CrmSettings
from crm.views import CustomerInfo, NewCustomer

CALLER = "+33123456789"


async def mails(uow_factory: UnitOfWorkFactory, kind: str | None = None) -> list[str]:
    async with uow_factory() as uow:
        return [m.kind for m in await uow.outbox.all() if kind is None or m.kind == kind]


async def test_call_from_known_customer_opens_a_numbered_case_owned_by_the_agent(
    service: CrmService, customer: CustomerInfo, uow_factory: UnitOfWorkFactory
):  # D4 S1
    result = await service.open_or_join_case_for_call(
        call_id="c1", caller_number="01 23 45 67 89", agent_id="alice", queue="support-office"
    )
    assert not result.joined
    assert result.customer is not None and result.customer.id == customer.id
    case_ = result.case
    assert case_.number.startswith("2025-")
    assert case_.status is CaseStatus.OPEN
    assert case_.owner_agent_id == "alice"
    assert case_.priority is Priority.NORMAL
    details = await service.case_details(case_.number)
    assert [(f.kind, f.call_id) for f in details.follow_ups] == [("call", "c1")]
    [call] = await service.call_history(CALLER)
    assert (call.call_id, call.case_id, call.customer_id) == ("c1", case_.id, customer.id)
    assert await mails(uow_factory) == ["acknowledgement"]  # Q4


async def test_call_from_unknown_number_still_gets_a_ticket(service: CrmService):  # D4
    first = await service.open_or_join_case_for_call(
        call_id="u1", caller_number="06 98 76 54 32", agent_id="bob"
    )
    assert first.customer is None
    assert first.case.contact_number == "+33698765432"
    again = await service.open_or_join_case_for_call(
        call_id="u2", caller_number="+33698765432", agent_id="bob"
    )
    assert again.joined and again.case.number == first.case.number  # Q2


async def test_new_contact_joins_the_open_case(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # Q2
    first = await service.open_or_join_case_for_call(
        call_id="c1", caller_number=CALLER, agent_id="alice"
    )
    clock.advance(days=27, hours=23)
    second = await service.open_or_join_case_for_call(
        call_id="c2", caller_number="+33612345678", agent_id="bob"
    )
    assert second.joined
    assert second.case.number == first.case.number
    details = await service.case_details(first.case.number)
    assert [f.call_id for f in details.follow_ups] == ["c1", "c2"]


async def test_contact_after_28_idle_days_opens_a_new_case(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # Q2
    first = await service.open_or_join_case_for_call(
        call_id="c1", caller_number=CALLER, agent_id="alice"
    )
    clock.advance(days=28)
    second = await service.open_or_join_case_for_call(
        call_id="c2", caller_number=CALLER, agent_id="alice"
    )
    assert not second.joined
    assert second.case.previous_case_id == first.case.id


async def test_activity_restarts_the_28_day_idle_period(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # Q2
    first = await service.open_or_join_case_for_call(
        call_id="c1", caller_number=CALLER, agent_id="alice"
    )
    clock.advance(days=20)
    await service.add_follow_up(first.case.number, author="alice", body="called supplier")
    clock.advance(days=20)
    second = await service.open_or_join_case_for_call(
        call_id="c2", caller_number=CALLER, agent_id="alice"
    )
    assert second.joined


async def test_contact_after_resolution_opens_a_new_case(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # Q2 S1 S8
    first = await service.open_or_join_case_for_call(
        call_id="c1", caller_number=CALLER, agent_id="alice"
    )
    await service.set_case_status(first.case.number, "resolved", actor="alice")
    clock.advance(minutes=10)
    second = await service.open_or_join_case_for_call(
        call_id="c2", caller_number=CALLER, agent_id="alice"
    )
    assert not second.joined
    assert second.case.previous_case_id == first.case.id
    assert second.case.priority is Priority.HIGH  # S1: a repeat contact within the week


async def test_closed_case_is_never_reopened_by_a_new_contact(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # S8
    first = await service.open_or_join_case_for_call(
        call_id="c1", caller_number=CALLER, agent_id="alice"
    )
    await service.set_case_status(first.case.number, "resolved", actor="alice")
    await service.set_case_status(first.case.number, "closed", actor="alice")
    clock.advance(hours=1)
    second = await service.open_or_join_case_for_call(
        call_id="c2", caller_number=CALLER, agent_id="bob"
    )
    assert not second.joined
    assert second.case.number != first.case.number
    assert (await service.get_case(first.case.number)).status is CaseStatus.CLOSED
    details = await service.case_details(second.case.number)
    assert details.previous_case_number == first.case.number
    # The profile shows all past cases, newest first.
    profile = await service.find_customer(phone=CALLER)
    assert profile is not None
    assert [c.number for c in profile.cases] == [second.case.number, first.case.number]


async def test_closed_case_refuses_status_changes_and_follow_ups(
    service: CrmService, customer: CustomerInfo
):  # S8
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(case_.number, "resolved", actor="alice")
    await service.set_case_status(case_.number, "closed", actor="alice")
    for attempt in (
        service.set_case_status(case_.number, "open", actor="alice"),
        service.add_follow_up(case_.number, author="alice", body="late"),
        service.set_priority(case_.number, "high", actor="alice"),
    ):
        with pytest.raises(CaseClosed) as info:
            await attempt
        assert info.value.code == "case_closed"


async def test_status_changes_are_audited_with_who_when_from_to(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # S3
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    clock.advance(minutes=5)
    await service.set_case_status(case_.number, "waiting_for_customer", actor="bob")
    with pytest.raises(InvalidTransition):
        await service.set_case_status(case_.number, "new", actor="bob")
    audit = (await service.case_details(case_.number)).audit
    status_trail = [(a.actor, a.old_value, a.new_value) for a in audit if a.field == "status"]
    assert status_trail == [("alice", None, "open"), ("bob", "open", "waiting_for_customer")]
    assert audit[-1].at == clock.now()


async def test_unknown_case_number_raises_unknown_case(service: CrmService):
    with pytest.raises(UnknownCase) as info:
        await service.get_case("2025-999999")
    assert info.value.code == "unknown_case"


async def test_waiting_for_customer_mails_the_customer_and_sets_a_24h_deadline(
    service: CrmService, customer: CustomerInfo, clock: FakeClock, uow_factory: UnitOfWorkFactory
):  # S5
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    waiting = await service.set_case_status(
        case_.number, "waiting_for_customer", actor="alice", message="Send us the invoice."
    )
    assert waiting.auto_close_at == clock.now() + timedelta(hours=24)
    async with uow_factory() as uow:
        [mail] = [m for m in await uow.outbox.all() if m.kind == "waiting_for_customer"]
        assert mail.to_addr == "camille@example.test"
        assert "Send us the invoice." in mail.body


async def test_waiting_case_closes_after_24h_without_reply(
    service: CrmService, customer: CustomerInfo, clock: FakeClock, uow_factory: UnitOfWorkFactory
):  # S5
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(case_.number, "waiting_for_customer", actor="alice")
    clock.advance(hours=23, minutes=59)
    assert await service.close_due_cases() == []
    clock.advance(minutes=1)
    assert await service.close_due_cases() == [case_.number]
    closed = await service.get_case(case_.number)
    assert closed.status is CaseStatus.CLOSED
    assert closed.closed_at == clock.now()
    assert "auto_closed" in await mails(uow_factory)
    assert await service.close_due_cases() == []  # once only


async def test_customer_reply_stops_the_auto_close(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # S5
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(case_.number, "waiting_for_customer", actor="alice")
    clock.advance(hours=20)
    await service.add_follow_up(case_.number, author="customer", kind="mail_in", body="Here")
    reopened = await service.get_case(case_.number)
    assert reopened.status is CaseStatus.OPEN
    assert reopened.auto_close_at is None
    clock.advance(hours=10)
    assert await service.close_due_cases() == []


async def test_call_from_customer_answers_a_waiting_case(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # S5 Q2
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(case_.number, "waiting_for_customer", actor="alice")
    clock.advance(hours=2)
    result = await service.open_or_join_case_for_call(
        call_id="c9", caller_number=CALLER, agent_id="bob"
    )
    assert result.joined and result.case.status is CaseStatus.OPEN
    assert result.case.auto_close_at is None


async def test_resolution_asks_the_customer_to_confirm_and_the_survey_follows_the_closure(
    service: CrmService, customer: CustomerInfo, uow_factory: UnitOfWorkFactory
):  # D7 Q4
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(case_.number, "resolved", actor="alice")
    assert await mails(uow_factory) == ["acknowledgement", "resolution_confirmation"]
    await service.set_case_status(case_.number, "closed", actor="customer")
    assert await mails(uow_factory) == ["acknowledgement", "resolution_confirmation", "csat"]


async def test_csat_only_on_first_resolution(
    service: CrmService, customer: CustomerInfo, clock: FakeClock, uow_factory: UnitOfWorkFactory
):  # Q4
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(case_.number, "resolved", actor="alice")
    clock.advance(days=3)
    await service.set_case_status(case_.number, "open", actor="alice")
    await service.set_case_status(case_.number, "resolved", actor="alice")
    await service.set_case_status(case_.number, "closed", actor="customer")
    assert len(await mails(uow_factory, "csat")) == 1
    assert len(await mails(uow_factory, "resolution_confirmation")) == 2


async def test_csat_once_per_24h_per_contact(
    service: CrmService, customer: CustomerInfo, clock: FakeClock, uow_factory: UnitOfWorkFactory
):  # Q4
    first = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    second = await service.open_case(actor="bob", customer_id=customer.id, owner_agent_id="bob")
    third = await service.open_case(actor="bob", customer_id=customer.id, owner_agent_id="bob")
    for case_ in (first, second, third):
        await service.set_case_status(case_.number, "resolved", actor="alice")
    await service.set_case_status(first.number, "closed", actor="customer")
    clock.advance(hours=23)
    await service.set_case_status(second.number, "closed", actor="customer")
    assert len(await mails(uow_factory, "csat")) == 1
    clock.advance(hours=1)
    await service.set_case_status(third.number, "closed", actor="customer")
    assert len(await mails(uow_factory, "csat")) == 2


async def test_confirmation_after_resolution_sends_the_satisfaction_mail_if_not_yet_sent(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, customer: CustomerInfo, service: CrmService
):  # D7 Q4
    a = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    b = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(a.number, "resolved", actor="alice")
    await service.set_case_status(a.number, "closed", actor="customer")
    await service.set_case_status(b.number, "resolved", actor="alice")
    clock.advance(hours=25)
    await service.set_case_status(b.number, "closed", actor="customer")  # confirmation
    assert len(await mails(uow_factory, "csat")) == 2


async def test_priority_follows_tier_and_repeat_contacts(
    service: CrmService, clock: FakeClock
):  # S1
    vip = await service.create_customer(
        NewCustomer(account_number="VIP", tier="vip", phones=["0611111111"])
    )
    regular = await service.create_customer(
        NewCustomer(account_number="REG", phones=["0622222222"])
    )
    assert (await service.open_case(actor="a", customer_id=vip.id)).priority is Priority.URGENT
    first = await service.open_case(actor="a", customer_id=regular.id)
    assert first.priority is Priority.NORMAL
    clock.advance(days=2)
    assert (await service.open_case(actor="a", customer_id=regular.id)).priority is Priority.HIGH
    clock.advance(days=30)
    assert (await service.open_case(actor="a", customer_id=regular.id)).priority is Priority.NORMAL


async def test_ivr_choice_sets_priority(uow_factory: UnitOfWorkFactory, clock: FakeClock):  # S1
    service = CrmService(uow_factory, clock, CrmSettings(ivr_priority={"main>9": Priority.URGENT}))
    result = await service.open_or_join_case_for_call(
        call_id="c1", caller_number="0611111111", agent_id="a", ivr_path="main>9"
    )
    assert result.case.priority is Priority.URGENT


async def test_manual_priority_override_is_kept_and_audited(
    service: CrmService, customer: CustomerInfo
):  # S1
    case_ = await service.open_case(actor="alice", customer_id=customer.id)
    updated = await service.set_priority(case_.number, "low", actor="supervisor")
    assert updated.priority is Priority.LOW and updated.priority_manual
    audit = (await service.case_details(case_.number)).audit
    assert ("supervisor", "normal", "low") in [
        (a.actor, a.old_value, a.new_value) for a in audit if a.field == "priority"
    ]


async def test_full_case_queue_gets_no_automatic_assignment(
    service: CrmService, customer: CustomerInfo
):  # S2
    for _ in range(4):
        await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    fifth = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    assert fifth.owner_agent_id is None and fifth.status is CaseStatus.NEW
    with pytest.raises(AgentQueueFull) as info:
        await service.assign_case(fifth.number, "alice", actor="router", automatic=True)
    assert info.value.code == "agent_queue_full"
    # A supervisor may still assign manually.
    assigned = await service.assign_case(fifth.number, "alice", actor="supervisor")
    assert assigned.owner_agent_id == "alice" and assigned.status is CaseStatus.OPEN


async def test_tickets_report_the_answering_agents_load_and_respect_s2(
    service: CrmService, clock: FakeClock
):  # S2 D4 P2
    loads = []
    for n in range(5):
        ticket = await service.open_or_join_case_for_call(
            call_id=f"c{n}", caller_number=f"06000000{n:02d}", agent_id="alice"
        )
        loads.append((ticket.agent_open_cases, ticket.case.owner_agent_id))
    # The fifth call still gets its ticket, unassigned: alice's queue is full.
    assert loads == [(1, "alice"), (2, "alice"), (3, "alice"), (4, "alice"), (4, None)]
    # Joining her own case adds nothing; bob answering the unowned one takes it (P2).
    again = await service.open_or_join_case_for_call(
        call_id="c5", caller_number="0600000000", agent_id="alice"
    )
    assert again.joined and again.agent_open_cases == 4
    taken = await service.open_or_join_case_for_call(
        call_id="c6", caller_number="0600000004", agent_id="bob"
    )
    assert taken.joined and taken.case.owner_agent_id == "bob" and taken.agent_open_cases == 1


async def test_escalation_raises_level_and_reassigns(
    service: CrmService, customer: CustomerInfo
):  # D5 S4
    case_ = await service.open_case(
        actor="alice", customer_id=customer.id, owner_agent_id="alice", subject="billing"
    )
    team = [
        AgentCandidate("l1-network", 1, frozenset({"network"})),
        AgentCandidate("l1-billing", 1, frozenset({"billing"})),
        AgentCandidate("l2", 2),
    ]
    escalated = await service.escalate(case_.number, actor="alice", candidates=team)
    assert (escalated.escalation_level, escalated.owner_agent_id) == (1, "l1-billing")
    again = await service.escalate(case_.number, actor="l1-billing", candidates=team)
    assert (again.escalation_level, again.owner_agent_id) == (2, "l2")
    audit = (await service.case_details(case_.number)).audit
    assert [(a.old_value, a.new_value) for a in audit if a.field == "escalation_level"] == [
        ("0", "1"),
        ("1", "2"),
    ]


SCRIPT = load_intake_scripts(
    {
        "queues": {
            "support-office": {
                "questions": [
                    {
                        "id": "product",
                        "label": "Product",
                        "type": "choice",
                        "choices": ["payroll", "invoicing"],
                        "required": True,
                    },
                    {"id": "since", "label": "Since", "type": "date"},
                ]
            }
        }
    }
)["support-office"]


async def test_intake_answers_are_stored_with_the_case(
    service: CrmService, customer: CustomerInfo
):  # D4
    result = await service.open_or_join_case_for_call(
        call_id="c1", caller_number=CALLER, agent_id="alice", queue="support-office"
    )
    typed = await service.record_intake_answers(
        result.case.number,
        SCRIPT,
        {"product": "payroll", "since": "2025-01-03"},
        actor="alice",
        call_id="c1",
    )
    details = await service.case_details(result.case.number)
    stored = {a.question_id: a.value for a in details.intake_answers}
    assert stored == typed
    assert str(stored["since"]) == "2025-01-03"
    assert details.intake_answers[0].script == "support-office"


async def test_intake_with_missing_required_answer_is_refused_and_nothing_stored(
    service: CrmService, customer: CustomerInfo
):  # D4
    result = await service.open_or_join_case_for_call(
        call_id="c1", caller_number=CALLER, agent_id="alice", queue="support-office"
    )
    with pytest.raises(Exception) as info:
        await service.record_intake_answers(result.case.number, SCRIPT, {}, actor="alice")
    assert getattr(info.value, "code", None) == "intake_answer_missing"
    assert (await service.case_details(result.case.number)).intake_answers == ()


async def test_follow_ups_of_every_kind_build_the_timeline(
    service: CrmService, customer: CustomerInfo, clock: FakeClock, uow_factory: UnitOfWorkFactory
):  # C1
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.add_follow_up(case_.number, author="alice", body="checked logs")
    clock.advance(minutes=1)
    await service.add_follow_up(
        case_.number, author="alice", kind="mail_out", body="Please restart", visibility="customer"
    )
    clock.advance(minutes=1)
    await service.add_follow_up(case_.number, author="customer", kind="mail_in", body="Done")
    details = await service.case_details(case_.number)
    assert [(f.kind, f.visibility) for f in details.follow_ups] == [
        ("note", "private"),
        ("mail_out", "customer"),
        ("mail_in", "private"),
    ]
    assert "agent_message" in await mails(uow_factory)


async def test_private_note_on_someone_elses_case_notifies_the_owner(
    service: CrmService, customer: CustomerInfo
):  # S10
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.add_follow_up(case_.number, author="bob", body="customer is upset")
    await service.add_follow_up(case_.number, author="alice", body="own note, no notification")
    [note] = await service.notifications_for("alice")
    assert note.kind == "private_note" and note.sender == "bob"
