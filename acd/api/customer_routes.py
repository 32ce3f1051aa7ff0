"""Customers over HTTP (C1, C2): the screen pop and search box, and creating, editing and
merging customer records. Every signed-in user works the customer base; merging deletes
records, so it is a supervisor's."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from acd.api.common import CRM, json_response, to_json
from acd.api.contract import (
    SIGNED_IN,
    SUPERVISOR,
    endpoint,
    parsed_body,
    parsed_path,
    parsed_query,
)
from acd.api.crm_schemas import (
    AddressEntry,
    CustomerChangesBody,
    CustomerPath,
    MergeBody,
    NewCustomerBody,
    PhoneEntry,
    SearchQuery,
)
from crm.views import Address, CustomerChanges, CustomerInfo, CustomerProfile, NewCustomer


def _customer_json(customer: CustomerInfo) -> dict[str, Any]:
    return {**to_json(customer), "display_name": customer.display_name}


def _profile_json(profile: CustomerProfile | None) -> dict[str, Any]:
    if profile is None:
        return {"customer": None, "cases": []}
    customer = None if profile.customer is None else _customer_json(profile.customer)
    return {"customer": customer, "cases": to_json(profile.cases)}


def _phones(given: list[str | PhoneEntry]) -> list[str | tuple[str, str | None]]:
    return [p if isinstance(p, str) else (p.number, p.label) for p in given]


def _addresses(given: list[AddressEntry]) -> list[Address]:
    return [Address(**a.model_dump()) for a in given]


def _customer_id(request: web.Request) -> int:
    return parsed_path(request, CustomerPath).customer_id


@endpoint(SIGNED_IN, query=SearchQuery)
async def search_customers(request: web.Request) -> web.Response:
    """Screen pop and search box: `q` is a phone number, an email, a case number or an
    account number. Answers the customer and all their cases (S8); for a number no
    customer holds yet, a null customer and the cases opened for that number."""
    query = parsed_query(request, SearchQuery).q
    return json_response(_profile_json(await request.app[CRM].search(query)))


@endpoint(SIGNED_IN, body=NewCustomerBody, status=201)
async def create_customer(request: web.Request) -> web.Response:
    """C1: a new customer. The cases and calls of their numbers from before the record
    existed become theirs."""
    body = parsed_body(request, NewCustomerBody)
    customer = await request.app[CRM].create_customer(
        NewCustomer(
            account_number=body.account_number,
            first_name=body.first_name,
            last_name=body.last_name,
            company=body.company or None,
            tier=body.tier or None,
            phones=_phones(body.phones),
            emails=body.emails,
            addresses=_addresses(body.addresses),
            custom_fields=body.custom_fields,
            language=body.language,
        )
    )
    return json_response(_customer_json(customer), status=201)


@endpoint(SIGNED_IN, path=CustomerPath)
async def customer_profile(request: web.Request) -> web.Response:
    """The customer and all their cases, newest first."""
    crm = request.app[CRM]
    customer = await crm.get_customer(_customer_id(request))
    profile = await crm.find_customer(account_number=customer.account_number)
    return json_response(_profile_json(profile))


@endpoint(SIGNED_IN, path=CustomerPath, body=CustomerChangesBody)
async def update_customer(request: web.Request) -> web.Response:
    body = parsed_body(request, CustomerChangesBody)
    changes = CustomerChanges(
        first_name=body.first_name,
        last_name=body.last_name,
        company=body.company,
        tier=body.tier,
        phones=None if body.phones is None else _phones(body.phones),
        emails=body.emails,
        addresses=None if body.addresses is None else _addresses(body.addresses),
        custom_fields=body.custom_fields,
        language=body.language,
    )
    customer = await request.app[CRM].update_customer(_customer_id(request), changes)
    return json_response(_customer_json(customer))


@endpoint(SUPERVISOR, path=CustomerPath, body=MergeBody)
async def merge_customers(request: web.Request) -> web.Response:
    """Seed 003's merge of customer records: the duplicates' phones, emails, cases, calls,
    follow-ups and tasks move to this customer, whose own values win; the duplicates are
    deleted. Answers the merged customer and their cases."""
    body = parsed_body(request, MergeBody)
    profile = await request.app[CRM].merge_customers(_customer_id(request), body.duplicates)
    return json_response(_profile_json(profile))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/customers", search_customers)
    app.router.add_post("/api/v1/customers", create_customer)
    app.router.add_get("/api/v1/customers/{customer_id}", customer_profile)
    app.router.add_patch("/api/v1/customers/{customer_id}", update_customer)
    app.router.add_post("/api/v1/customers/{customer_id}/merge", merge_customers)
