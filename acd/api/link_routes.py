"""The links in customer mails, over HTTP: no sign-in, the signed token is the only
credential and names the one case and the one thing it allows (D7: confirm a resolution;
Q4: answer the survey). The page that uses them is /confirm/<token> and /survey/<token>."""

from __future__ import annotations

from aiohttp import web

from acd.api.common import CRM, json_response
from acd.api.contract import PUBLIC, endpoint, parsed_body, parsed_path
from acd.api.crm_schemas import ConfirmBody, LinkPath, SurveyBody
from crm.links import LinkPurpose


@endpoint(PUBLIC, path=LinkPath)
async def link_case(request: web.Request) -> web.Response:
    """What the customer's page shows: the case's number, title and status."""
    path = parsed_path(request, LinkPath)
    case = await request.app[CRM].case_of_link(LinkPurpose(path.purpose), path.token)
    return json_response({"case_number": case.number, "title": case.title, "status": case.status})


@endpoint(PUBLIC, body=ConfirmBody)
async def confirm_resolution(request: web.Request) -> web.Response:
    """D7: the case closes; the satisfaction survey follows by mail."""
    case = await request.app[CRM].confirm_resolution(parsed_body(request, ConfirmBody).token)
    return json_response({"case_number": case.number, "status": case.status})


@endpoint(PUBLIC, body=SurveyBody)
async def answer_survey(request: web.Request) -> web.Response:
    """Q4: a score from 1 to 5 and a comment, once per case."""
    body = parsed_body(request, SurveyBody)
    answer = await request.app[CRM].answer_survey(body.token, body.score, body.comment)
    return json_response({"case_number": answer.case_number, "score": answer.score})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/links/{purpose}/{token}", link_case)
    app.router.add_post("/api/v1/links/confirm", confirm_resolution)
    app.router.add_post("/api/v1/links/survey", answer_survey)
