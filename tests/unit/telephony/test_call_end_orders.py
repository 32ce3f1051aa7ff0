"""Every call ends in the server's state, whatever order Asterisk's replies and hang-ups
come in. Asterisk cannot be made to reorder its own events on demand, so a recording AMI
stand-in feeds them here in every order; the real sequences run in the integration tests."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from acd import routing
from acd.ami import events as ami
from acd.ami.client import AmiTimeout
from acd.telephony.offers import OfferResult
from acd.telephony.service import TelephonyService
from tests.support.scripted_ami import Journal, ScriptedAmi, rig

AGENT = "2001"


async def _service() -> tuple[TelephonyService, ScriptedAmi, Journal]:
    rig_ = await rig()
    await rig_.command(lambda at: routing.AgentLoggedIn(AGENT, at=at))
    await rig_.command(lambda at: routing.EnterManualCall(AGENT, at=at))
    return rig_.service, rig_.ami, rig_.journal


async def _settled(service: TelephonyService) -> None:
    async def noop() -> None:
        return None

    await service.execute(noop)


def _reply(success: bool) -> Any:
    return {"Response": "Success" if success else "Failure", "Reason": "4" if success else "0"}


async def _place_call(service: TelephonyService) -> str:
    number = service.destinations.parse("0612463987")
    call_id: str = await service.execute(lambda: service.place_outbound_call(AGENT, number))
    return call_id


async def _run_order(order: tuple[str, ...], reply: str, dial_status: str | None) -> None:
    service, fake, journal = await _service()
    try:
        call_id = await _place_call(service)
        [sent] = fake.sent
        leg, pending = sent.headers["ChannelId"], sent.reply
        ids = ami.ChannelIds(f"Local/{AGENT}@test-phones-0001;1", leg, leg)
        for step in order:
            if step == "reply":
                if reply == "lost":
                    pending.set_exception(AmiTimeout("Originate: no reply within 35s"))
                else:
                    pending.set_result(_reply(reply == "answered"))
            elif step == "created":
                service.submit(ami.ChannelCreated(ids))
            elif step == "dial_end" and dial_status is not None:
                service.submit(ami.DialEnded(leg, dial_status))
            elif step == "hangup":
                service.submit(ami.ChannelHungUp(ids))
            await _settled(service)
            await asyncio.sleep(0)  # the reply's task hands its result to the inbox
            await _settled(service)
        assert call_id not in service.calls, order
        assert [r.call_id for r in journal.calls()] == [call_id], order
        # The agent is free for the next outbound call.
        await _place_call(service)
    finally:
        await service.stop()


@pytest.mark.parametrize("reply", ["answered", "failed", "lost"])
@pytest.mark.parametrize("dial_status", ["ANSWER", "BUSY", "CHANUNAVAIL", None])
async def test_an_outbound_call_ends_once_and_frees_its_agent_in_any_event_order(
    reply: str, dial_status: str | None
) -> None:  # S6
    for order in itertools.permutations(["reply", "created", "dial_end", "hangup"]):
        await _run_order(order, reply, dial_status)


async def test_an_originate_reply_after_the_legs_hang_up_still_ends_the_call() -> None:  # S6
    """The dial fails at once: Asterisk reports the agent leg's hang-up, then Originate's
    success. The call used to stay in /api/calls for good and the agent was refused every
    later outbound call as busy."""
    service, fake, journal = await _service()
    try:
        call_id = await _place_call(service)
        [sent] = fake.sent
        leg = sent.headers["ChannelId"]
        ids = ami.ChannelIds("Local/2001@test-phones-0002;1", leg, leg)
        service.submit(ami.ChannelCreated(ids))
        service.submit(ami.ChannelHungUp(ids))
        service.submit(OfferResult(leg, True, 4))
        await _settled(service)
        assert call_id not in service.calls
        [row] = journal.calls()
        assert row.outcome == "outbound_failed"
    finally:
        await service.stop()
