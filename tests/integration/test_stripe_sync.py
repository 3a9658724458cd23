"""stripe_sync extraction against the Stripe sandbox: a seeded 30-day world, then changes to old objects.

The world (the sandbox's own seeder, plus 3,000 scale payments so that page counts mean something) is synced
in full, then a refund on a 20-day-old charge, a dispute closing and a payout failing must all be captured by
the next run, through events and re-fetches, and nothing is fetched without a reason.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine, select

from stripe_netsuite.store import dispose_engines, get_engine, migrate, session_scope
from stripe_netsuite.store.stripe_objects import (
    STRIPE_MODELS,
    BalanceTransaction,
    Charge,
    Dispute,
    Payout,
    Refund,
)
from stripe_netsuite.stripe_api import (
    ITEMISATION,
    RESOURCES,
    StripeSettings,
    extract_resource,
    itemise_paid_payouts,
)
from stripe_netsuite.validation import validate_pending
from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
SCALE_CHARGES = 3000
DAY = 86_400


@dataclass
class SyncRun:
    results: dict[str, dict[str, Any]]
    requests: list[dict[str, Any]]


def request_log(server: RunningServer, since: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = requests.get(f"{server.url}/_sandbox/requests", params={"since": since}, timeout=60).json()
        if not page["requests"]:
            return found
        found += page["requests"]
        since = page["requests"][-1]["seq"]


def last_seq(server: RunningServer) -> int:
    log = request_log(server, 0)
    return log[-1]["seq"] if log else 0


def sandbox_ids(server: RunningServer) -> dict[str, set[str]]:
    """Object ids per type straight from the sandbox's store (read-only), platform account only."""
    connection = sqlite3.connect(f"file:{server.data_dir / 'stripe.sqlite3'}?mode=ro", uri=True)
    try:
        platform = requests.get(f"{server.url}/_sandbox/stats", timeout=30).json()["platform_account"]
        rows = connection.execute("SELECT type, id FROM objects WHERE account = ?", (platform,)).fetchall()
    finally:
        connection.close()
    ids: dict[str, set[str]] = {}
    for kind, object_id in rows:
        ids.setdefault(kind, set()).add(object_id)
    return ids


def sync(server: RunningServer, engine: Engine, run_id: str) -> SyncRun:
    before = last_seq(server)
    settings = StripeSettings(STRIPE_TEST_KEY, server.url)
    now = datetime.now(UTC)
    results = {name: extract_resource(settings, name, engine, now=now, run_id=run_id) for name in RESOURCES}
    results[ITEMISATION] = itemise_paid_payouts(settings, engine, run_id=run_id)  # as the DAG: after extract
    return SyncRun(results, request_log(server, before))


def retrieved_ids(run: SyncRun) -> list[str]:
    """Ids fetched one by one (GET /v1/<resource>/<id>) in a run."""
    collections = {resource.path for resource in RESOURCES.values()}
    found = []
    for entry in run.requests:
        head, _, tail = entry["path"].rpartition("/")
        if entry["method"] == "GET" and head in collections and tail:
            found.append(tail)
    return found


@pytest.fixture(scope="module")
def world(stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer) -> RunningServer:
    from world_seeder import seed_world

    seed_world(
        stripe_sandbox.url, STRIPE_TEST_KEY, netsuite_sandbox.url + "/services/rest", NETSUITE_TEST_ENV,
        days=30, seed=42, charges=SCALE_CHARGES, threads=2,
    )  # fmt: skip
    return stripe_sandbox


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'connector.db'}"
    migrate(url)
    yield get_engine(url)
    dispose_engines()


@pytest.fixture(scope="module")
def full_sync(world: RunningServer, engine: Engine) -> SyncRun:
    return sync(world, engine, "full")


def test_full_sync_stores_exactly_the_sandbox_objects_each_once(
    world: RunningServer, engine: Engine, full_sync: SyncRun
) -> None:
    expected = sandbox_ids(world)
    for object_type, model in STRIPE_MODELS.items():
        with session_scope(engine) as session:
            stored = session.scalars(select(model.id).where(model.account == "")).all()
        assert len(stored) == len(set(stored))
        assert set(stored) == expected.get(object_type, set()), object_type
    for name in RESOURCES:
        assert full_sync.results[name]["listed"] == len(expected.get(RESOURCES[name].object_type, ())), name
    assert retrieved_ids(full_sync) == []  # a full sync lists; it never fetches one by one


def test_first_run_counts_what_was_listed_and_written(
    world: RunningServer, engine: Engine, full_sync: SyncRun
) -> None:
    expected = sandbox_ids(world)
    results = full_sync.results
    # Each resource's line counts its own objects: every one new on a first run, none "unchanged".
    for name, resource in RESOURCES.items():
        count = len(expected.get(resource.object_type, ()))
        assert (results[name]["extracted"], results[name]["inserted"]) == (count, count), name
        assert results[name]["updated"] == results[name]["unchanged"] == 0, name
    # Itemisation lists the transactions of paid automatic payouts, all already stored: it stamps them.
    with session_scope(engine) as session:
        stamped = session.scalars(
            select(BalanceTransaction.id).where(BalanceTransaction.payout.is_not(None))
        ).all()
    itemised = results[ITEMISATION]
    assert itemised["extracted"] == itemised["itemised"] == itemised["updated"] == len(stamped) > 0
    assert itemised["inserted"] == itemised["unchanged"] == 0


