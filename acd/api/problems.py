"""Every refusal as application/problem+json (RFC 9457) with a stable `code`: the
mapping from codes to HTTP statuses lives here and nowhere else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from acd import routing
from acd.ami.client import AmiError
from acd.api.common import ApiProblem, BadRequest, to_json
from acd.telephony.destinations import NumberRefused
from acd.telephony.writer import TelephonyError
from crm.errors import CrmError, NotFound

# Stable error codes -> HTTP status. Codes not listed: 409 for a refused command,
# 502 for an AMI failure.
_STATUS_BY_CODE = {
    "unknown_agent": 404,
    "unknown_call": 404,
    "unknown_queue": 404,
    "invalid_request": 400,
    "ami_unavailable": 503,
    "ami_timeout": 504,
    # CRM
    "unknown_customer": 404,
    "unknown_case": 404,
    "unknown_task": 404,
    "unknown_notification": 404,
    "not_found": 404,
    "invalid_value": 422,
    "invalid_link": 404,
    "already_answered": 409,
    "case_not_resolved": 409,
    "invalid_email": 422,
    "invalid_phone_number": 422,
    "number_not_allowed": 422,
    "intake_invalid": 422,
    "intake_answer_missing": 422,
    "intake_answer_invalid": 422,
    "intake_unknown_question": 422,
    "unknown_intake_script": 422,
    "case_closed": 409,
    "invalid_transition": 409,
    "escalation_not_possible": 409,
    "agent_queue_full": 409,
    "duplicate_account_number": 409,
    # Users, sessions and tokens
    "invalid_credentials": 401,
    "too_many_attempts": 429,
    "invalid_user": 422,
    "unknown_user": 404,
    "unknown_token": 404,
}


def _problem(
    status: int, code: str, detail: str, extra: dict[str, Any] | None = None
) -> web.Response:
    problem = {
        "type": "about:blank",
        "title": code.replace("_", " "),
        "status": status,
        "code": code,
        "detail": detail,
    }
    # Extension members (the question or field at fault) never hide the standard ones.
    for key, value in (extra or {}).items():
        problem.setdefault(key, value)
    return web.json_response(
        problem,
        status=status,
        content_type="application/problem+json",
    )


@web.middleware
async def problem_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiProblem as exc:
        return _problem(exc.status, exc.code, exc.detail, exc.extra)
    except (routing.RoutingError, TelephonyError, NumberRefused) as exc:
        code = getattr(exc, "code", "conflict")
        return _problem(_STATUS_BY_CODE.get(code, 409), code, str(exc))
    except NotFound as exc:
        return _problem(404, exc.code, exc.message)
    except CrmError as exc:
        # Details name the field or question at fault, so a form can point at it.
        return _problem(
            _STATUS_BY_CODE.get(exc.code, 409), exc.code, exc.message, to_json(exc.details)
        )
    except BadRequest as exc:
        return _problem(400, "invalid_request", str(exc))
    except AmiError as exc:
        return _problem(_STATUS_BY_CODE.get(exc.code, 502), exc.code, str(exc))
    except web.HTTPException as exc:
        # Unknown API routes and methods answer problem+json too; pages keep aiohttp's.
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        code = {
            404: "unknown_route",
            405: "method_not_allowed",
            413: "body_too_large",
        }.get(exc.status, "invalid_request")
        return _problem(exc.status, code, f"{request.method} {request.path}: {exc.reason}")
