"""Texts of the automatic mails (S5, D7, Q4)."""

from __future__ import annotations

from dataclasses import dataclass

from crm.domain.mail_rules import MailKind


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


def render(
    kind: MailKind,
    *,
    case_number: str,
    title: str,
    customer_name: str,
    company: str,
    text: str = "",
    link: str = "",
) -> MailText:
    greeting = f"Hello {customer_name}," if customer_name else "Hello,"
    ref = f"[{case_number}]"
    if kind is MailKind.ACKNOWLEDGEMENT:
        return MailText(
            f"{ref} We have received your request: {title}",
            f"{greeting}\n\nYour request has been registered under number {case_number}.\n"
            f"Please quote this number in any reply.\n\n{company}",
        )
    if kind is MailKind.WAITING_FOR_CUSTOMER:
        return MailText(
            f"{ref} We need your reply",
            f"{greeting}\n\nTo continue with case {case_number} we need information from you."
            f"\n{text}\nWithout a reply within 24 hours the case will be closed.\n\n{company}",
        )
    if kind is MailKind.AUTO_CLOSED:
        return MailText(
            f"{ref} Your case has been closed",
            f"{greeting}\n\nWe did not hear back from you, so case {case_number} is now closed."
            f"\nContact us again at any time: a new case will be opened.\n\n{company}",
        )
    if kind is MailKind.RESOLUTION_CONFIRMATION:
        return MailText(
            f"{ref} Is your problem solved?",
            f"{greeting}\n\nWe believe case {case_number} ({title}) is resolved.\n"
            + (
                f"Please confirm so that we can close it:\n{link}\n"
                if link
                else "Please confirm by replying to this mail so that we can close it.\n"
            )
            + f"\n{company}",
        )
    if kind is MailKind.CSAT:
        return MailText(
            f"{ref} How did we do?",
            f"{greeting}\n\nPlease tell us how satisfied you are with the handling of case "
            f"{case_number}, on a scale of 1 to 5, "
            + (f"here:\n{link}\n" if link else "by replying to this mail.\n")
            + f"\n{company}",
        )
    return MailText(f"{ref} {title}", f"{greeting}\n\n{text}\n\n{company}")