def test_full_sync_list_requests_are_within_ten_percent_of_objects_over_100(
    world: RunningServer, full_sync: SyncRun
) -> None:
    expected = sandbox_ids(world)
    objects = sum(len(expected.get(resource.object_type, ())) for resource in RESOURCES.values())
    collections = {resource.path for resource in RESOURCES.values()}
    listing = [r for r in full_sync.requests if r["path"] in collections and "payout" not in r["params"]]
    assert len(listing) <= math.ceil(1.1 * objects / 100), (len(listing), objects)
    # Itemising paid payouts is extra, one page per 100 transactions of each payout.
    itemise = [
        r for r in full_sync.requests if r["path"] == "/v1/balance_transactions" and "payout" in r["params"]
    ]
    per_payout = Counter(r["params"]["payout"] for r in itemise)
    assert all(count <= 3 for count in per_payout.values())
    assert sum(result["calls"]["itemise"] for result in full_sync.results.values()) == len(itemise)


def test_the_seeded_world_validates_clean(world: RunningServer, engine: Engine, full_sync: SyncRun) -> None:
    result = validate_pending(engine, "full", now=datetime.now(UTC))
    assert result["quarantined"] == 0, result["per_type"]
    assert result["ready"] == sum(r["inserted"] for r in full_sync.results.values())


@pytest.fixture(scope="module")
def changes(world: RunningServer, full_sync: SyncRun) -> dict[str, str]:
    """A refund on a 20-day-old charge, a dispute closing (won) and a paid payout failing."""
    client = stripe.StripeClient(STRIPE_TEST_KEY, base_addresses={"api": world.url})
    marker = client.v1.events.list(params={"limit": 1}).data[0].id
    now = int(requests.get(f"{world.url}/_sandbox/clock", timeout=30).json()["now"])
    old = client.v1.charges.list(params={"created": {"lte": now - 20 * DAY}, "limit": 100}).data
    charge = next(c for c in old if c.status == "succeeded" and not c.refunded and not c.disputed)
    refund = client.v1.refunds.create(params={"charge": charge.id, "amount": charge.amount // 2})
    dispute = next(d for d in client.v1.disputes.list().data if d.status == "needs_response")
    client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": "winning_evidence"}})
    payout = next(p for p in client.v1.payouts.list(params={"limit": 100}).data if p.status == "paid")
    requests.post(f"{world.url}/_sandbox/payouts/{payout.id}/fail", timeout=30).raise_for_status()
    ids = {"charge": charge.id, "refund": refund.id, "dispute": dispute.id, "payout": payout.id}
    return {**ids, "marker": marker}


@pytest.fixture(scope="module")
def incremental(world: RunningServer, engine: Engine, changes: dict[str, str]) -> SyncRun:
    return sync(world, engine, "incremental")


def test_next_run_captures_refund_dispute_close_and_payout_failure(
    engine: Engine, changes: dict[str, str], incremental: SyncRun
) -> None:
    with session_scope(engine) as session:
        refund = session.get(Refund, (changes["refund"], ""))
        charge = session.get(Charge, (changes["charge"], ""))
        dispute = session.get(Dispute, (changes["dispute"], ""))
        payout = session.get(Payout, (changes["payout"], ""))
        assert refund is not None and refund.charge == changes["charge"]
        assert charge is not None and charge.amount_refunded == refund.amount
        assert dispute is not None and dispute.status == "won"
        assert payout is not None and payout.status == "failed" and payout.failure_balance_transaction
        assert charge.validation_status == dispute.validation_status == payout.validation_status == "pending"


def objects_with_events_after(server: RunningServer, marker: str) -> set[str]:
    """Ids of the objects of every event newer than event `marker`."""
    client = stripe.StripeClient(STRIPE_TEST_KEY, base_addresses={"api": server.url})
    found: set[str] = set()
    while True:
        page = client.v1.events.list(params={"ending_before": marker, "limit": 100})
        found |= {event.data.object["id"] for event in page.data}
        if not page.has_more:
            return found
        marker = page.data[0].id


def test_next_run_fetches_only_objects_with_new_events_each_once(
    world: RunningServer, changes: dict[str, str], incremental: SyncRun
) -> None:
    fetched = retrieved_ids(incremental)
    assert len(fetched) == len(set(fetched))
    # Old objects come back through events; the dispute, opened near the world's end, may instead be
    # re-listed by the created window's overlap (then its earlier events need no fetch).
    assert {changes["charge"], changes["payout"]} <= set(fetched)
    assert set(fetched) <= objects_with_events_after(world, changes["marker"])
    assert changes["refund"] not in fetched  # new: listed by its created window, not fetched again


def test_a_run_without_changes_fetches_nothing(
    world: RunningServer, engine: Engine, incremental: SyncRun
) -> None:
    quiet = sync(world, engine, "quiet")
    assert retrieved_ids(quiet) == []
    assert all(result["inserted"] == result["updated"] == 0 for result in quiet.results.values())
