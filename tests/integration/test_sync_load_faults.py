"""Exactly once under faults: the world loaded through 20% NetSuite faults ends identical to a clean run.

Two NetSuite sandboxes seeded alike receive the same synced world: one clean, one answering 20% of requests
with 500, 503, 429 or a dropped connection, before or after the write commits (the phase flips while the run
goes on). Runs are repeated, as Airflow's retries would, until nothing is left to retry; then both ledgers,
compared by external id and document number (internal ids differ with the order of writes), must be equal.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings
from stripe_netsuite.store import dispose_engines, get_engine, migrate
from stripe_netsuite.sync.load import LoadResult, load_payments
from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_sync_load import ledger_settings, stripe_sync
from tests.servers import RunningServer, run_sandbox

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def faulty_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("netsuite-faulty")
    with run_sandbox("netsuite_sandbox", data_dir, env=NETSUITE_TEST_ENV, extra_args=("--seed",)) as server:
        yield server


@pytest.fixture(scope="module")
def synced_db(
    stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    from world_seeder import seed_world

    seed_world(
        stripe_sandbox.url, STRIPE_TEST_KEY, netsuite_sandbox.url + "/services/rest", NETSUITE_TEST_ENV,
        days=30, seed=42, threads=2,
    )  # fmt: skip
    path = tmp_path_factory.mktemp("state") / "synced.db"
    url = f"sqlite:///{path}"
    migrate(url)
    stripe_sync(stripe_sandbox, get_engine(url), "sync-1")
    dispose_engines()
    yield path
    dispose_engines()


def engine_copy(source: Path, name: str) -> Engine:
    target = source.with_name(name)
    shutil.copy(source, target)
    return get_engine(f"sqlite:///{target}")


def client_for(server: RunningServer) -> NetSuiteClient:
    settings = NetSuiteSettings.from_env(
        {**NETSUITE_TEST_ENV, "NETSUITE_BASE_URL": server.url + "/services/rest"}
    )
    return NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit))


def snapshot(server: RunningServer) -> dict[str, Any]:
    """The ledger by external id / document number: records, their links, every invoice's amount remaining."""
    ns = NetSuiteSandboxClient(server.url)

    def rows(query: str) -> list[dict[str, Any]]:
        found, offset = [], 0
        while True:
            page = ns.suiteql(query, offset=offset).json()
            found += page["items"]
            if not page["hasMore"]:
                return found
            offset += len(page["items"])

    docs = rows(
        "SELECT t.id, t.type, t.tranid, t.externalid, t.entity, t.currency, t.foreigntotal, t.memo,"
        " t.foreignamountremaining, t.status FROM transaction t ORDER BY t.id"
    )
    key = {str(d["id"]): d.get("externalid") or d["tranid"] for d in docs if d["type"] != "CustInvc"}
    key.update({str(d["id"]): d["tranid"] for d in docs if d["type"] == "CustInvc"})
    records = {
        str(d.get("externalid") or d["tranid"]): (
            d["type"],
            str(d.get("entity")),
            str(d["currency"]),
            str(d["foreigntotal"]),
            d.get("memo"),
            d.get("status"),
            str(d.get("foreignamountremaining")),
        )
        for d in docs
        if d.get("externalid") or d["type"] == "CustInvc"
    }
    links = sorted(
        (
            key.get(str(r["previousdoc"]), "?"),
            key.get(str(r["nextdoc"]), "?"),
            r["linktype"],
            str(r["foreignamount"]),
        )
        for r in rows(
            "SELECT previousdoc, nextdoc, linktype, foreignamount FROM nexttransactionlinelink"
            " ORDER BY nextdoc, previousdoc"
        )
    )
    currencies = rows("SELECT customer, currency FROM customercurrencybalance ORDER BY customer, currency")
    return {"records": records, "links": links, "currencies": currencies}


def load_until_done(
    engine: Engine, client: NetSuiteClient, prefix: str, stripe_client: stripe.StripeClient | None = None
) -> list[LoadResult]:
    results: list[LoadResult] = []
    for attempt in range(10):
        result = load_payments(engine, client, stripe_client, ledger_settings(), run_id=f"{prefix}-{attempt}")
        results.append(result)
        if not result.retry:
            return results
    raise AssertionError(f"still records to retry after 10 runs: {results[-1].retry[:3]}")


@pytest.fixture(scope="module")
def clean(synced_db: Path, netsuite_sandbox: RunningServer) -> dict[str, Any]:
    with client_for(netsuite_sandbox) as client:
        [result] = load_until_done(engine_copy(synced_db, "clean.db"), client, "clean")
    assert result.having("failed") == []
    return snapshot(netsuite_sandbox)


def test_twenty_percent_faults_before_and_after_commit_end_identical_to_a_clean_run(
    synced_db: Path, faulty_sandbox: RunningServer, clean: dict[str, Any], stripe_sandbox: RunningServer
) -> None:
    control = f"{faulty_sandbox.url}/_sandbox/config"
    faults = {"fault_rate": 0.2, "fault_kinds": ["500", "503", "429", "drop"], "fault_seed": 11}
    requests.post(control, json=faults, timeout=30).raise_for_status()
    # Stripe too: the NetSuite ids written back into metadata go through 20% faults of their own.
    stripe_control = f"{stripe_sandbox.url}/_sandbox/config"
    stripe_faults = {"fault_rate": 0.2, "fault_kinds": ["500", "429", "drop"], "fault_seed": 5}
    requests.post(stripe_control, json=stripe_faults, timeout=30).raise_for_status()
    stripe_client = stripe.StripeClient(
        STRIPE_TEST_KEY, base_addresses={"api": stripe_sandbox.url}, max_network_retries=2
    )
    stop = threading.Event()

    def flip_phase() -> None:  # faults land before and after commits alike
        phase = "after"
        while not stop.wait(0.15):
            requests.post(control, json={"fault_phase": phase}, timeout=30)
            phase = "before" if phase == "after" else "after"

    flipper = threading.Thread(target=flip_phase, daemon=True)
    flipper.start()
    try:
        with client_for(faulty_sandbox) as client:
            results = load_until_done(engine_copy(synced_db, "faulty.db"), client, "faulty", stripe_client)
            retried = client.stats.retries
    finally:
        stop.set()
        flipper.join()
        requests.post(control, json={"fault_rate": 0.0}, timeout=30).raise_for_status()
        requests.post(stripe_control, json={"fault_rate": 0.0}, timeout=30).raise_for_status()
    assert snapshot(faulty_sandbox) == clean
    assert all(r.having("failed") == [] for r in results)
    stats = requests.get(f"{faulty_sandbox.url}/_sandbox/stats", timeout=30).json()
    assert sum(stats["faults_by_kind"].values()) > 10 and retried > 10  # the faults did happen
    # Every payment's NetSuite id reached its Stripe charge, whatever Stripe answered on the way.
    rows = NetSuiteSandboxClient(faulty_sandbox.url).rows(
        "SELECT t.externalid, t.id FROM transaction t WHERE t.type = 'CustPymt' AND t.externalid IS NOT NULL"
        " ORDER BY t.id"
    )
    ids = {row["externalid"]: str(row["id"]) for row in rows}
    charges = stripe_client.v1.charges.list(params={"limit": 100}).auto_paging_iter()
    written = {c.id: c.metadata.to_dict().get("netsuite_customer_payment_id") for c in charges if c.id in ids}
    assert written == ids
