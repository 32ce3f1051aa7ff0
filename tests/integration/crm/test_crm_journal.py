"""Call journal (S7) and the preferred-agent queries the ACD uses (S9, P5)."""

from __future__ import annotations

from datetime import timedelta

from crm.clock import FakeClock
from crm.domain.journal import CallOutcome, Direction
from crm.services import CrmService
from crm.views import CallRecord, CustomerInfo

NUMBER = "+33123456789"


async def test_call_is_upserted_by_call_id(service: CrmService, clock: FakeClock):  # S7
    start = clock.now()
    await service.record_call(
        CallRecord(
            call_id="1700000000.1",
            caller_number="01 23 45 67 89",
            dialled_number="0899000000",
            ivr_path="main>1",
            queue="support-office",
            enqueued_at=start,
            uniqueid="1700000000.1",
            linkedid="1700000000.1",
        )
    )
    await service.record_call(
        CallRecord(
            call_id="1700000000.1",
            agent_ids=["alice"],
            offered_at=start + timedelta(seconds=5),
        )
    )
    entry = await service.record_call(
        CallRecord(
            call_id="1700000000.1",
            agent_id="bob",
            answered_at=start + timedelta(seconds=12),
            ended_at=start + timedelta(minutes=3),
            wait_s=12,
            talk_s=168,
            wrapup_s=30,
            outcome=CallOutcome.ANSWERED,
        )
    )
    assert entry.caller_number == NUMBER
    assert entry.dialled_number == "+33899000000"
    assert entry.queue == "support-office" and entry.ivr_path == "main>1"
    assert entry.agent_id == "bob" and entry.agent_ids == ("alice", "bob")
    assert entry.started_at == start
    assert (entry.wait_s, entry.talk_s, entry.wrapup_s) == (12, 168, 30)
    assert entry.outcome is CallOutcome.ANSWERED
    assert [c.call_id for c in await service.call_history(NUMBER)] == ["1700000000.1"]


async def test_a_batch_touching_a_call_twice_writes_one_row_with_both(
    service: CrmService, clock: FakeClock, customer: CustomerInfo
):  # S7: the journal writer's batch holds a call's end and, later, its wrap-up time
    start = clock.now()
    await service.record_call(CallRecord(call_id="old", caller_number=NUMBER, enqueued_at=start))
    entries = await service.record_calls(
        [
            CallRecord(call_id="old", agent_id="bob", ended_at=start, outcome=CallOutcome.ANSWERED),
            CallRecord(call_id="new", caller_number="0123456789", agent_id="alice"),
            CallRecord(call_id="old", wrapup_s=42),
            CallRecord(call_id="new", ended_at=start, outcome=CallOutcome.ABANDONED),
        ]
    )
    assert [e.call_id for e in entries] == ["old", "new", "old", "new"]
    history = {e.call_id: e for e in await service.call_history(NUMBER)}
    assert set(history) == {"old", "new"}
    assert history["old"].agent_id == "bob" and history["old"].wrapup_s == 42
    assert history["old"].outcome is CallOutcome.ANSWERED
    assert history["new"].agent_ids == ("alice",)
    assert history["new"].outcome is CallOutcome.ABANDONED
    # The number belongs to a known customer: both rows are linked to them.
    assert {e.customer_id for e in history.values()} == {customer.id}


async def test_a_calls_ticket_and_journal_row_meet_whichever_is_written_first(
    service: CrmService, clock: FakeClock, customer: CustomerInfo
):  # D4, S7: the ticket and the journal each write a call's row; one row, linked to its case
    start = clock.now()
    await service.record_call(
        CallRecord(call_id="journal-first", caller_number=NUMBER, queue="sales", enqueued_at=start)
    )
    joined = await service.open_or_join_case_for_call(
        call_id="journal-first", caller_number=NUMBER, agent_id="alice", queue="sales"
    )
    opened = await service.open_or_join_case_for_call(
        call_id="ticket-first", caller_number=NUMBER, agent_id="bob", queue="sales"
    )
    await service.record_call(
        CallRecord(
            call_id="ticket-first",
            agent_id="bob",
            answered_at=start,
            ended_at=start + timedelta(minutes=2),
            outcome=CallOutcome.ANSWERED,
        )
    )
    history = {e.call_id: e for e in await service.call_history(NUMBER)}
    assert set(history) == {"journal-first", "ticket-first"}
    assert history["journal-first"].case_id == joined.case.id
    assert history["journal-first"].queue == "sales"
    assert history["ticket-first"].case_id == opened.case.id
    assert history["ticket-first"].outcome is CallOutcome.ANSWERED
    assert {e.customer_id for e in history.values()} == {customer.id}


async def test_history_of_a_number_lists_inbound_and_outbound_calls_newest_first(
    service: CrmService, clock: FakeClock, customer: CustomerInfo
):  # S7
    for i in range(5):
        await service.record_call(
            CallRecord(call_id=f"in-{i}", caller_number="0123456789", started_at=clock.now())
        )
        clock.advance(minutes=10)
    await service.record_call(
        CallRecord(
            call_id="out-1",
            direction=Direction.OUTBOUND,
            caller_number="0899000000",
            dialled_number="+33 1 23 45 67 89",
            started_at=clock.now(),
            outcome=CallOutcome.OUTBOUND_ANSWERED,
        )
    )
    await service.record_call(CallRecord(call_id="other", caller_number="0699999999"))
    history = await service.call_history("01.23.45.67.89")
    assert [c.call_id for c in history] == ["out-1", "in-4", "in-3", "in-2", "in-1", "in-0"]
    assert all(c.customer_id == customer.id for c in history)
    assert [c.call_id for c in await service.call_history(NUMBER, limit=2)] == ["out-1", "in-4"]


