"""Mandates: the customer's authorisation to debit a bank account, made when a debit is confirmed."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..params import Params
from ..state import Ctx
from .routing import Route

NOUN = "mandate"


def acceptance_from(ctx: Ctx, params: Params) -> dict[str, Any] | None:
    """`mandate_data[customer_acceptance]` as the mandate records it; None when not given."""
    given = params.sub("mandate_data").sub("customer_acceptance")
    if not given.values:
        return None
    kind = given.enum("type", ["offline", "online"], required=True)
    acceptance: dict[str, Any] = {"accepted_at": given.integer("accepted_at") or ctx.now, "type": kind}
    if kind == "online":
        online = given.sub("online")
        acceptance["online"] = {
            "ip_address": online.text("ip_address"),
            "user_agent": online.text("user_agent"),
        }
    else:
        acceptance["offline"] = {}
    return acceptance


def new_mandate(ctx: Ctx, pm: dict[str, Any], acceptance: dict[str, Any]) -> dict[str, Any]:
    """A multi-use mandate for `pm` (a bank debit PaymentMethod), active at once as in test mode."""
    mandate_id = ctx.new_id("mandate")
    details: dict[str, Any] = {"type": pm["type"]}
    if pm["type"] == "sepa_debit":
        reference = mandate_id.rsplit("_", 1)[1][:16].upper()
        # No hosted mandate document exists in the sandbox: an empty url, as in Stripe's own example.
        details["sepa_debit"] = {"reference": reference, "url": ""}
    else:
        details[pm["type"]] = {}
    mandate: dict[str, Any] = {
        "id": mandate_id,
        "object": "mandate",
        "customer_acceptance": acceptance,
        "livemode": False,
        "multi_use": {},
        "payment_method": pm["id"],
        "payment_method_details": details,
        "status": "active",
        "type": "multi_use",
        "created": ctx.now,
    }
    # Stripe's mandate has no `created`: the store needs one for the row, the JSON (what retrieve and
    # expand[] show) drops it.
    ctx.insert(mandate)
    del mandate["created"]
    ctx.save(mandate)
    pm["_sandbox"] = {**pm.get("_sandbox", {}), "mandate": mandate_id}
    ctx.save(pm)
    return mandate


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "mandate", NOUN, "mandate")


def load_for(ctx: Ctx, mandate_id: str, pm: dict[str, Any]) -> dict[str, Any]:
    """`mandate=` on a confirmation: it must be this PaymentMethod's."""
    mandate = ctx.load(mandate_id, "mandate", NOUN, "mandate")
    if mandate["payment_method"] != pm["id"]:
        raise errors.invalid(
            f"The mandate {mandate_id} does not belong to the PaymentMethod {pm['id']}.", "mandate"
        )
    return mandate


ROUTES = [Route("GET", "/v1/mandates/{id}", retrieve)]
