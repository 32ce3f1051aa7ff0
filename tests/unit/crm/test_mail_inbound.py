"""Parsing customer mails into bounded values before the CRM sees them."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from crm.mail.inbound import MAX_TEXT, InvalidMail, message_id_for, parse_mail


def _raw(**headers: str) -> EmailMessage:
    message = EmailMessage()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def test_the_case_answered_is_the_last_of_our_mails_the_headers_name() -> None:  # C1
    first, last = message_id_for(7, 41, "desk@x.test"), message_id_for(9, 42, "desk@x.test")
    message = _raw(From="A <A@Example.test>", Subject="Re: [2026-000042] hi")
    message["References"] = f"<other@elsewhere> {first} {last}"
    message.set_content("thanks")
    mail = parse_mail(message.as_bytes(), "bounce@elsewhere.test")
    assert (mail.sender, mail.case_id, mail.case_number) == ("a@example.test", 42, "2026-000042")
    assert mail.text == "thanks"


def test_an_html_only_mail_is_read_as_text_without_its_tags_or_control_characters() -> None:
    message = _raw(From="a@example.test", Subject="Re:\x07 hello")
    message.set_content("<p>Here\x00 it <b>is</b></p>", subtype="html")
    mail = parse_mail(message.as_bytes(), "")
    assert mail.text.split() == ["Here", "it", "is"]
    assert mail.subject == "Re: hello" and mail.case_id is None and mail.case_number is None


def test_a_huge_mail_is_cut_and_a_mail_with_no_sender_is_refused() -> None:
    message = _raw(From="a@example.test")
    message.set_content("x" * (MAX_TEXT * 2))
    assert len(parse_mail(message.as_bytes(), "").text) == MAX_TEXT
    for sender in ("", "not-an-address", "x" * 70 + "@example.test"):
        anonymous = _raw(From=sender) if sender else _raw()
        anonymous.set_content("hi")
        with pytest.raises(InvalidMail):
            parse_mail(anonymous.as_bytes(), "")
    # The envelope sender stands in for a missing From.
    nameless = _raw()
    nameless.set_content("hi")
    assert parse_mail(nameless.as_bytes(), "b@example.test").sender == "b@example.test"
