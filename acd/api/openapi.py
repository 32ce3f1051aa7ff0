"""The OpenAPI 3.1 document, generated from the route table and the pydantic models each
route declares (`acd.api.contract.endpoint`), served at /api/v1/openapi.json."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from acd.api.common import json_response
from acd.api.contract import PUBLIC, Endpoint, endpoint, endpoint_of

OPENAPI = web.AppKey("openapi", dict)
_REF = "#/components/schemas/{model}"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `code` is stable and part of the contract.",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
    },
}


def _documented_routes(app: web.Application) -> list[tuple[str, str, Any, Endpoint]]:
    routes = []
    for route in app.router.routes():
        declared = endpoint_of(route.handler)
        if declared is None or not declared.documented or route.method == "HEAD":
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if path is None:
            continue
        routes.append((route.method.lower(), str(path), route.handler, declared))
    return routes


def _parameters(
    model: type[BaseModel] | None, where: str, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = schemas[model.__name__]
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        parameters.append(
            {
                "name": name,
                "in": where,
                "required": where == "path" or name in required,
                "schema": field_schema,
            }
        )
    return parameters


def _operation(handler: Any, declared: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    doc = (handler.__doc__ or handler.__name__.replace("_", " ")).strip()
    summary, _, description = doc.partition("\n")
    operation: dict[str, Any] = {
        "operationId": handler.__name__,
        "summary": summary.strip(),
        "x-policy": declared.policy.description,
        "parameters": _parameters(declared.path, "path", schemas)
        + _parameters(declared.query, "query", schemas),
        "responses": {
            str(declared.status): (
                {"description": "done"}
                if declared.status == 204
                else {
                    "description": "done",
                    "content": {media: {"schema": {}} for media in declared.media_types},
                }
            ),
            "default": {
                "description": "refused; see `code`",
                "content": {
                    "application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}
                },
            },
        },
    }
    if description.strip():
        operation["description"] = " ".join(description.split())
    if declared.body is not None:
        # An empty body reads as {}: required only when the model has required fields.
        required = bool(schemas[declared.body.__name__].get("required"))
        operation["requestBody"] = {
            "required": required,
            "content": {
                "application/json": {"schema": {"$ref": _REF.format(model=declared.body.__name__)}}
            },
        }
    if declared.policy is PUBLIC:
        operation["security"] = []
    return operation


def build_document(app: web.Application) -> dict[str, Any]:
    routes = _documented_routes(app)
    models: dict[str, type[BaseModel]] = {}
    for _, _, _, declared in routes:
        for model in (declared.path, declared.query, declared.body):
            if model is not None:
                models[model.__name__] = model
    # Path and query models are inlined as parameters; bodies are referenced.
    _, top = models_json_schema(
        [(model, "validation") for model in models.values()], ref_template=_REF
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler, declared in sorted(routes, key=lambda r: (r[1], r[0])):
        paths.setdefault(path, {})[method] = _operation(handler, declared, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Aiguilleur API",
            "version": version("aiguilleur"),
            "description": "Contact-centre API: live calls and agents, CRM, sessions.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "acd_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"session": []}, {"bearer": []}],
    }


@endpoint(PUBLIC)
async def openapi_document(request: web.Request) -> web.Response:
    """This document."""
    return json_response(request.app[OPENAPI])


async def _build_at_startup(app: web.Application) -> None:
    app[OPENAPI] = build_document(app)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/openapi.json", openapi_document)
    app.on_startup.append(_build_at_startup)
