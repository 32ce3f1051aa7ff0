"""Catching up with Asterisk at a login, on a scripted AMI (D2): the callers found in its
channel list go first, in their order, and a caller parking meanwhile waits behind them."""

from __future__ import annotations

import time
from typing import Any

from acd.ami import events as ami
from acd.ami.client import AmiLink, AmiTimeout
from acd.telephony.journal import LostCallsSweep
from tests.support.scripted_ami import rig


def _status(uniqueid: str, queued_at: float | None, **extra: str) -> dict[str, Any]:
    variables = [f"ACD_QUEUE={extra.pop('queue', 'support')}"]
    if queued_at is not None:
        variables.append(f"ACD_QUEUED_AT={queued_at:.3f}")
    return {
        "Event": "Status",
        "Channel": f"PJSIP/trunk-{uniqueid}",
        "Uniqueid": uniqueid,
        "Context": extra.pop("context", "acd-wait"),
        "BridgeID": "",
        "CallerIDNum": f"06{uniqueid}",
        "Variable": variables,
        **extra,
    }


async def test_found_callers_go_first_by_time_queued_and_one_parking_meanwhile_after() -> None:
    r = await rig()
    r.service.submit(AmiLink.Up())
    await r.settled()
    [listing] = r.ami.named("Status")
    assert r.service.reading_channels
    # Parks while Asterisk is answering: held back until the list is handled.
    ids = ami.ChannelIds("PJSIP/trunk-new", "new", "new")
    r.service.submit(ami.CallerWaiting(ids=ids, queue="support"))
    await r.settled()
    assert r.service.router.calls() == []
    now = time.time()
    listing.reply.set_result(
        [
            {"Response": "Success", "EventList": "start"},
            _status("later", now - 5),
            _status("unqueued", None),
            _status("earlier", now - 30),
            _status("elsewhere", now - 60, context="acd-hold"),
            _status("unknown-queue", now - 60, queue="nowhere"),
            {"Event": "StatusComplete", "EventList": "Complete"},
        ]
    )
    await r.settled()
    assert not r.service.reading_channels
    assert [c.call_id for c in r.service.router.calls()] == ["earlier", "later", "unqueued", "new"]
    waits = {c.call_id: c.wait for c in r.service.router.queue_snapshot("support").calls}
    assert 29 < waits["earlier"] < 31 and waits["unqueued"] < 1
    # The one whose time queued never reached its channel has it now.
    setvars = [s.headers for s in r.ami.named("Setvar")]
    assert {(h["Channel"], h["Variable"]) for h in setvars} >= {
        ("PJSIP/trunk-unqueued", "ACD_QUEUED_AT"),
        ("PJSIP/trunk-new", "ACD_QUEUED_AT"),
    }
    assert "PJSIP/trunk-earlier" not in {h["Channel"] for h in setvars}


async def test_a_caller_held_back_during_the_list_who_hangs_up_is_not_queued() -> None:
    r = await rig()
    r.service.submit(AmiLink.Up())
    await r.settled()
    [listing] = r.ami.named("Status")
    ids = ami.ChannelIds("PJSIP/trunk-gone", "gone", "gone")
    r.service.submit(ami.CallerWaiting(ids=ids, queue="support"))
    r.service.submit(ami.ChannelHungUp(ids=ids))
    listing.reply.set_result([{"Response": "Success"}, {"Event": "StatusComplete"}])
    await r.settled()
    assert r.service.router.calls() == []
    assert r.service.calls == {}


async def test_a_list_asterisk_does_not_answer_lets_the_held_back_caller_through() -> None:
    r = await rig()
    r.service.submit(AmiLink.Up())
    await r.settled()
    [listing] = r.ami.named("Status")
    r.service.submit(ami.CallerWaiting(ids=ami.ChannelIds("c", "new", "new"), queue="support"))
    listing.reply.set_exception(AmiTimeout("Status: no reply"))
    await r.settled()
    assert [c.call_id for c in r.service.router.calls()] == ["new"]
    # A list never read closes no journal row: every previous call would look gone.
    assert [row for row in r.journal.rows if isinstance(row, LostCallsSweep)] == []


async def test_the_first_list_read_closes_the_rows_of_calls_not_taken_up_once() -> None:
    r = await rig()
    for _ in range(2):  # a start, then a reconnect
        r.service.submit(AmiLink.Up())
        await r.settled()
        listing = r.ami.named("Status")[-1]
        listing.reply.set_result(
            [
                {"Response": "Success", "EventList": "start"},
                _status("found", time.time() - 5),
                {"Event": "StatusComplete", "EventList": "Complete"},
            ]
        )
        await r.settled()
    [sweep] = [row for row in r.journal.rows if isinstance(row, LostCallsSweep)]
    # The caller taken up keeps their row open; the sweep comes after its update.
    assert sweep.keep == frozenset({"found"})
    [progress] = r.journal.progress("found")
    assert r.journal.rows.index(progress) < r.journal.rows.index(sweep)
    assert (progress.queue, progress.started_at, progress.outcome) == ("support", None, None)
