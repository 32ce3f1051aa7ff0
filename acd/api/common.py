"""What every route module shares: the app keys, JSON helpers and request parsing.

Handlers raise; `acd.api.problems.problem_middleware` is the one place that turns errors
into application/problem+json."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import datetime
from enum import Enum
from typing import Any

from aiohttp import web

from acd import routing
from acd.bus import EventBus
from acd.centre import Centre
from acd.telephony.journal import JournalWriter
from acd.telephony.service import TelephonyService
from crm.services import CrmService

TELEPHONY = web.AppKey("telephony", TelephonyService)
CRM = web.AppKey("crm", CrmService)
BUS = web.AppKey("bus", EventBus)
CENTRE = web.AppKey("centre", Centre)
JOURNAL = web.AppKey("journal", JournalWriter)  # absent when the app runs without one


class BadRequest(Exception):
    """The request itself is malformed (answered 400 `invalid_request`)."""


class ApiProblem(Exception):
    """A refusal decided at the HTTP edge (authentication, policy, input parsing),
    answered as problem+json with its own status and stable code."""

    def __init__(
        self, status: int, code: str, detail: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra or {}


def require_agent(request: web.Request, agent_id: str) -> None:
    """Raises unknown_agent (404) for an id the centre does not declare."""
    request.app[TELEPHONY].router.agent(agent_id)


def to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):  # dates
        return value.isoformat()
    return value


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.json_response(to_json(value), status=status)


async def body_of(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not JSON in UTF-8: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    _refuse_lone_surrogates(body)
    return body


def _refuse_lone_surrogates(value: Any) -> None:
    """JSON may escape half of a UTF-16 pair ("\\ud800"): such a string is no text, and
    no database or log can store it, so the request is refused here."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(
                "the body holds a string that is not valid Unicode (a lone surrogate)"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key)
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)


def _bounded(name: str, value: str, max_length: int | None) -> str:
    if max_length is not None and len(value) > max_length:
        raise BadRequest(f"'{name}' is at most {max_length} characters (got {len(value)})")
    return value


def text_field(body: dict[str, Any], name: str, max_length: int | None = None) -> str:
    """A required, non-empty string field, of at most `max_length` characters."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{name}' is required (a non-empty string)")
    return _bounded(name, value.strip(), max_length)


def optional_text(
    body: dict[str, Any], name: str, default: str | None = None, max_length: int | None = None
) -> str | None:
    value = body.get(name, default)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string")
    return _bounded(name, value, max_length)


def int_param(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number") from None


def flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in {"1", "true", "yes"}


# --- live views ---------------------------------------------------------------------


def call_json(telephony: TelephonyService, call_id: str) -> dict[str, Any] | None:
    """A live call as the desktop shows it (caller, queue, IVR path)."""
    call = telephony.calls.get(call_id)
    if call is None:
        return None
    return {
        "call_id": call.call_id,
        "direction": call.direction,
        "phase": call.phase.value,
        "caller": call.caller_number,
        "dialled": call.dialled_number,
        "queue": call.queue,
        "agent_id": call.agent_id,
        "ivr_path": call.ivr_path,
    }


def elapsed(since: float) -> float | None:
    """Seconds from a routing-core time (the event loop's clock) to now."""
    if since <= 0:
        return None  # unchanged since the server started
    return round(max(0.0, asyncio.get_running_loop().time() - since), 1)


def agent_json(view: routing.AgentView) -> dict[str, Any]:
    """An agent as the desktop and wallboard show it: `in_state_s` is the time in state."""
    return {**to_json(view), "in_state_s": elapsed(view.since)}
