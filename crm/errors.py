"""Domain errors. Each carries a stable `code`: it is part of the API contract and the HTTP
layer maps codes (not classes, not messages) to responses."""

from __future__ import annotations

from typing import Any, ClassVar


class CrmError(Exception):
    code: ClassVar[str] = "crm_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(CrmError):
    code = "not_found"


class UnknownCustomer(NotFound):
    code = "unknown_customer"


class UnknownCase(NotFound):
    code = "unknown_case"


class UnknownTask(NotFound):
    code = "unknown_task"


class UnknownNotification(NotFound):
    code = "unknown_notification"


class DuplicateAccountNumber(CrmError):
    code = "duplicate_account_number"


class InvalidPhoneNumber(CrmError):
    code = "invalid_phone_number"


class UnknownSender(CrmError):
    """A mail about a customer's case from an address that customer does not have."""

    code = "unknown_sender"


class InvalidLink(CrmError):
    """A mail link whose signature does not hold, that expired, or is for another use."""

    code = "invalid_link"


class AlreadyAnswered(CrmError):
    """Q4: a case's survey is answered once."""

    code = "already_answered"


class CaseNotResolved(CrmError):
    """Confirming a resolution the agent has since reopened."""

    code = "case_not_resolved"


class InvalidEmail(CrmError):
    code = "invalid_email"


class CaseClosed(CrmError):
    """S8: a closed case is final."""

    code = "case_closed"


class InvalidTransition(CrmError):
    code = "invalid_transition"


class EscalationNotPossible(CrmError):
    code = "escalation_not_possible"


class InvalidValue(CrmError):
    code = "invalid_value"


class IntakeError(CrmError):
    code = "intake_invalid"


class IntakeAnswerMissing(IntakeError):
    code = "intake_answer_missing"


class IntakeAnswerInvalid(IntakeError):
    code = "intake_answer_invalid"


class IntakeUnknownQuestion(IntakeError):
    code = "intake_unknown_question"


class UnknownIntakeScript(IntakeError):
    code = "unknown_intake_script"


class AgentQueueFull(CrmError):
    """S2: the agent already holds the maximum number of active cases."""

    code = "agent_queue_full"


class UnwritableRows(CrmError):
    """The database refused the rows' data (a value longer than its column, text it cannot
    encode): written again, they fail again, unlike a lost connection or a locked file."""

    code = "unwritable_rows"
