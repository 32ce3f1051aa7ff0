"""The case rules' mails in the customer's language, over real SMTP (aiosmtpd): French and
English, the reply delay as configured, the closing time in the centre's time zone."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest

from crm.clock import FakeClock
from crm.db.unit_of_work import UnitOfWorkFactory
from crm.scheduler import Scheduler
from crm.services import CrmService
from crm.settings import CrmSettings, Language
from crm.views import CustomerChanges, NewCustomer
from tests.support.mail import SmtpServer, make_sender
from tests.support.waiting import until

# What each mail says, by language: its subject after the case number, and one sentence
# of its body. The clock starts on 6 January 2025 at 09:00 UTC; with a 48-hour delay the
# case closes on 8 January at 09:00 UTC, 10:00 in Paris.
EXPECTED: dict[Language, dict[str, tuple[str, str]]] = {
    "fr": {
        "acknowledgement": (
            "Nous avons bien reçu votre demande : {title}",
            "Votre demande est enregistrée sous le numéro {number}.",
        ),
        "agent_message": ("{title}", "Bonjour Camille Martin, Quel modèle ?"),
        "waiting_for_customer": (
            "Nous avons besoin de votre réponse",
            "Envoyez-nous la facture. Sans réponse de votre part sous 48 heures, "
            "soit le 8 janvier 2025 à 10:00, le dossier sera clôturé.",
        ),
        "auto_closed": (
            "Votre dossier a été clôturé",
            "Sans nouvelles de votre part, le dossier {number} est désormais clôturé.",
        ),
        "resolution_confirmation": (
            "Votre problème est-il résolu ?",
            "Nous pensons que le dossier {number} ({title}) est résolu. Merci de nous le "
            "confirmer en répondant à ce courriel",
        ),
        "csat": (
            "Votre avis sur notre service",
            "du traitement du dossier {number}, sur une échelle de 1 à 5.",
        ),
    },
    "en": {
        "acknowledgement": (
            "We have received your request: {title}",
            "Your request has been registered under number {number}.",
        ),
        "agent_message": ("{title}", "Hello Camille Martin, Quel modèle ?"),
        "waiting_for_customer": (
            "We need your reply",
            "Envoyez-nous la facture. Without a reply within 48 hours, "
            "by January 8, 2025 at 10:00 AM, the case will be closed.",
        ),
        "auto_closed": (
            "Your case has been closed",
            "We did not hear back from you, so case {number} is now closed.",
        ),
        "resolution_confirmation": (
            "Is your problem solved?",
            "We believe case {number} ({title}) is resolved. Please confirm by replying",
        ),
        "csat": ("How did we do?", "with the handling of case {number}, on a scale of 1 to 5"),
    },
}
OTHER: dict[Language, Language] = {"fr": "en", "en": "fr"}


def _words(text: str) -> str:
    """The text with every run of spaces as one space: Babel writes the no-break spaces
    each language puts in "48 heures" or "10:00 AM", and a mail wraps lines."""
    return " ".join(text.split())


def _mails(smtp: SmtpServer) -> dict[str, str]:
    """Subject -> body of every mail received, with spaces normalised."""
    found = {}
    for message in smtp.inbox.to("camille@example.test"):
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        found[_words(str(message["Subject"]))] = _words(body.get_content())
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_every_case_rule_mail_goes_in_the_customers_language_with_the_configured_delay(
    language: Language,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    smtp_server: SmtpServer,
) -> None:  # Q4 S5 D7
    # The centre writes in the other language: the customer's own choice is what counts.
    settings = CrmSettings(
        mail_from="desk@example.test",
        default_language=OTHER[language],
        auto_close_after=timedelta(hours=48),
    )
    service = CrmService(uow_factory, clock, settings)
    scheduler = Scheduler(service, make_sender(uow_factory, clock, smtp_server.port))
    customer = await service.create_customer(
        NewCustomer(
            first_name="Camille",
            last_name="Martin",
            emails=["camille@example.test"],
            language=language,
        )
    )
    waited = await service.open_case(actor="alice", customer_id=customer.id, title="Imprimante")
    await service.add_follow_up(
        waited.number, author="alice", kind="mail_out", body="Quel modèle ?"
    )
    await service.set_case_status(
        waited.number, "waiting_for_customer", actor="alice", message="Envoyez-nous la facture."
    )
    clock.advance(hours=47)
    assert (await scheduler.run_due()).closed_cases == []
    clock.advance(hours=1)
    assert (await scheduler.run_due()).closed_cases == [waited.number]
    resolved = await service.open_case(actor="alice", customer_id=customer.id, title="Écran")
    await service.set_case_status(resolved.number, "resolved", actor="alice")
    # D7: the customer confirms, and the survey follows (Q4).
    await service.set_case_status(resolved.number, "closed", actor="customer")
    await scheduler.run_due()
    await until(lambda: len(smtp_server.inbox.messages) == 7)

    sent = [
        *(
            (kind, waited)
            for kind in ("acknowledgement", "agent_message", "waiting_for_customer", "auto_closed")
        ),
        *((kind, resolved) for kind in ("acknowledgement", "resolution_confirmation", "csat")),
    ]
    expected = {}
    for kind, case_ in sent:
        subject, sentence = EXPECTED[language][kind]
        subject = f"[{case_.number}] " + subject.format(title=case_.title)
        expected[subject] = sentence.format(number=case_.number, title=case_.title)
    mails = _mails(smtp_server)
    assert set(mails) == set(expected)
    for subject, sentence in expected.items():
        assert sentence in mails[subject], subject


async def test_a_customer_without_a_language_is_written_to_in_the_centres(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, smtp_server: SmtpServer
) -> None:  # Q4
    settings = CrmSettings(mail_from="desk@example.test", default_language="en")
    service = CrmService(uow_factory, clock, settings)
    customer = await service.create_customer(NewCustomer(emails=["camille@example.test"]))
    assert customer.language is None
    first = await service.open_case(actor="alice", customer_id=customer.id, title="Printer")
    await service.update_customer(customer.id, CustomerChanges(language="fr"))
    second = await service.open_case(actor="alice", customer_id=customer.id, title="Screen")
    # An empty language puts the customer back on the centre's.
    updated = await service.update_customer(customer.id, CustomerChanges(language=""))
    assert updated.language is None
    third = await service.open_case(actor="alice", customer_id=customer.id, title="Mouse")
    await make_sender(uow_factory, clock, smtp_server.port).drain()
    await until(lambda: len(smtp_server.inbox.messages) == 3)
    assert set(_mails(smtp_server)) == {
        f"[{first.number}] We have received your request: Printer",
        f"[{second.number}] Nous avons bien reçu votre demande : Screen",
        f"[{third.number}] We have received your request: Mouse",
    }
    english = _mails(smtp_server)[f"[{first.number}] We have received your request: Printer"]
    assert english.startswith("Hello, Your request has been registered")
