"""The telephony service driven through a scripted AMI, in milliseconds: recorded
Asterisk events in, the actions it sends checked. The same flows run against the
sandbox Asterisk in tests/integration/telephony."""

from __future__ import annotations

import asyncio

import pytest

from acd import routing
from acd.ami import events as ami
from acd.ami.client import AmiActionFailed
from acd.telephony.callback import CallbackChosen, CallbackDue
from acd.telephony.calls import Phase
from acd.telephony.events import (
    CallArrived,
    CallbackRequested,
    CallConnected,
    CallEnded,
    CallOffered,
    CallQueuedEvent,
)
from tests.support.scripted_ami import (
    RecordedCalls,
    Rig,
    Sent,
    hung_up,
    originate_reply,
    rig,
)

State = routing.AgentState


async def _ready(rig: Rig, agent_id: str) -> None:
    """Log the agent in: they are ready at once."""
    await rig.command(lambda at: routing.AgentLoggedIn(agent_id, at=at))


async def _connected_call(rig: Rig) -> tuple[RecordedCalls, str]:
    """The recording's first call, bridged to Anna (2001), up to its first hang-up."""
    await _ready(rig, "2001")
    recorded = RecordedCalls(rig)
    await recorded.play(until=hung_up)
    [connected] = rig.bus.of(CallConnected)
    return recorded, connected.call_id


async def _transfer_to_dan(rig: Rig) -> tuple[str, asyncio.Future[None], Sent]:
    """Anna's connected call, whose transfer to Dan (2004) has sent its Redirect."""
    _, call_id = await _connected_call(rig)
    await _ready(rig, "2004")
    transfer = asyncio.ensure_future(rig.service.transfer(call_id, to_agent="2004", to_queue=None))
    await rig.settled()
    [redirect] = rig.ami.named("Redirect")
    return call_id, transfer, redirect


async def test_a_recorded_inbound_call_is_queued_offered_answered_and_journaled() -> None:  # D4
    rig_ = await rig()
    try:
        recorded, call_id = await _connected_call(rig_)
        [arrived] = rig_.bus.of(CallArrived)
        assert (arrived.uniqueid, arrived.did, arrived.caller_number) == (
            call_id,
            "0189000002",
            "0611000002",
        )
        assert [(e.call_id, e.queue) for e in rig_.bus.of(CallQueuedEvent)] == [(call_id, "sales")]
        assert [(e.call_id, e.agent_id) for e in rig_.bus.of(CallOffered)] == [(call_id, "2001")]
        # The agent's phone is rung with the caller's channel to bridge, showing their number.
        [originate] = rig_.ami.named("Originate")
        assert originate.headers["Channel"] == "Local/2001@test-phones"
        assert originate.headers["Application"] == "Bridge"
        assert originate.headers["Data"] == "Local/0189000002@from-trunk-00000002;2"
        assert originate.headers["CallerID"] == "0611000002"
        assert rig_.service.router.agent("2001").state == State.ON_CALL
        # S7: the call's row is journaled from its arrival, updated as it goes, no end yet.
        progress = rig_.journal.progress(call_id)
        assert progress[0].started_at is not None and progress[0].enqueued_at is None
        assert any(row.enqueued_at is not None and row.queue == "sales" for row in progress)
        assert (progress[-1].agent_id, progress[-1].outcome) == ("2001", None)
        assert progress[-1].answered_at is not None
        assert rig_.journal.calls() == []

        await recorded.play(until=lambda m: m.get("Event") == "Newchannel")  # the call's end
        [ended] = rig_.bus.of(CallEnded)
        assert (ended.uniqueid, ended.outcome, ended.agent_id) == (call_id, "answered", "2001")
        assert call_id not in rig_.service.calls
        [row] = rig_.journal.calls()
        assert (row.call_id, row.outcome, row.queue, row.agent_id) == (
            call_id,
            "answered",
            "sales",
            "2001",
        )
        assert rig_.service.router.agent("2001").state == State.WRAP_UP
    finally:
        await rig_.service.stop()


async def test_recorded_callers_who_hang_up_while_waiting_are_journaled_abandoned() -> None:
    rig_ = await rig()
    try:
        # No agent is logged in: the three recorded callers wait and hang up, and the
        # recorded agent legs, placed by another server, are none of this one's.
        await RecordedCalls(rig_).play()
        rows = rig_.journal.calls()
        assert [(r.queue, r.outcome) for r in rows] == [
            ("sales", "abandoned"),
            ("sales", "abandoned"),
            ("support", "abandoned"),
        ]
        assert rig_.service.calls == {}
        assert rig_.ami.named("Originate") == []
    finally:
        await rig_.service.stop()


async def test_an_outbound_call_rings_the_agent_then_dials_the_number() -> None:  # S6
    rig_ = await rig()
    try:
        await rig_.command(lambda at: routing.AgentLoggedIn("2001", at=at))
        await rig_.command(lambda at: routing.EnterManualCall("2001", at=at))
        number = rig_.service.destinations.parse("0612463987")
        call_id = await rig_.service.execute(
            lambda: rig_.service.place_outbound_call("2001", number)
        )
        [originate] = rig_.ami.named("Originate")
        assert originate.headers["Channel"] == "Local/2001@test-phones"
        assert originate.headers["Application"] == "Dial"
        assert originate.headers["Data"].startswith("Local/0612463987@test-phones,")
        originate.reply.set_result(originate_reply())
        ids = ami.ChannelIds("Local/2001@test-phones-0001;1", call_id, call_id)
        rig_.service.submit(ami.ChannelCreated(ids))
        rig_.service.submit(ami.DialEnded(call_id, "ANSWER"))
        rig_.service.submit(ami.ChannelHungUp(ids))
        await rig_.settled()
        [ended] = rig_.bus.of(CallEnded)
        assert (ended.uniqueid, ended.outcome) == (call_id, "outbound_answered")
        [row] = rig_.journal.calls()
        assert (row.direction, row.dialled_number) == ("outbound", "+33612463987")
    finally:
        await rig_.service.stop()


