"""Timers that survive restarts: due times in the database, one scheduler pass at a time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.domain.cases import CaseStatus
from crm.errors import InvalidValue, UnknownNotification
from crm.scheduler import Scheduler
from crm.services import CrmService
from crm.settings import CrmSettings
from crm.views import CustomerInfo
from tests.support.mail import SmtpServer, make_sender
from tests.support.waiting import until


async def test_waiting_case_auto_closes_after_24h_and_customer_gets_the_notice_by_smtp(
    service: CrmService,
    customer: CustomerInfo,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    smtp_server: SmtpServer,
):  # S5
    scheduler = Scheduler(service, make_sender(uow_factory, clock, smtp_server.port))
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(case_.number, "waiting_for_customer", actor="alice")
    await scheduler.run_due()  # acknowledgement + "we need your reply"
    await until(lambda: len(smtp_server.inbox.messages) == 2)

    clock.advance(hours=23)
    assert (await scheduler.run_due()).closed_cases == []
    clock.advance(hours=1)
    result = await scheduler.run_due()
    assert result.closed_cases == [case_.number]
    assert result.mails_sent == 1
    await until(lambda: len(smtp_server.inbox.messages) == 3)
    # French: the centre's language for a customer with none of their own.
    assert "Votre dossier a été clôturé" in smtp_server.inbox.messages[-1]["Subject"]
    assert (await service.get_case(case_.number)).status is CaseStatus.CLOSED


async def test_auto_close_deadline_survives_a_restart(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, customer: CustomerInfo
):  # S5
    before = CrmService(uow_factory, clock, CrmSettings())
    case_ = await before.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await before.set_case_status(case_.number, "waiting_for_customer", actor="alice")
    del before  # the process "restarts": nothing in memory carries the timer
    clock.advance(hours=25)
    after = Scheduler(CrmService(uow_factory, clock, CrmSettings()))
    assert (await after.run_due()).closed_cases == [case_.number]


async def test_task_reminder_fires_configured_minutes_before_due_time(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # C1 S10
    scheduler = Scheduler(service)
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    due = clock.now() + timedelta(hours=2)
    task = await service.create_task(
        actor="alice",
        assignee="alice",
        kind="call",
        title="Call back about the invoice",
        due_at=due,
        case_number=case_.number,
        reminder_minutes_before=15,
    )
    assert task.reminder_at == due - timedelta(minutes=15)
    clock.set(due - timedelta(minutes=16))
    assert (await scheduler.run_due()).reminders == 0
    clock.set(due - timedelta(minutes=15))
    assert (await scheduler.run_due()).reminders == 1
    assert (await scheduler.run_due()).reminders == 0  # once only
    [note] = await service.notifications_for("alice", unread_only=True)
    assert note.kind == "appointment_reminder" and note.task_id == task.id
    assert "Call back about the invoice" in note.title


async def test_default_reminder_delay_is_configurable(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
):  # C1
    service = CrmService(uow_factory, clock, CrmSettings(reminder_minutes_before=5))
    task = await service.create_task(
        actor="a",
        assignee="a",
        kind="meeting",
        title="Demo",
        due_at=clock.now() + timedelta(hours=1),
    )
    assert task.reminder_at == clock.now() + timedelta(minutes=55)


async def test_completed_task_sends_no_reminder(service: CrmService, clock: FakeClock):  # C1
    task = await service.create_task(
        actor="a", assignee="a", kind="chat", title="Chat", due_at=clock.now() + timedelta(hours=1)
    )
    done = await service.complete_task(task.id, actor="a")
    assert done.done_at == clock.now()
    clock.advance(hours=2)
    assert await service.send_due_reminders() == []
    assert await service.tasks_for("a") == []


async def test_task_kind_is_checked(service: CrmService, clock: FakeClock):  # C1
    with pytest.raises(InvalidValue):
        await service.create_task(
            actor="a", assignee="a", kind="fax", title="x", due_at=clock.now()
        )


async def test_notification_is_stored_delivered_live_and_marked_read(
    service: CrmService, clock: FakeClock
):  # S10
    async with service.hub.subscribe("alice") as live:
        sent = await service.notify(
            "alice", kind="supervisor_message", title="Team meeting at 2pm", sender="sup"
        )
        pushed = await asyncio.wait_for(live.get(), timeout=1)
    assert pushed == sent
    assert [n.id for n in await service.notifications_for("alice", unread_only=True)] == [sent.id]
    clock.advance(minutes=3)
    read = await service.mark_read(sent.id, recipient="alice")
    assert read.read_at == clock.now()
    assert await service.notifications_for("alice", unread_only=True) == []
    assert len(await service.notifications_for("alice")) == 1
    with pytest.raises(UnknownNotification):
        await service.mark_read(sent.id, recipient="bob")


async def test_reminder_is_pushed_live_to_a_connected_agent(
    service: CrmService, clock: FakeClock
):  # S10 C1
    await service.create_task(
        actor="a",
        assignee="alice",
        kind="call",
        title="Ring",
        due_at=clock.now() + timedelta(minutes=10),
    )
    async with service.hub.subscribe("alice") as live:
        await Scheduler(service).run_due()
        note = await asyncio.wait_for(live.get(), timeout=1)
    assert note.kind == "appointment_reminder"


async def test_production_loop_runs_passes_until_stopped(
    service: CrmService, customer: CustomerInfo, clock: FakeClock
):  # S5
    case_ = await service.open_case(actor="alice", customer_id=customer.id, owner_agent_id="alice")
    await service.set_case_status(case_.number, "waiting_for_customer", actor="alice")
    clock.advance(hours=24)
    stop = asyncio.Event()
    loop = asyncio.create_task(Scheduler(service).run_forever(stop, interval_s=0.01))
    try:

        async def closed() -> bool:
            return (await service.get_case(case_.number)).status is CaseStatus.CLOSED

        # The state is in the database: nothing to await but a poll.
        await until(closed, timeout=5)
    finally:
        stop.set()
        await asyncio.wait_for(loop, timeout=5)
