"""Customer mails coming in, parsed from the raw message into a bounded `InboundMail`
before anything else sees them. A reply is threaded to its case by the Message-ID of one
of our mails in In-Reply-To or References, or by the case number quoted in the subject."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from crm import limits

# What `message_id_for` writes: the outbox row and the case it was about.
_OUR_MESSAGE_ID = re.compile(r"<outbox-\d{1,12}\.case-(\d{1,12})@[^>\s]{1,253}>")
# The templates put the case number in brackets at the start of every subject.
_CASE_IN_SUBJECT = re.compile(r"\[(\d{4}-\d{6,12})\]")
_TAGS = re.compile(r"<[^>]{0,2000}>")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
MAX_SUBJECT = 300
# What an agent may write in a follow-up, so a mail reads the same on the timeline.
MAX_TEXT = 20_000


class InvalidMail(ValueError):
    """A message that cannot be read as a customer's mail."""


@dataclass(frozen=True)
class InboundMail:
    sender: str  # lower case
    subject: str
    text: str
    case_id: int | None  # from the headers naming one of our mails
    case_number: str | None  # quoted in the subject


def message_id_for(outbox_id: int, case_id: int | None, from_address: str) -> str:
    """Our Message-ID for an outbox mail: stable across retries (a receiver can drop the
    duplicate of a retried send), and naming the case so a reply finds it."""
    domain = from_address.rpartition("@")[2] or "aiguilleur.invalid"
    return f"<outbox-{outbox_id}.case-{case_id or 0}@{domain}>"


def parse_mail(raw: bytes, envelope_sender: str) -> InboundMail:
    """Raises InvalidMail for a message with no usable sender."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage):
        raise InvalidMail("not a mail message")
    sender = _address(str(message.get("From", ""))) or _address(envelope_sender)
    if sender is None:
        raise InvalidMail("the mail names no sender address")
    subject = _clean(str(message.get("Subject", "")))[:MAX_SUBJECT]
    referenced = " ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References"))
    case_ids = [int(found) for found in _OUR_MESSAGE_ID.findall(referenced) if int(found) > 0]
    numbered = _CASE_IN_SUBJECT.search(subject)
    return InboundMail(
        sender=sender,
        subject=subject,
        text=_text(message)[:MAX_TEXT],
        # The last referenced mail is the one being answered.
        case_id=case_ids[-1] if case_ids else None,
        case_number=numbered.group(1) if numbered else None,
    )


def _address(value: str) -> str | None:
    address = parseaddr(value)[1].strip().lower()
    local, _, domain = address.partition("@")
    # follow_ups.author holds the sender of a mail in.
    too_long = len(address) > limits.ACTOR
    if not local or "." not in domain or too_long or _FORBIDDEN.search(address):
        return None
    return address


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken transfer encoding
        return ""
    if not isinstance(content, str):
        return ""
    if body.get_content_subtype() == "html":
        content = _TAGS.sub(" ", content)
    return _clean(content).strip()


def _clean(value: str) -> str:
    return _FORBIDDEN.sub("", value.replace("\r\n", "\n"))
