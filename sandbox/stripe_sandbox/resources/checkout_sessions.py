"""Checkout Sessions: create (payment and setup modes), retrieve, list, expire, line items.

Completion happens on the hosted page through `stripe_sandbox.checkout.complete_checkout_session`.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import errors
from ..clock import DAY
from ..events import emit
from ..listing import page_size
from ..params import Params
from ..state import Ctx
from .crud import list_route
from .payment_intents import check_amount, check_types
from .routing import Route

NOUN = "checkout.session"
_PI_DATA_KEYS = (
    "description",
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "setup_future_usage",
    "capture_method",
)


def _line_items(ctx: Ctx, params: Params) -> list[dict[str, Any]]:
    given = params.array("line_items")
    items: list[dict[str, Any]] = []
    for index, raw in enumerate(given):
        item = Params(raw if isinstance(raw, dict) else {}, f"line_items[{index}]")
        if item.text("price"):
            raise errors.resource_missing("price", item.req_text("price"), item.name("price"))
        price = item.sub("price_data")
        if not price.values:
            raise errors.missing(item.name("price_data"))
        currency = price.req_text("currency").lower()
        unit_amount = price.req_integer("unit_amount", minimum=0)
        product = price.sub("product_data")
        name = product.req_text("name")
        quantity = item.integer("quantity", minimum=1) or 1
        price_id = ctx.new_id("price")
        product_id = ctx.new_id("prod")
        total = unit_amount * quantity
        items.append(
            {
                "id": ctx.new_id("li"),
                "object": "item",
                "adjustable_quantity": None,
                "amount_discount": 0,
                "amount_subtotal": total,
                "amount_tax": 0,
                "amount_total": total,
                "currency": currency,
                "description": name,
                "metadata": {},
                "price": {
                    "id": price_id,
                    "object": "price",
                    "active": False,
                    "billing_scheme": "per_unit",
                    "created": ctx.now,
                    "currency": currency,
                    "custom_unit_amount": None,
                    "livemode": False,
                    "lookup_key": None,
                    "metadata": {},
                    "nickname": None,
                    "product": product_id,
                    "recurring": None,
                    "tax_behavior": "unspecified",
                    "tiers_mode": None,
                    "transform_quantity": None,
                    "type": "one_time",
                    "unit_amount": unit_amount,
                    "unit_amount_decimal": str(unit_amount),
                },
                "quantity": quantity,
                "created": ctx.now,
                "_sandbox": {"product_name": name, "product_description": product.text("description")},
            }
        )
    return items


def _method_options(types: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {"card": {"request_three_d_secure": "automatic"}}
    if "us_bank_account" in types:
        options["us_bank_account"] = {"verification_method": "automatic"}
    if "sepa_debit" in types:
        options["sepa_debit"] = {}
    return options


def create(ctx: Ctx, params: Params) -> dict[str, Any]:
    from .lookup import load_customer

    mode = params.enum("mode", ["payment", "setup", "subscription"], required=True)
    if mode == "subscription":
        raise errors.invalid("The sandbox does not support subscription mode.", "mode")
    customer = params.text("customer")
    customer_email = params.text("customer_email")
    if customer and customer_email:
        raise errors.invalid(
            "You may only specify one of these parameters: customer, customer_email.", "customer_email"
        )
    customer_creation = params.enum("customer_creation", ["always", "if_required"])
    if customer and customer_creation:
        raise errors.invalid(
            "You may only specify one of these parameters: customer, customer_creation.", "customer_creation"
        )
    if customer:
        load_customer(ctx, customer)
    items = _line_items(ctx, params)
    currency = (params.text("currency") or "").lower() or None
    amount_total: int | None = None
    if mode == "payment":
        if not items:
            raise errors.missing("line_items")
        currencies = {item["currency"] for item in items}
        if len(currencies) > 1:
            raise errors.invalid("All line items must use the same currency.", "line_items")
        currency = currencies.pop()
        amount_total = sum(item["amount_total"] for item in items)
        check_amount(amount_total, currency, "line_items")
    elif items:
        raise errors.invalid("You cannot pass `line_items` in `setup` mode.", "line_items")
    method_types = params.strings("payment_method_types") or ["card"]
    if mode == "payment" and currency:
        check_types(method_types, currency)
    elif method_types != ["card"]:
        raise errors.invalid("The sandbox saves only cards in `setup` mode.", "payment_method_types")
    expires_at = params.integer("expires_at")
    if expires_at is None:
        expires_at = ctx.now + DAY
    elif not ctx.now + 1800 <= expires_at <= ctx.now + DAY:
        raise errors.invalid(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session "
            "creation.",
            "expires_at",
        )
    pi_data = params.sub("payment_intent_data")
    if pi_data.values and mode != "payment":
        raise errors.invalid(
            "You can only pass `payment_intent_data` in `payment` mode.", "payment_intent_data"
        )
    intent_data: dict[str, Any] = {key: pi_data.text(key) for key in _PI_DATA_KEYS if key in pi_data}
    intent_data["metadata"] = pi_data.metadata() or {}
    if intent_data.get("setup_future_usage") not in (None, "on_session", "off_session"):
        raise errors.invalid_enum(
            "payment_intent_data[setup_future_usage]",
            intent_data["setup_future_usage"],
            ["on_session", "off_session"],
        )
    setup_data = params.sub("setup_intent_data")
    saved = params.sub("saved_payment_method_options")
    consent = params.sub("consent_collection")
    session_id = ctx.new_id("cs_test")
    session: dict[str, Any] = {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": amount_total,
        "amount_total": amount_total,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": params.text("billing_address_collection"),
        "cancel_url": params.text("cancel_url"),
        "client_reference_id": params.text("client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "currency_conversion": None,
        "consent": None,
        "consent_collection": {
            "payment_method_reuse_agreement": {
                "position": consent.sub("payment_method_reuse_agreement").text("position") or "auto"
            }
            if "payment_method_reuse_agreement" in consent
            else None,
            "promotions": consent.text("promotions"),
            "terms_of_service": consent.text("terms_of_service"),
        }
        if consent.values
        else None,
        "created": ctx.now,
        "currency": currency,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": customer,
        "customer_creation": customer_creation or (None if customer else "if_required"),
        "customer_account": None,
        "customer_details": None,
        "discounts": [],
        "customer_email": customer_email,
        "expires_at": expires_at,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        }
        if mode == "payment"
        else None,
        "livemode": False,
        "locale": params.text("locale"),
        "metadata": params.metadata() or {},
        "managed_payments": None,
        "mode": mode,
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required" if mode == "payment" else "always",
        "payment_method_configuration_details": None,
        "payment_method_options": _method_options(method_types),
        "payment_method_types": method_types,
        "permissions": None,
        "payment_status": "unpaid" if mode == "payment" else "no_payment_required",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": {
            "allow_redisplay_filters": ["always"],
            "payment_method_remove": saved.text("payment_method_remove"),
            "payment_method_save": saved.text("payment_method_save"),
        }
        if customer or saved.values
        else None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": params.text("submit_type"),
        "subscription": None,
        "success_url": params.text("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
        if mode == "payment"
        else None,
        "ui_mode": "hosted",
        "url": f"{ctx.base_url}/c/pay/{session_id}",
        "wallet_options": None,
        "_sandbox": {
            "payment_intent_data": intent_data,
            "setup_intent_data": {
                "metadata": setup_data.metadata() or {},
                "description": setup_data.text("description"),
            },
        },
    }
    ctx.insert(session, due=expires_at)
    for item in items:
        ctx.insert(item, source=session_id)
    return session


def expire_session(ctx: Ctx, session: dict[str, Any]) -> dict[str, Any]:
    """Close an open session (on request or at `expires_at`); its unpaid PaymentIntent is canceled."""
    from .payment_intents import CANCELABLE

    before = copy.deepcopy(session)
    session["status"] = "expired"
    session["url"] = None
    ctx.save(session, due=None)
    if session.get("payment_intent"):
        pi = ctx.find(session["payment_intent"])
        if pi is not None and pi["status"] in CANCELABLE:
            pi_before = copy.deepcopy(pi)
            pi["status"] = "canceled"
            pi["canceled_at"] = ctx.now
            pi["cancellation_reason"] = "abandoned"
            ctx.save(pi)
            emit(ctx, "payment_intent.canceled", pi, pi_before)
    emit(ctx, "checkout.session.expired", session, before)
    return session


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "checkout.session", NOUN, "session")


def expire(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    session = ctx.load(id, "checkout.session", NOUN, "session")
    if session["status"] != "open":
        raise errors.invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a '
            f'status of "{session["status"]}".'
        )
    return expire_session(ctx, session)


def line_items(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    ctx.load(id, "checkout.session", NOUN, "session")
    limit = page_size(params)
    # Line items keep the order they were given in, unlike most lists.
    rows = ctx.store.select(
        "SELECT * FROM objects WHERE type = 'item' AND account = ? AND source = ? ORDER BY seq",
        (ctx.account, id),
    )
    after = params.text("starting_after")
    if after:
        ids = [row.id for row in rows]
        rows = rows[ids.index(after) + 1 :] if after in ids else []
    data = [_public_item(row.data) for row in rows]
    return {
        "object": "list",
        "data": data[:limit],
        "has_more": len(data) > limit,
        "url": f"/v1/checkout/sessions/{id}/line_items",
    }


def _public_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key != "created" and not key.startswith("_")}


ROUTES = [
    Route("POST", "/v1/checkout/sessions", create),
    list_route("/v1/checkout/sessions", "checkout.session", "customer", "payment_intent", "status"),
    Route("GET", "/v1/checkout/sessions/{id}", retrieve),
    Route("POST", "/v1/checkout/sessions/{id}/expire", expire),
    Route("GET", "/v1/checkout/sessions/{id}/line_items", line_items),
]
