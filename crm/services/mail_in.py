"""Customer mails coming in: a reply reaches its case's timeline, and a reply to a case
waiting for the customer puts it back to open and cancels its auto-close (S5)."""

from __future__ import annotations

from crm.db.models import Case
from crm.db.unit_of_work import UnitOfWork
from crm.domain.cases import CaseStatus, Severity, Visibility
from crm.errors import UnknownCase, UnknownSender
from crm.mail.inbound import InboundMail
from crm.services.case_actions import CaseActions, NewCase
from crm.services.cases import CaseService
from crm.services.context import CrmContext


class MailInService:
    def __init__(self, ctx: CrmContext, actions: CaseActions, cases: CaseService) -> None:
        self._ctx = ctx
        self._actions = actions
        self._cases = cases

    async def receive_mail(self, mail: InboundMail) -> str:
        """The mail as a `mail_in` follow-up of the case it answers (found by our
        Message-ID in its headers, else by the case number in its subject), which counts
        as the customer's contact (S5). A reply to a closed case opens a new case linked
        to it (S8). Returns the case number the mail went to."""
        async with self._ctx.uow() as uow:
            case_ = await _answered_case(uow, mail)
            customer = await uow.customers.get(case_.customer_id) if case_.customer_id else None
            if customer is not None and mail.sender not in (customer.emails or ()):
                raise UnknownSender(
                    f"{mail.sender} is not an address of the customer of case {case_.number}",
                    sender=mail.sender,
                )
            if case_.status == CaseStatus.CLOSED.value:
                new = NewCase(
                    customer=customer,
                    contact_number=case_.contact_number,
                    previous=case_,
                    title=mail.subject or case_.title,
                    subject=case_.subject,
                    queue=case_.queue,
                    ivr_path=None,
                    severity=Severity(case_.severity),
                    visibility=Visibility(case_.visibility),
                    owner=case_.owner_agent_id,
                )
                case_ = await self._actions.create(uow, new, actor=mail.sender)
            number = str(case_.number)
            await uow.commit()
        body = f"{mail.subject}\n\n{mail.text}" if mail.subject else mail.text
        await self._cases.add_follow_up(
            number, author=mail.sender, kind="mail_in", body=body, visibility="customer"
        )
        return number


async def _answered_case(uow: UnitOfWork, mail: InboundMail) -> Case:
    found = await uow.cases.get(mail.case_id) if mail.case_id is not None else None
    if found is None and mail.case_number is not None:
        found = await uow.cases.get_by_number(mail.case_number)
    if found is None:
        raise UnknownCase(
            "no case matches this mail: reply to one of our mails or quote the case number",
            case_number=mail.case_number,
        )
    return found
