"""Stripe extraction: client factory, rate budget, created windows + events re-fetch, state DB upsert.

Imports no Airflow: the DAG's tasks and the benchmarks call `extract_resource` (or `sync_resource`) for
each resource, then `itemise_paid_payouts`.
"""

from __future__ import annotations

from stripe_netsuite.stripe_api.api import CallCounts, StripeApi
from stripe_netsuite.stripe_api.budget import DEFAULT_RATE_BUDGET, Backoff, TokenBucket
from stripe_netsuite.stripe_api.client import RequestCounter, StripeSettings, make_client
from stripe_netsuite.stripe_api.extract import ExtractStats, itemise_payouts, sync_resource
from stripe_netsuite.stripe_api.resources import RESOURCES, Resource, get_resource
from stripe_netsuite.stripe_api.run import ITEMISATION, extract_resource, itemise_paid_payouts
from stripe_netsuite.stripe_api.windows import (
    DEFAULT_OVERLAP,
    EVENTS_MAX_AGE,
    StaleEventsCursorError,
    Window,
    plan_windows,
)

__all__ = [
    "DEFAULT_OVERLAP",
    "DEFAULT_RATE_BUDGET",
    "EVENTS_MAX_AGE",
    "ITEMISATION",
    "RESOURCES",
    "Backoff",
    "CallCounts",
    "ExtractStats",
    "RequestCounter",
    "Resource",
    "StaleEventsCursorError",
    "StripeApi",
    "StripeSettings",
    "TokenBucket",
    "Window",
    "extract_resource",
    "get_resource",
    "itemise_paid_payouts",
    "itemise_payouts",
    "make_client",
    "plan_windows",
    "sync_resource",
]
