"""`CrmService` where the telephony and the API import it from; it lives in
`crm.services`."""

from crm.services import AUTO_CLOSE_ACTOR, CrmService, UowFactory

__all__ = ["AUTO_CLOSE_ACTOR", "CrmService", "UowFactory"]
