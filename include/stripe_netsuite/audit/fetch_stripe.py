"""Stripe's side of an audit, read from Stripe itself (never from the state DB: the audit is independent)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import stripe

from stripe_netsuite.audit.period import AuditPeriod
from stripe_netsuite.audit.sides import StripeSide, stripe_path
from stripe_netsuite.stripe_api.api import StripeApi

__all__ = ["fetch_stripe_side", "lookup_ids"]

# What CustomerSources.from_stripe reads besides the charge: its PaymentIntent and Stripe customer.
EXPAND = ["data.payment_intent", "data.customer"]


def _listed(api: StripeApi, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [obj for page in api.list_pages(path, params) for obj in page]


def fetch_stripe_side(apis: Sequence[StripeApi], period: AuditPeriod, zone: ZoneInfo) -> StripeSide:
    """The period's charges (PaymentIntent and Stripe customer expanded, as the customer rule reads them),
    refunds, disputes (by `created` in the account's time zone) and payouts (by `arrival_date`), on every
    account."""
    gte, lt = period.created_bounds(zone)
    created = {"created[gte]": gte, "created[lt]": lt}
    a_gte, a_lt = period.arrival_bounds()
    charges, refunds, disputes, payouts = [], [], [], []
    for api in apis:
        charges += _listed(api, "/v1/charges", {**created, "expand": EXPAND})
        refunds += _listed(api, "/v1/refunds", created)
        disputes += _listed(api, "/v1/disputes", created)
        payouts += _listed(api, "/v1/payouts", {"arrival_date[gte]": a_gte, "arrival_date[lt]": a_lt})
    known = {str(obj["id"]): obj for obj in (*charges, *refunds, *disputes, *payouts)}
    return StripeSide(charges, refunds, disputes, payouts, known)


def lookup_ids(apis: Sequence[StripeApi], stripe_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The objects Stripe knows among `stripe_ids` (on any account); an id answered 404 is left out."""
    found: dict[str, dict[str, Any]] = {}
    for stripe_id in sorted(set(stripe_ids)):
        path = stripe_path(stripe_id)
        if path is None:
            continue
        for api in apis:
            try:
                found[stripe_id] = api.retrieve(path)
                break
            except stripe.InvalidRequestError as error:
                if error.http_status != 404:
                    raise
    return found
