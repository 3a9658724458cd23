"""One call per DAG task: extract a resource for every configured account and return the counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from stripe_netsuite.stripe_api.api import StripeApi
from stripe_netsuite.stripe_api.budget import TokenBucket
from stripe_netsuite.stripe_api.client import RequestCounter, StripeSettings, make_client
from stripe_netsuite.stripe_api.extract import ExtractStats, itemise_payouts, sync_resource
from stripe_netsuite.stripe_api.resources import get_resource
from stripe_netsuite.stripe_api.windows import DEFAULT_OVERLAP

ITEMISATION = "payout_itemisation"  # the report line of itemise_paid_payouts


def extract_resource(
    settings: StripeSettings,
    resource_name: str,
    engine: Engine,
    *,
    now: datetime,
    full_rescan: bool = False,
    run_id: str | None = None,
    parallel_tasks: int = 1,
    overlap: timedelta = DEFAULT_OVERLAP,
    max_window: timedelta | None = None,
) -> dict[str, Any]:
    """Sync `resource_name` for the platform and each connected account; counts summed and per account.

    `parallel_tasks` extraction tasks share the account's rate budget, so each takes its share.
    """
    resource = get_resource(resource_name)
    bucket = TokenBucket(settings.rate_budget / max(1, parallel_tasks))
    counter = RequestCounter()
    client = make_client(settings, bucket, counter)
    per_account: list[ExtractStats] = []
    for account in settings.accounts:
        api = StripeApi(client, account)
        per_account.append(
            sync_resource(
                engine,
                api,
                resource,
                now=now,
                full_rescan=full_rescan,
                overlap=overlap,
                max_window=max_window,
                run_id=run_id,
            )
        )
    return summarise(resource_name, per_account, counter.total, bucket.waited)


def itemise_paid_payouts(
    settings: StripeSettings, engine: Engine, *, run_id: str | None = None
) -> dict[str, Any]:
    """After extraction: the balance transactions of each newly paid automatic payout, for every account."""
    bucket = TokenBucket(settings.rate_budget)
    counter = RequestCounter()
    client = make_client(settings, bucket, counter)
    per_account: list[ExtractStats] = []
    for account in settings.accounts:
        stats = ExtractStats(ITEMISATION, account)
        api = StripeApi(client, account)
        itemise_payouts(engine, api, stats, run_id)
        stats.calls = api.counts
        per_account.append(stats)
    return summarise(ITEMISATION, per_account, counter.total, bucket.waited)


def summarise(
    resource: str, per_account: list[ExtractStats], requests: int, waited: float = 0.0
) -> dict[str, Any]:
    """Totals over accounts, plus each account's own counts."""
    keys = ("extracted", "listed", "refetched", "itemised", "events_read", "inserted", "updated", "unchanged",
            "deleted", "rejected")  # fmt: skip
    rows = [stats.as_dict() for stats in per_account]
    totals: dict[str, Any] = {key: sum(row[key] for row in rows) for key in keys}
    calls: dict[str, int] = {}
    for row in rows:
        for kind, count in row["calls"].items():
            calls[kind] = calls.get(kind, 0) + count
    return {
        "resource": resource,
        **totals,
        "calls": calls,
        "requests": requests,
        "rate_wait_seconds": round(waited, 3),
        "accounts": rows,
    }
