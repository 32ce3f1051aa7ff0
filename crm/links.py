"""Signed links in customer mails: confirming a resolution (D7) and answering the
satisfaction survey (Q4). A token names the case and what it allows, is signed with the
centre's secret and expires; nothing else in it is trusted."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from itsdangerous import BadSignature, URLSafeTimedSerializer

from crm.errors import InvalidLink

LINK_LIFETIME = timedelta(days=30)


class LinkPurpose(StrEnum):
    CONFIRM = "confirm"
    SURVEY = "survey"


class CaseLinks:
    def __init__(self, secret: str, public_url: str, lifetime: timedelta = LINK_LIFETIME):
        self._signer = URLSafeTimedSerializer(secret, salt="aiguilleur.case-link")
        self._base = public_url.rstrip("/")
        self._lifetime = lifetime

    def token(self, purpose: LinkPurpose, case_number: str) -> str:
        return str(self._signer.dumps([purpose.value, case_number]))

    def url(self, purpose: LinkPurpose, case_number: str) -> str:
        return f"{self._base}/{purpose.value}/{self.token(purpose, case_number)}"

    def case_number(self, purpose: LinkPurpose, token: str) -> str:
        """The case a token is for; InvalidLink when forged, expired or for another use."""
        try:
            found = self._signer.loads(token, max_age=int(self._lifetime.total_seconds()))
        except BadSignature:  # SignatureExpired is one too
            raise InvalidLink("this link is not valid or has expired") from None
        if (
            not isinstance(found, list)
            or len(found) != 2
            or found[0] != purpose.value
            or not isinstance(found[1], str)
        ):
            raise InvalidLink("this link is not valid or has expired")
        return found[1]
