"""Mail outbox over real SMTP (aiosmtpd): nothing is lost while the server is down."""

from __future__ import annotations

from datetime import timedelta

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.mail.sender import MailSender, SmtpSettings
from crm.services import CrmService
from crm.views import CustomerInfo
from tests.support.mail import SmtpServer, make_sender
from tests.support.waiting import until


async def test_acknowledgement_is_delivered_over_smtp(
    service: CrmService,
    customer: CustomerInfo,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    smtp_server: SmtpServer,
):  # Q4
    case_ = await service.open_case(actor="alice", customer_id=customer.id, title="Printer")
    result = await make_sender(uow_factory, clock, smtp_server.port).drain()
    assert (result.sent, result.failed) == (1, 0)
    await until(lambda: len(smtp_server.inbox.messages) == 1)
    [message] = smtp_server.inbox.to("camille@example.test")
    assert case_.number in message["Subject"]
    assert message["From"] == "desk@example.test"
    # Sent once: a second pass has nothing to do.
    assert (await make_sender(uow_factory, clock, smtp_server.port).drain()).sent == 0


async def test_mail_queued_while_smtp_is_down_is_kept_retried_and_delivered_later(
    service: CrmService,
    customer: CustomerInfo,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    smtp_down: SmtpServer,
):  # D7 S5
    sender = make_sender(uow_factory, clock, smtp_down.port)
    case_ = await service.open_case(actor="alice", customer_id=customer.id)
    first = await sender.drain()
    assert (first.sent, first.failed) == (0, 1)
    async with uow_factory() as uow:
        [mail] = await uow.outbox.all()
        assert mail.sent_at is None and mail.attempts == 1
        assert mail.last_error
        assert mail.next_attempt_at == clock.now() + timedelta(seconds=30)
    # Not due yet: no attempt.
    assert (await sender.drain()).failed == 0
    clock.advance(seconds=30)
    assert (await sender.drain()).failed == 1
    smtp_down.start()
    clock.advance(minutes=1)
    delivered = await sender.drain()
    assert (delivered.sent, delivered.failed) == (1, 0)
    await until(lambda: len(smtp_down.inbox.messages) == 1)
    assert case_.number in smtp_down.inbox.messages[0]["Subject"]
    async with uow_factory() as uow:
        [mail] = await uow.outbox.all()
        assert mail.sent_at == clock.now() and mail.attempts == 3 and mail.last_error is None


async def test_claimed_mail_is_retried_after_the_lease_if_the_sender_died(
    service: CrmService,
    customer: CustomerInfo,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    smtp_server: SmtpServer,
):
    await service.open_case(actor="alice", customer_id=customer.id)
    sender = make_sender(uow_factory, clock, smtp_server.port)
    # A sender claims the mail, then "crashes" before sending it.
    async with uow_factory() as uow:
        assert len(await uow.outbox.claim_due(clock.now(), sender.smtp.lease, 10)) == 1
        await uow.commit()
    assert (await sender.drain()).sent == 0
    clock.advance(sender.smtp.lease)
    assert (await sender.drain()).sent == 1


async def test_mail_that_smtp_always_refuses_gives_up_after_max_attempts_and_is_listed(
    service: CrmService,
    customer: CustomerInfo,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    smtp_down: SmtpServer,
):  # D7
    sender = MailSender(
        uow_factory, clock, SmtpSettings(port=smtp_down.port, timeout_s=3, max_attempts=3)
    )
    await service.open_case(actor="alice", customer_id=customer.id)
    for _ in range(3):
        assert (await sender.drain()).failed == 1
        clock.advance(hours=2)  # past any backoff
    async with uow_factory() as uow:
        [mail] = await uow.outbox.all()
    assert mail.attempts == 3 and mail.failed_at is not None and mail.sent_at is None
    # Given up: even once SMTP is back, no pass picks it again.
    smtp_down.start()
    clock.advance(days=1)
    assert (await sender.drain()).sent == 0
    [failed] = await service.failed_deliveries()
    assert (failed.channel, failed.id, failed.target) == ("mail", mail.id, "camille@example.test")
    assert failed.attempts == 3 and failed.last_error
