"""What a case change entails, decided without a database."""

from __future__ import annotations

import pytest

from crm.domain.case_effects import (
    StatusChangeEffects,
    check_follow_up,
    follow_up_effects,
    status_after_assignment,
    status_change_effects,
)
from crm.domain.cases import ALLOWED_TRANSITIONS, CaseStatus
from crm.domain.mail_rules import MailKind
from crm.errors import InvalidValue

S = CaseStatus


def effects(current: CaseStatus, target: CaseStatus, **facts: bool) -> StatusChangeEffects:
    return status_change_effects(
        current,
        target,
        auto_close=facts.get("auto_close", False),
    )


def test_waiting_for_the_customer_mails_them_and_arms_the_auto_close():  # S5
    assert effects(S.OPEN, S.WAITING_FOR_CUSTOMER) == StatusChangeEffects(
        mail=MailKind.WAITING_FOR_CUSTOMER, start_waiting=True
    )


def test_leaving_the_wait_for_the_customer_stops_its_deadline():  # S5
    for target in ALLOWED_TRANSITIONS[S.WAITING_FOR_CUSTOMER]:
        assert effects(S.WAITING_FOR_CUSTOMER, target).stop_waiting
    assert not effects(S.NEW, S.OPEN).stop_waiting


def test_a_resolution_asks_for_confirmation_and_keeps_the_survey_for_after_it():  # D7, Q4
    resolved = effects(S.OPEN, S.RESOLVED)
    assert resolved == StatusChangeEffects(
        mail=MailKind.RESOLUTION_CONFIRMATION, mark_resolved=True
    )


def test_reopening_clears_the_resolution_and_sends_nothing():  # S3
    reopened = effects(S.RESOLVED, S.OPEN)
    assert reopened == StatusChangeEffects(clear_resolved=True)


def test_closing_after_a_resolution_offers_the_survey():  # D7, Q4
    closed = effects(S.RESOLVED, S.CLOSED)
    assert closed == StatusChangeEffects(offer_csat=True, mark_closed=True)


def test_the_auto_close_tells_the_customer_the_case_closed_and_offers_no_survey():  # S5
    closed = effects(S.WAITING_FOR_CUSTOMER, S.CLOSED, auto_close=True)
    assert closed == StatusChangeEffects(
        mail=MailKind.AUTO_CLOSED, stop_waiting=True, mark_closed=True
    )


def test_an_agent_closing_a_waiting_case_sends_nothing():  # S5
    closed = effects(S.WAITING_FOR_CUSTOMER, S.CLOSED)
    assert closed.mail is None and not closed.offer_csat and closed.mark_closed


@pytest.mark.parametrize(
    ("current", "owner", "expected"),
    [
        (S.NEW, "alice", S.OPEN),
        (S.NEW, None, S.NEW),
        (S.WAITING_FOR_CUSTOMER, "alice", S.WAITING_FOR_CUSTOMER),
        (S.RESOLVED, "alice", S.RESOLVED),
    ],
)
def test_a_new_case_given_an_owner_is_open(current, owner, expected):  # S2, S3
    assert status_after_assignment(current, owner) is expected


def test_a_follow_up_of_unknown_kind_or_visibility_is_refused():  # C1
    with pytest.raises(InvalidValue):
        check_follow_up("fax", "private")
    with pytest.raises(InvalidValue):
        check_follow_up("note", "public")
    check_follow_up("mail_out", "customer")


def test_a_mail_in_or_a_call_is_the_customers_contact():  # C1, S5
    assert follow_up_effects("mail_in", "customer", author="a", owner="a").customer_contact
    assert follow_up_effects("call", "private", author="a", owner="a").customer_contact
    assert not follow_up_effects("note", "private", author="a", owner="a").customer_contact


def test_a_mail_out_is_sent_to_the_customer():  # C1
    assert follow_up_effects("mail_out", "customer", author="a", owner=None).mail is (
        MailKind.AGENT_MESSAGE
    )
    assert follow_up_effects("note", "customer", author="a", owner=None).mail is None


def test_a_private_note_on_someone_elses_case_notifies_its_owner():  # S10
    assert follow_up_effects("note", "private", author="bob", owner="alice").notify == "alice"
    assert follow_up_effects("note", "private", author="alice", owner="alice").notify is None
    assert follow_up_effects("note", "private", author="bob", owner=None).notify is None
    assert follow_up_effects("note", "customer", author="bob", owner="alice").notify is None
