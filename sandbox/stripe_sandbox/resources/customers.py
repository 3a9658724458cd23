"""Customers: create, retrieve, update, delete, list."""

from __future__ import annotations

import hashlib
from typing import Any

from .. import errors
from ..events import emit
from ..listing import list_objects
from ..params import Params, merge_metadata
from ..state import Ctx
from .lookup import load_customer
from .routing import Route

NOUN = "customer"
_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")


def _address(params: Params) -> dict[str, Any] | None:
    if "address" not in params or params.raw("address") == "":
        return None
    given = params.sub("address")
    return {key: given.text(key) for key in _ADDRESS_KEYS}


def new_customer(
    ctx: Ctx,
    *,
    email: str | None = None,
    name: str | None = None,
    description: str | None = None,
    phone: str | None = None,
    metadata: dict[str, str] | None = None,
    address: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create and record a customer (also used by Checkout when it creates one)."""
    customer_id = ctx.new_id("cus")
    customer: dict[str, Any] = {
        "id": customer_id,
        "object": "customer",
        "address": address,
        "balance": 0,
        "created": ctx.now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": description,
        "discount": None,
        "email": email,
        "invoice_prefix": hashlib.sha256(customer_id.encode()).hexdigest()[:8].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": metadata or {},
        "name": name,
        "next_invoice_sequence": 1,
        "phone": phone,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    ctx.insert(customer)
    emit(ctx, "customer.created", customer)
    return customer


def create(ctx: Ctx, params: Params) -> dict[str, Any]:
    from .payment_methods import attach_to_customer, resolve_payment_method

    payment_method = params.text("payment_method")
    pm = resolve_payment_method(ctx, payment_method, "payment_method") if payment_method else None
    customer = new_customer(
        ctx,
        email=params.text("email"),
        name=params.text("name"),
        description=params.text("description"),
        phone=params.text("phone"),
        metadata=params.metadata(),
        address=_address(params),
    )
    if pm is not None:
        attach_to_customer(ctx, pm, customer["id"])
    default_pm = params.sub("invoice_settings").text("default_payment_method")
    if default_pm:
        before = dict(customer)
        customer["invoice_settings"] = {**customer["invoice_settings"], "default_payment_method": default_pm}
        ctx.save(customer)
        emit(ctx, "customer.updated", customer, before)
    return customer


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "customer", NOUN)


def update(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    customer = load_customer(ctx, id, "id")
    before = {**customer, "invoice_settings": dict(customer["invoice_settings"])}
    for key in ("email", "name", "description", "phone"):
        if key in params:
            value = params.text(key)
            customer[key] = value or None
    if "address" in params:
        customer["address"] = _address(params)
    customer["metadata"] = merge_metadata(customer["metadata"], params.metadata())
    settings = params.sub("invoice_settings")
    if "default_payment_method" in settings:
        default_pm = settings.text("default_payment_method") or None
        if default_pm:
            pm = ctx.load(
                default_pm, "payment_method", "PaymentMethod", "invoice_settings[default_payment_method]"
            )
            if pm.get("customer") != id:
                raise errors.invalid(
                    f"No such PaymentMethod: '{default_pm}'; It does not belong to this customer.",
                    "invoice_settings[default_payment_method]",
                    "resource_missing",
                )
        customer["invoice_settings"]["default_payment_method"] = default_pm
    if customer != before:
        ctx.save(customer)
        emit(ctx, "customer.updated", customer, before)
    return customer


def delete(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    customer = load_customer(ctx, id, "id")
    tombstone = {
        "id": id,
        "object": "customer",
        "created": customer["created"],
        "deleted": True,
        "_sandbox": {"was": customer},
    }
    ctx.save(tombstone, status="deleted")
    emit(ctx, "customer.deleted", customer)
    return {"id": id, "object": "customer", "deleted": True}


def list_customers(ctx: Ctx, params: Params) -> dict[str, Any]:
    return list_objects(
        ctx,
        "customer",
        params,
        "/v1/customers",
        {"email": params.text("email")},
        conditions=[("status IS NULL", [])],
    )


ROUTES = [
    Route("POST", "/v1/customers", create),
    Route("GET", "/v1/customers", list_customers),
    Route("GET", "/v1/customers/{id}", retrieve),
    Route("POST", "/v1/customers/{id}", update),
    Route("DELETE", "/v1/customers/{id}", delete),
]
