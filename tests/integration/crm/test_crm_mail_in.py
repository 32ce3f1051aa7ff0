"""Customer replies over real SMTP and LMTP: each reaches its case, a reply to a waiting
case reopens it and cancels the auto-close (S5), and a mail that fits no case is bounced
with nothing changed."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage, Message

import aiosmtplib
import pytest

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.mail.receiver import MailReceiver
from crm.services import CrmService
from crm.views import CustomerInfo
from tests.support.mail import SmtpServer, make_sender
from tests.support.waiting import until


@pytest.fixture(params=["smtp", "lmtp"])
async def receiver(
    service: CrmService, request: pytest.FixtureRequest
) -> AsyncIterator[MailReceiver]:
    receiver = MailReceiver(service.receive_mail, host="127.0.0.1", port=0, protocol=request.param)
    await receiver.start()
    yield receiver
    await receiver.stop()


async def _send(receiver: MailReceiver, message: EmailMessage) -> tuple[int, str]:
    """The receiver's answer to the mail's DATA, from a real SMTP or LMTP client."""
    sender, recipient = str(message["From"]), str(message["To"])
    if receiver.protocol == "lmtp":
        return await asyncio.to_thread(_send_lmtp, receiver.port, sender, recipient, message)
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=receiver.port, timeout=5)
    await client.connect()
    try:
        await client.ehlo()
        await client.mail(sender)
        await client.rcpt(recipient)
        try:
            answer = await client.data(message.as_bytes())
        except aiosmtplib.SMTPDataError as refused:
            return refused.code, refused.message
        return answer.code, answer.message
    finally:
        client.close()


def _send_lmtp(port: int, sender: str, recipient: str, message: EmailMessage) -> tuple[int, str]:
    with smtplib.LMTP("127.0.0.1", port) as client:
        client.ehlo()  # LMTP's LHLO
        client.mail(sender)
        client.rcpt(recipient)
        code, text = client.data(message.as_bytes())
        return code, text.decode()


def _reply(to: Message | None, *, sender: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "desk@example.test"
    message["Subject"] = subject
    if to is not None:
        message["In-Reply-To"] = to["Message-ID"]
        message["References"] = to["Message-ID"]
    message.set_content(text)
    return message


async def _waiting_mail(
    service: CrmService,
    number: str,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> Message:
    await service.set_case_status(
        number, "waiting_for_customer", actor="alice", message="Send us the invoice."
    )
    await make_sender(uow_factory, clock, smtp_server.port).drain()
    await until(lambda: any("votre réponse" in m["Subject"] for m in smtp_server.inbox.messages))
    return next(m for m in smtp_server.inbox.messages if "votre réponse" in m["Subject"])


async def test_a_reply_to_the_waiting_mail_reopens_the_case_and_cancels_the_auto_close(
    service: CrmService,
    customer: CustomerInfo,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    smtp_server: SmtpServer,
    receiver: MailReceiver,
) -> None:  # S5, C1
    case_ = await service.open_case(actor="alice", customer_id=customer.id, title="Invoice")
    waiting = await _waiting_mail(service, case_.number, uow_factory, clock, smtp_server)
    assert (await service.get_case(case_.number)).auto_close_at is not None

    # The customer's client keeps our Message-ID in the headers, and the subject says nothing.
    answer = _reply(
        waiting, sender="Camille <camille@example.test>", subject="Re: hello", text="Here it is."
    )
    assert await _send(receiver, answer) == (250, f"2.0.0 delivered to case {case_.number}")

    reopened = await service.get_case(case_.number)
    assert (reopened.status, reopened.auto_close_at) == ("open", None)
    details = await service.case_details(case_.number)
    assert [(f.kind, f.author, f.visibility) for f in details.follow_ups] == [
        ("mail_in", "camille@example.test", "customer")
    ]
    assert "Here it is." in details.follow_ups[0].body
    clock.advance(timedelta(hours=25))
    assert await service.close_due_cases() == []


async def test_a_mail_quoting_the_case_number_in_its_subject_reaches_the_case(
    service: CrmService, customer: CustomerInfo, receiver: MailReceiver
) -> None:  # C1
    case_ = await service.open_case(actor="alice", customer_id=customer.id, title="Printer")
    subject = f"Re: [{case_.number}] We have received your request"
    answer = _reply(None, sender="camille@example.test", subject=subject, text="+1")
    assert (await _send(receiver, answer))[0] == 250
    [follow_up] = (await service.case_details(case_.number)).follow_ups
    assert follow_up.kind == "mail_in" and "+1" in follow_up.body


async def test_a_reply_to_a_closed_case_opens_a_new_case_linked_to_it(
    service: CrmService, customer: CustomerInfo, receiver: MailReceiver
) -> None:  # S8
    old = await service.open_case(actor="alice", customer_id=customer.id, title="Printer")
    await service.set_case_status(old.number, "resolved", actor="alice")
    await service.set_case_status(old.number, "closed", actor="alice")
    subject = f"Re: [{old.number}] Your case has been closed"
    code, reply = await _send(
        receiver, _reply(None, sender="camille@example.test", subject=subject, text="Again!")
    )
    assert code == 250
    profile = await service.find_customer(email="camille@example.test")
    assert profile is not None
    new = next(c for c in profile.cases if c.number != old.number)
    assert new.number in reply and new.previous_case_id == old.id
    assert (await service.get_case(old.number)).status == "closed"
    [follow_up] = (await service.case_details(new.number)).follow_ups
    assert "Again!" in follow_up.body


async def test_a_mail_for_no_case_or_from_a_stranger_is_bounced_and_changes_nothing(
    service: CrmService, customer: CustomerInfo, receiver: MailReceiver
) -> None:  # C1, S5
    case_ = await service.open_case(actor="alice", customer_id=customer.id, title="Printer")
    await service.set_case_status(case_.number, "waiting_for_customer", actor="alice")
    refused = [
        ("camille@example.test", "Hello there", "550 5.1.1"),
        ("camille@example.test", "Re: [2020-999999] old", "550 5.1.1"),
        ("mallory@example.test", f"Re: [{case_.number}] We need your reply", "550 5.7.1"),
    ]
    for sender, subject, code in refused:
        answer = await _send(receiver, _reply(None, sender=sender, subject=subject, text="hi"))
        assert f"{answer[0]} {answer[1]}".startswith(code), (subject, answer)
    assert (await service.get_case(case_.number)).status == "waiting_for_customer"
    assert (await service.case_details(case_.number)).follow_ups == ()