async def test_stats_per_queue_and_agent_with_service_level(
    service: CrmService, clock: FakeClock
):  # S7
    t0 = clock.now()
    calls = [
        ("a", "q1", "alice", CallOutcome.ANSWERED, 5, 100),
        ("b", "q1", "alice", CallOutcome.ANSWERED, 30, 200),
        ("c", "q1", None, CallOutcome.ABANDONED, 40, None),
        ("d", "q2", "bob", CallOutcome.ANSWERED, 10, 60),
    ]
    for call_id, queue, agent, outcome, wait, talk in calls:
        await service.record_call(
            CallRecord(
                call_id=call_id,
                caller_number="0612345678",
                queue=queue,
                agent_id=agent,
                outcome=outcome,
                wait_s=wait,
                talk_s=talk,
                started_at=t0,
                ended_at=t0 + timedelta(seconds=wait + (talk or 0)),
            )
        )
    await service.record_call(
        CallRecord(call_id="late", queue="q1", started_at=t0 + timedelta(days=2))
    )
    # Still waiting: no end, no outcome, in no figure until it ends.
    await service.record_call(CallRecord(call_id="e", queue="q1", agent_id="bob", started_at=t0))
    by_queue = {
        s.key: s for s in await service.call_stats(t0, t0 + timedelta(days=1), service_level_s=20)
    }
    q1 = by_queue["q1"]
    assert (q1.calls, q1.answered, q1.abandoned, q1.answered_within_sl) == (3, 2, 1, 1)
    assert q1.avg_wait_s == 25 and q1.avg_talk_s == 150
    assert q1.service_level == 1 / 3
    assert by_queue["q2"].service_level == 1.0
    by_agent = {
        s.key: s.answered for s in await service.call_stats(t0, t0 + timedelta(days=1), by="agent")
    }
    assert by_agent == {None: 0, "alice": 2, "bob": 1}


async def test_last_agent_who_handled_this_number(service: CrmService, clock: FakeClock):  # S9
    await service.record_call(
        CallRecord(
            call_id="1",
            caller_number=NUMBER,
            agent_id="alice",
            outcome=CallOutcome.ANSWERED,
            started_at=clock.now(),
        )
    )
    clock.advance(hours=1)
    await service.record_call(
        CallRecord(
            call_id="2",
            caller_number=NUMBER,
            agent_ids=["bob"],
            outcome=CallOutcome.ABANDONED,
            started_at=clock.now(),
        )
    )
    day, half_hour = timedelta(days=1), timedelta(minutes=30)
    preferred = service.preferred_agent_for_number
    assert await preferred("0123456789", last_agent_within=day) == ("alice", "last_agent")
    assert await preferred("0123456789", last_agent_within=half_hour) == (None, None)
    assert await preferred("0600000000", last_agent_within=day) == (None, None)


async def test_agent_who_left_a_follow_up_within_3_hours(
    service: CrmService, clock: FakeClock, customer: CustomerInfo
):  # P5
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.add_follow_up(case_.number, author="carol", body="will call back")
    clock.advance(hours=2, minutes=59)
    preferred = service.preferred_agent_for_number
    assert await preferred("06 12 34 56 78", last_agent_within=None) == ("carol", "follow_up")
    clock.advance(minutes=1)
    # The follow-up no longer counts: the call goes to the case owner (P1).
    assert await preferred("06 12 34 56 78", last_agent_within=None) == ("alice", "owner")


async def test_answering_an_inbound_call_is_not_a_follow_up_contact(
    service: CrmService, customer: CustomerInfo
):  # P5
    await service.open_or_join_case_for_call(
        call_id="in-1", caller_number="06 12 34 56 78", agent_id="dave", queue="q1"
    )
    # Not "follow_up": dave is preferred only as the owner of the case the call opened.
    assert await service.preferred_agent_for_number("06 12 34 56 78", last_agent_within=None) == (
        "dave",
        "owner",
    )


async def test_the_preferred_agent_is_the_follow_up_author_then_the_owner_then_the_last_agent(
    service: CrmService, clock: FakeClock, customer: CustomerInfo
):  # P5, P1, S9
    window = timedelta(hours=24)
    await service.record_call(
        CallRecord(
            call_id="old",
            caller_number="06 12 34 56 78",
            agent_id="sam",
            outcome=CallOutcome.ANSWERED,
            started_at=clock.now(),
        )
    )
    assert await service.preferred_agent_for_number("06 12 34 56 78", last_agent_within=window) == (
        "sam",
        "last_agent",
    )
    assert await service.preferred_agent_for_number("06 12 34 56 78", last_agent_within=None) == (
        None,
        None,
    )
    case_ = await service.open_case(actor="olga", customer_id=customer.id, owner_agent_id="olga")
    assert await service.preferred_agent_for_number("06 12 34 56 78", last_agent_within=window) == (
        "olga",
        "owner",
    )
    await service.add_follow_up(case_.number, author="fred", body="I'll call back at 3")
    assert await service.preferred_agent_for_number("06 12 34 56 78", last_agent_within=window) == (
        "fred",
        "follow_up",
    )
