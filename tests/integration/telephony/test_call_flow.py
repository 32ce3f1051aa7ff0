"""Real calls through the sandbox Asterisk: IVR, queue, agent, wrap-up, journal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from acd import routing
from acd.ami import actions
from acd.bootstrap import Server
from acd.config import Settings
from acd.telephony.events import (
    AgentStateEvent,
    CallArrived,
    CallbackRequested,
    CallConnected,
    CallEnded,
    CallOffered,
    CallOverflowedEvent,
    CallQueuedEvent,
    TicketOpened,
)
from acd.telephony.writer import TelephonyError
from tests.support.sandbox import Switchboard
from tests.support.server import ready, running_server
from tests.support.waiting import next_event, until


async def test_an_inbound_call_on_a_did_reaches_the_server_with_its_caller_and_ids(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D1
    await switchboard.call("0189000002", "0611223344")
    arrived = await next_event(events, CallArrived, lambda e: e.caller_number == "0611223344")
    assert arrived.did == "0189000002"
    assert arrived.uniqueid and arrived.linkedid
    assert arrived.channel.startswith("Local/0189000002@from-trunk")
    await switchboard.hangup(arrived.channel)
    ended = await next_event(events, CallEnded, lambda e: e.uniqueid == arrived.uniqueid)
    assert ended.outcome == "abandoned"


async def test_the_ivr_choice_puts_the_caller_in_the_chosen_queue(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D1
    await switchboard.call("0189000001", "0611000001", dtmf="2")
    queued = await next_event(events, CallQueuedEvent)
    assert queued.queue == "support"
    assert server.telephony.calls[queued.call_id].ivr_path == [
        "did:0189000001",
        "menu:main",
        "key:2",
    ]


async def test_a_queued_call_goes_to_the_primary_skill_agent_and_is_bridged(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D2, D3
    await switchboard.phone("2001")
    await switchboard.phone("2002")
    await ready(server, "2002", "2001")  # the secondary agent has waited longer
    await switchboard.call("0189000002", "0611000002")
    connected = await next_event(events, CallConnected)
    assert connected.agent_id == "2001"
    assert connected.queue == "sales"
    assert server.telephony.router.agent("2001").state == routing.AgentState.ON_CALL


async def test_with_every_primary_agent_busy_the_secondary_skill_agent_gets_the_call(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D3
    await switchboard.phone("2001")
    await switchboard.phone("2002")
    await switchboard.phone("2004")
    await ready(server, "2001", "2002")
    await server.telephony.command(lambda at: routing.AgentPaused("2001", "lunch", at=at))
    await switchboard.call("0189000002", "0611000003")
    connected = await next_event(events, CallConnected)
    assert connected.agent_id == "2002"


async def test_a_caller_who_recently_talked_to_an_agent_goes_back_to_that_agent(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S9
    await switchboard.phone("2001", talk=0.5)
    await switchboard.phone("2004", talk=0.5)
    await ready(server, "2001")
    await switchboard.call("0189000002", "0611000004")
    first = await next_event(events, CallConnected)
    assert first.agent_id == "2001"
    await next_event(events, CallEnded, lambda e: e.uniqueid == first.call_id)
    await server.journal.drain()
    # Dan has now waited longest, but the caller's last agent is ready again.
    await ready(server, "2004")
    await server.telephony.command(lambda at: routing.EndWrapUp("2001", at=at))
    await switchboard.call("0189000002", "0611000004")
    queued = await next_event(events, CallQueuedEvent)
    assert queued.preferred_agent == "2001"
    second = await next_event(events, CallConnected)
    assert second.agent_id == "2001"


async def test_an_agent_who_lets_the_phone_ring_out_is_paused_and_the_next_agent_gets_the_call(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D8
    await switchboard.phone("2001", mode="noanswer")
    await switchboard.phone("2004")
    await ready(server, "2001", "2004")  # Anna has waited longest: she is rung first
    await switchboard.call("0189000002", "0611000005")
    offered = await next_event(events, CallOffered)
    assert offered.agent_id == "2001"
    paused = await next_event(
        events, AgentStateEvent, lambda e: e.agent_id == "2001" and e.new == "paused"
    )
    assert paused.reason == routing.NO_ANSWER
    connected = await next_event(events, CallConnected)
    assert connected.agent_id == "2004"


async def test_a_caller_hanging_up_while_waiting_is_journaled_as_abandoned_with_the_wait(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S7
    await switchboard.call("0189000003", "0611000006")
    arrived = await next_event(events, CallArrived)
    await next_event(events, CallQueuedEvent)
    await switchboard.hangup(arrived.channel)
    ended = await next_event(events, CallEnded, lambda e: e.uniqueid == arrived.uniqueid)
    assert ended.outcome == "abandoned"
    await server.journal.drain()
    [entry] = await server.crm.call_history("0611000006")
    assert entry.outcome == "abandoned"
    assert entry.queue == "support"
    assert entry.wait_s is not None and entry.wait_s > 0
    assert entry.uniqueid == arrived.uniqueid and entry.linkedid == arrived.linkedid


async def test_an_agent_in_wrap_up_is_not_offered_calls_until_it_ends(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D6
    await switchboard.phone("2002", talk=0.3)
    await ready(server, "2002")
    await switchboard.call("0189000003", "0611000007")
    first = await next_event(events, CallConnected)
    await next_event(events, AgentStateEvent, lambda e: e.agent_id == "2002" and e.new == "wrap_up")
    loop = asyncio.get_running_loop()
    wrap_up_started = loop.time()
    await switchboard.call("0189000003", "0611000008")
    await next_event(events, CallQueuedEvent)
    second = await next_event(events, CallConnected)
    assert second.call_id != first.call_id and second.agent_id == "2002"
    # The queue's wrap-up time is 2 s: no offer before it ran out.
    assert loop.time() - wrap_up_started >= 1.9


async def test_a_call_waiting_past_the_maximum_wait_overflows_to_the_backup_queue(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D9
    await switchboard.phone("2003")
    await ready(server, "2003")  # only the backup group is staffed
    await switchboard.call("0189000002", "0611000009")
    overflowed = await next_event(events, CallOverflowedEvent, timeout=10)
    assert (overflowed.from_queue, overflowed.to_queue) == ("sales", "backup")
    connected = await next_event(events, CallConnected)
    assert connected.agent_id == "2003"
    await switchboard.hangup_everything()
    await next_event(events, CallEnded)
    await server.journal.drain()
    [entry] = await server.crm.call_history("0611000009")
    assert entry.queue == "backup" and "overflow:backup" in (entry.ivr_path or "")


async def test_an_outbound_call_is_refused_outside_the_manual_call_state(
    server: Server, switchboard: Switchboard
) -> None:  # S6
    await ready(server, "2001")
    with pytest.raises(TelephonyError) as refused:
        await server.telephony.execute(
            lambda: server.telephony.place_outbound_call(
                "2001", server.telephony.destinations.parse("0622000001")
            )
        )
    assert refused.value.code == "agent_not_in_manual_call"
    assert server.telephony.calls == {}


async def test_an_outbound_call_rings_the_agent_then_the_customer_and_is_journaled(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S6, S7
    await switchboard.phone("2001")
    await switchboard.phone("0622000002", talk=0.5)
    await ready(server, "2001")
    await server.telephony.command(lambda at: routing.EnterManualCall("2001", at=at))
    call_id = await server.telephony.execute(
        lambda: server.telephony.place_outbound_call(
            "2001", server.telephony.destinations.parse("0622000002")
        )
    )
    ended = await next_event(events, CallEnded, lambda e: e.uniqueid == call_id)
    assert ended.outcome == "outbound_answered" and ended.agent_id == "2001"
    await server.journal.drain()
    [entry] = await server.crm.call_history("0622000002")
    assert entry.direction == "outbound"
    assert entry.dialled_number == "+33622000002"
    assert entry.agent_id == "2001"
    assert server.telephony.router.agent("2001").state == routing.AgentState.MANUAL_CALL


async def test_an_outbound_call_to_a_busy_number_is_journaled_as_busy(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S6
    await switchboard.phone("2001")
    await switchboard.phone("0622000003", mode="busy")
    await ready(server, "2001")
    await server.telephony.command(lambda at: routing.EnterManualCall("2001", at=at))
    call_id = await server.telephony.execute(
        lambda: server.telephony.place_outbound_call(
            "2001", server.telephony.destinations.parse("0622000003")
        )
    )
    ended = await next_event(events, CallEnded, lambda e: e.uniqueid == call_id)
    assert ended.outcome == "outbound_busy"


async def test_a_blind_transfer_reaches_the_target_agent(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # P1
    await switchboard.phone("2001")
    await switchboard.phone("2004")
    await ready(server, "2001")
    await switchboard.call("0189000002", "0611000010")
    first = await next_event(events, CallConnected)
    assert first.agent_id == "2001"
    await ready(server, "2004")
    await server.telephony.transfer(first.call_id, to_agent="2004", to_queue=None)
    # Anna's part of the call is over: she is in wrap-up, not on the call.
    assert server.telephony.router.agent("2001").state == routing.AgentState.WRAP_UP
    second = await next_event(events, CallConnected)
    assert second.call_id == first.call_id and second.agent_id == "2004"


async def test_a_queued_callback_keeps_its_place_and_reaches_the_customer(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D2, S7
    await switchboard.phone("2002")
    await switchboard.phone("0611000011", talk=0.5)  # the caller's own phone, for the callback
    # After 1 s of waiting the caller is offered the callback and presses 1.
    await switchboard.call("0189000004", "0611000011", dtmf="1")
    requested = await next_event(events, CallbackRequested, timeout=10)
    await switchboard.call("0189000004", "0611000012")  # a later caller, who keeps waiting
    later = await next_event(events, CallQueuedEvent)
    assert later.call_id != requested.call_id
    await ready(server, "2002")
    # The callback, queued first, is served first: Ben, then the customer.
    connected = await next_event(events, CallConnected)
    assert connected.call_id == requested.call_id and connected.agent_id == "2002"
    ended = await next_event(events, CallEnded, lambda e: e.uniqueid == requested.call_id)
    assert ended.outcome == "callback"
    await server.journal.drain()
    [entry] = await server.crm.call_history("0611000011")
    assert entry.outcome == "callback" and "callback" in (entry.ivr_path or "")


async def test_the_journal_lists_a_numbers_calls_newest_first(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S7
    for _ in range(3):
        await switchboard.call("0189000003", "0611000013")
        arrived = await next_event(events, CallArrived)
        await next_event(events, CallQueuedEvent)
        await switchboard.hangup(arrived.channel)
        await next_event(events, CallEnded)
    await server.journal.drain()
    entries = await server.crm.call_history("+33611000013")
    assert len(entries) == 3
    starts = [e.started_at for e in entries]
    assert starts == sorted(starts, reverse=True)


async def test_an_answered_call_opens_a_ticket_with_the_queues_intake_script(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D4, C2
    await switchboard.phone("2002")
    await ready(server, "2002")
    await switchboard.call("0189000003", "0611000030")
    ticket = await next_event(events, TicketOpened)
    assert ticket.agent_id == "2002" and not ticket.joined
    assert ticket.intake is not None and ticket.intake["questions"]
    case = await server.crm.get_case(ticket.case_number)
    assert case.number == ticket.case_number
    await switchboard.hangup_everything()
    await next_event(events, CallEnded)
    await server.journal.drain()
    [entry] = await server.crm.call_history("0611000030")
    assert entry.case_id == case.id  # the journal row points at the ticket


async def test_when_calls_respect_case_capacity_an_agent_with_a_full_case_queue_gets_none(
    settings: Settings, switchboard: Switchboard
) -> None:  # S2
    gated = settings.model_copy(update={"case_capacity_gates_calls": True})
    async with running_server(gated) as server:
        for n in range(4):
            await server.crm.open_case(
                actor="test", contact_number=f"06990000{n:02d}", title="open", owner_agent_id="2002"
            )
        await server.desk.sync_case_counts(["2002"])
        await switchboard.phone("2001")
        await switchboard.phone("2002")
        with server.bus.subscribe() as events:
            await ready(server, "2002", "2001")
            await switchboard.call("0189000003", "0611000031")  # support: Ben's primary skill
            connected = await next_event(events, CallConnected)
    assert connected.agent_id == "2001"


async def test_by_default_a_full_case_queue_does_not_stop_an_agent_taking_calls(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S2
    for n in range(4):
        await server.crm.open_case(
            actor="test", contact_number=f"06990001{n:02d}", title="open", owner_agent_id="2002"
        )
    await server.desk.sync_case_counts(["2002"])
    await switchboard.phone("2002")
    await ready(server, "2002")
    await switchboard.call("0189000003", "0611000037")
    connected = await next_event(events, CallConnected)
    assert connected.agent_id == "2002"
    ticket = await next_event(events, TicketOpened)
    # S2 still holds for the case: opened, but not assigned to the full agent.
    assert (await server.crm.get_case(ticket.case_number)).owner_agent_id is None


async def test_a_caller_whose_open_case_has_an_owner_is_offered_to_that_owner(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # P1
    await server.crm.open_case(
        actor="test", contact_number="0611000032", title="quote", owner_agent_id="2004"
    )
    await switchboard.phone("2001")
    await switchboard.phone("2004")
    await ready(server, "2001", "2004")  # Anna has waited longest: without P1 she'd get it
    await switchboard.call("0189000002", "0611000032")
    queued = await next_event(events, CallQueuedEvent)
    assert queued.preferred_agent == "2004"
    connected = await next_event(events, CallConnected)
    assert connected.agent_id == "2004"


async def test_the_agent_who_answers_a_caller_whose_case_has_no_owner_becomes_its_owner(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # P2
    case = await server.crm.open_case(actor="test", contact_number="0611000033", title="lead")
    assert case.owner_agent_id is None
    await switchboard.phone("2002")
    await ready(server, "2002")
    await switchboard.call("0189000003", "0611000033")
    ticket = await next_event(events, TicketOpened)
    assert ticket.joined and ticket.case_number == case.number
    assert (await server.crm.get_case(case.number)).owner_agent_id == "2002"


async def test_an_agent_whose_phone_is_busy_with_a_private_call_is_not_offered_calls(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D8
    await switchboard.phone("2001")
    await switchboard.phone("2004")
    await ready(server, "2001", "2004")  # Anna has waited longest
    # Anna's phone takes a call the server did not place.
    await switchboard.ami.send(actions.originate_wait("Local/2001@test-phones", 30))
    await until(lambda: server.telephony.router.agent("2001").device_busy)
    await switchboard.call("0189000002", "0611000034")
    connected = await next_event(events, CallConnected)
    assert connected.agent_id == "2004"


async def test_the_journal_keeps_the_wrap_up_time_and_every_agent_state_change(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # D6, D8
    started = datetime.now(UTC)
    await switchboard.phone("2002", talk=0.5)
    await ready(server, "2002")
    await switchboard.call("0189000003", "0611000035")
    await next_event(events, CallConnected)
    await next_event(events, AgentStateEvent, lambda e: e.agent_id == "2002" and e.old == "wrap_up")
    await server.journal.drain()
    [entry] = await server.crm.call_history("0611000035")
    assert entry.wrapup_s is not None and 1.9 <= entry.wrapup_s <= 3.0  # the queue's 2 s
    totals = await server.crm.agent_time_in_states("2002", started, datetime.now(UTC))
    assert {"ready", "ringing", "on_call", "wrap_up"} <= set(totals)
    assert 1.9 <= totals["wrap_up"] <= 3.0


async def test_a_caller_whose_last_agent_is_busy_goes_to_another_agent_at_once(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S9
    await switchboard.phone("2001", talk=0.5)
    await switchboard.phone("2004", talk=30)
    await ready(server, "2001")
    await switchboard.call("0189000002", "0611000036")
    ticket = await next_event(events, TicketOpened)
    await next_event(events, CallEnded, lambda e: e.uniqueid == ticket.call_id)
    await server.journal.drain()
    # The case is settled, so the owner rule (P1) no longer applies: only S9 could.
    await server.crm.set_case_status(ticket.case_number, "resolved", actor="2001")
    await server.telephony.command(lambda at: routing.AgentPaused("2001", "break", at=at))
    await ready(server, "2004")
    await switchboard.call("0189000002", "0611000036")
    queued = await next_event(events, CallQueuedEvent)
    assert queued.preferred_agent is None  # Anna is not available: no waiting for her
    second = await next_event(events, CallConnected, timeout=3)
    assert second.agent_id == "2004"


async def test_a_callback_to_a_busy_customer_is_retried_then_journaled_as_not_reached(
    server: Server, switchboard: Switchboard, events: asyncio.Queue[Any]
) -> None:  # S7
    await switchboard.phone("2002")
    await switchboard.phone("0611000038", mode="busy")
    await switchboard.call("0189000004", "0611000038", dtmf="1")
    requested = await next_event(events, CallbackRequested, timeout=10)
    await ready(server, "2002")
    ended = await next_event(
        events, CallEnded, lambda e: e.uniqueid == requested.call_id, timeout=20
    )
    assert ended.outcome == "no_answer"
    await server.journal.drain()
    [entry] = await server.crm.call_history("0611000038")
    assert entry.outcome == "no_answer" and entry.agent_id == "2002"