async def test_a_transfer_redirects_the_caller_then_offers_the_call_to_the_target() -> None:  # P1
    rig_ = await rig()
    try:
        call_id, transfer, redirect = await _transfer_to_dan(rig_)
        # The Redirect is out; the core is told only once Asterisk has done it.
        assert redirect.headers["Channel"] == "Local/0189000002@from-trunk-00000002;2"
        assert redirect.headers["Context"] == "acd-hold"
        assert rig_.service.router.agent("2001").state == State.ON_CALL
        assert len(rig_.ami.named("Originate")) == 1
        redirect.reply.set_result({"Response": "Success"})
        await asyncio.wait_for(transfer, 1)
        assert rig_.service.router.agent("2001").state == State.WRAP_UP
        offered = rig_.bus.of(CallOffered)[-1]
        assert (offered.call_id, offered.agent_id, offered.via) == (call_id, "2004", "transfer")
        assert rig_.ami.named("Originate")[-1].headers["Channel"] == "Local/2004@test-phones"
        assert rig_.service.calls[call_id].ivr_path[-1] == "transfer:2004"
    finally:
        await rig_.service.stop()


async def test_a_transfer_whose_redirect_fails_is_an_error_and_changes_nothing() -> None:  # P1
    rig_ = await rig()
    try:
        call_id, transfer, redirect = await _transfer_to_dan(rig_)
        redirect.reply.set_exception(
            AmiActionFailed("Redirect", {"Response": "Error", "Message": "No such channel"})  # type: ignore[arg-type]
        )
        with pytest.raises(AmiActionFailed):
            await asyncio.wait_for(transfer, 1)
        # The caller is still with Anna, and Dan was not rung.
        call = rig_.service.calls[call_id]
        assert (call.phase, call.agent_id, call.transfer_pending) == (
            Phase.CONNECTED,
            "2001",
            False,
        )
        assert rig_.service.router.agent("2001").state == State.ON_CALL
        assert rig_.service.router.agent("2004").state == State.READY
        assert len(rig_.ami.named("Originate")) == 1
        # A later transfer goes through.
        again = asyncio.ensure_future(
            rig_.service.transfer(call_id, to_agent=None, to_queue="sales")
        )
        await rig_.settled()
        rig_.ami.named("Redirect")[-1].reply.set_result({"Response": "Success"})
        await asyncio.wait_for(again, 1)
        assert rig_.service.router.agent("2001").state == State.WRAP_UP
    finally:
        await rig_.service.stop()


async def test_a_transfer_the_core_would_refuse_sends_no_redirect() -> None:  # P1
    rig_ = await rig()
    try:
        _, call_id = await _connected_call(rig_)
        with pytest.raises(routing.AgentNotReady):
            await rig_.service.transfer(call_id, to_agent="2004", to_queue=None)
        assert rig_.ami.named("Redirect") == []
        assert rig_.service.router.agent("2001").state == State.ON_CALL
    finally:
        await rig_.service.stop()


async def test_a_waiting_caller_who_chooses_a_callback_is_called_back_when_an_agent_frees() -> (
    None
):  # D2, S7
    rig_ = await rig()
    try:
        ids = ami.ChannelIds("PJSIP/trunk-0001", "caller-1", "caller-1")
        rig_.service.submit(ami.InboundCallArrived(ids, "0189000004", "0611000011"))
        rig_.service.submit(ami.CallerWaiting(ids, "callme"))
        rig_.service.submit(CallbackDue("caller-1"))
        await rig_.settled()
        [redirect] = rig_.ami.named("Redirect")
        assert (redirect.headers["Channel"], redirect.headers["Context"]) == (
            "PJSIP/trunk-0001",
            "acd-callback",
        )
        number = rig_.service.destinations.parse("0611000011")
        rig_.service.submit(CallbackChosen("caller-1", number))
        rig_.service.submit(ami.ChannelHungUp(ids))  # the caller hangs up, keeping their place
        await rig_.settled()
        assert [e.number for e in rig_.bus.of(CallbackRequested)] == ["+33611000011"]
        assert rig_.service.calls["caller-1"].phase == Phase.CALLBACK

        await _ready(rig_, "2002")
        [originate] = rig_.ami.named("Originate")
        assert originate.headers["Channel"] == "Local/2002@test-phones"
        assert originate.headers["Data"].startswith("Local/0611000011@test-phones,")
        leg = originate.headers["ChannelId"]
        originate.reply.set_result(originate_reply())
        leg_ids = ami.ChannelIds("Local/2002@test-phones-0002;1", leg, leg)
        rig_.service.submit(ami.ChannelCreated(leg_ids))
        rig_.service.submit(ami.DialEnded(leg, "ANSWER"))
        rig_.service.submit(ami.ChannelHungUp(leg_ids))
        await rig_.settled()
        [ended] = rig_.bus.of(CallEnded)
        assert (ended.uniqueid, ended.outcome, ended.agent_id) == ("caller-1", "callback", "2002")
    finally:
        await rig_.service.stop()
