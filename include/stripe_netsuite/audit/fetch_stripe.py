"""Stripe's side of an audit, read from Stripe itself (never from the state DB: the audit is independent)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import stripe

from stripe_netsuite.audit.period import AuditPeriod
from stripe_netsuite.audit.sides import StripeSide, stripe_path
from stripe_netsuite.stripe_api.api import StripeApi

__all__ = ["CHUNK", "fetch_stripe_side", "lookup_ids", "stripe_chunks"]

# What CustomerSources.from_stripe reads besides the charge: its PaymentIntent and Stripe customer.
EXPAND = ["data.payment_intent", "data.customer"]


def _listed(api: StripeApi, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [obj for page in api.list_pages(path, params) for obj in page]


# Stripe objects compared at a time: what an audit holds of a month of a large account is one chunk (and the
# NetSuite records and customers it names), not the month.
CHUNK = 500


def _lists(period: AuditPeriod, zone: ZoneInfo) -> list[tuple[str, str, dict[str, Any]]]:
    """(StripeSide field, list path, params) of the period's objects, in the order the audit compares them."""
    gte, lt = period.created_bounds(zone)
    created = {"created[gte]": gte, "created[lt]": lt}
    a_gte, a_lt = period.arrival_bounds()
    return [
        ("charges", "/v1/charges", {**created, "expand": EXPAND}),
        ("refunds", "/v1/refunds", created),
        ("disputes", "/v1/disputes", created),
        ("payouts", "/v1/payouts", {"arrival_date[gte]": a_gte, "arrival_date[lt]": a_lt}),
    ]


def stripe_chunks(
    apis: Sequence[StripeApi], period: AuditPeriod, zone: ZoneInfo, chunk: int = CHUNK
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The period's objects as fetch_stripe_side lists them (every charge on every account, then refunds,
    disputes, payouts), `chunk` at a time with the StripeSide field they belong to; read page by page."""
    for field, path, params in _lists(period, zone):
        held: list[dict[str, Any]] = []
        for api in apis:
            for page in api.list_pages(path, params):
                held += page
                if len(held) >= chunk:
                    yield field, held
                    held = []
        if held:
            yield field, held


def fetch_stripe_side(apis: Sequence[StripeApi], period: AuditPeriod, zone: ZoneInfo) -> StripeSide:
    """The period's charges (PaymentIntent and Stripe customer expanded, as the customer rule reads them),
    refunds, disputes (by `created` in the account's time zone) and payouts (by `arrival_date`), on every
    account, all held at once (run_audit reads them chunk by chunk instead)."""
    held: dict[str, list[dict[str, Any]]] = {"charges": [], "refunds": [], "disputes": [], "payouts": []}
    for field, chunk in stripe_chunks(apis, period, zone):
        held[field] += chunk
    known = {str(obj["id"]): obj for objs in held.values() for obj in objs}
    return StripeSide(held["charges"], held["refunds"], held["disputes"], held["payouts"], known)


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
