"""What a customer does from the links in our mails: confirm that their case is resolved
(D7: the case closes, then the satisfaction survey leaves) and answer that survey (Q4: a
score from 1 to 5 and a comment, once per case, on the case's timeline)."""

from __future__ import annotations

from dataclasses import dataclass

from crm.db.models import FollowUp
from crm.domain.cases import CaseStatus
from crm.domain.mail_rules import SURVEY_SCORE_FIELD, SURVEY_SCORES
from crm.errors import AlreadyAnswered, CaseNotResolved, InvalidLink, InvalidValue
from crm.links import CaseLinks, LinkPurpose
from crm.services.case_actions import CaseActions
from crm.services.context import CrmContext, require_case
from crm.services.mappers import case_info
from crm.views import CaseInfo

CUSTOMER_ACTOR = "customer"


@dataclass(frozen=True)
class SurveyAnswer:
    case_number: str
    score: int
    comment: str


class CustomerLinkService:
    def __init__(self, ctx: CrmContext, actions: CaseActions) -> None:
        self._ctx = ctx
        self._actions = actions

    def _links(self) -> CaseLinks:
        if self._ctx.links is None:
            raise InvalidLink("this centre sends no links")
        return self._ctx.links

    async def case_of_link(self, purpose: LinkPurpose, token: str) -> CaseInfo:
        """The case a mail link is for (to show its number and title on the page)."""
        number = self._links().case_number(purpose, token)
        async with self._ctx.uow() as uow:
            return case_info(await require_case(uow, number))

    async def confirm_resolution(self, token: str) -> CaseInfo:
        """D7: the customer confirms the resolution: the case closes and the satisfaction
        survey follows (Q4's once per case and per cooldown kept). Confirming twice is
        harmless; a case the agent has reopened since cannot be confirmed."""
        number = self._links().case_number(LinkPurpose.CONFIRM, token)
        async with self._ctx.uow() as uow:
            case_ = await require_case(uow, number, for_update=True)
            status = CaseStatus(case_.status)
            if status is CaseStatus.RESOLVED:
                await self._actions.change_status(
                    uow, case_, CaseStatus.CLOSED, actor=CUSTOMER_ACTOR
                )
            elif status is not CaseStatus.CLOSED:
                raise CaseNotResolved(
                    f"case {number} was reopened: the agent is still working on it",
                    case_number=number,
                )
            info = case_info(case_)
            await uow.commit()
        return info

    async def answer_survey(self, token: str, score: int, comment: str) -> SurveyAnswer:
        """Q4: the customer's score (1 to 5) and comment, stored once on the case's audit
        trail and timeline."""
        if score not in SURVEY_SCORES:
            raise InvalidValue("a score from 1 to 5", field="score")
        number = self._links().case_number(LinkPurpose.SURVEY, token)
        async with self._ctx.uow() as uow:
            case_ = await require_case(uow, number, for_update=True)
            if any(e.field == SURVEY_SCORE_FIELD for e in await uow.cases.events(case_.id)):
                raise AlreadyAnswered(
                    f"the survey of case {number} was answered", case_number=number
                )
            now = self._ctx.clock.now()
            await self._actions.audit(
                uow, case_, CUSTOMER_ACTOR, SURVEY_SCORE_FIELD, None, str(score), now
            )
            await uow.cases.add_follow_up(
                FollowUp(
                    case_id=case_.id,
                    customer_id=case_.customer_id,
                    kind="survey",
                    at=now,
                    visibility="customer",
                    author=CUSTOMER_ACTOR,
                    body=f"{score}/5" + (f"\n{comment}" if comment else ""),
                    call_id=None,
                )
            )
            await uow.commit()
        return SurveyAnswer(number, score, comment)
