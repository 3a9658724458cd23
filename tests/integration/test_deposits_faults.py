"""Deposits exactly once under faults: the seeded world's payouts itemised through 20% Stripe faults and
their deposits written through 20% NetSuite faults end identical to a clean run; never a partial or duplicate
deposit.

Two NetSuite sandboxes seeded alike hold the same payments (loaded without faults) and the same accounts. The
clean one gets its deposits in one run; for the faulty one the payouts are itemised (`?payout=`) while the
Stripe sandbox answers 20% of requests with 500/429/dropped connections, then the deposit runs go through 20%
NetSuite faults (500, 503, 429, dropped connections, before or after the write commits: the phase flips while
the run goes on), repeated as Airflow's retries would until no payout is left for a retry. Both ledgers are
then compared by external id and document number, deposits' lines included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from sqlalchemy import Engine

from stripe_netsuite.store import dispose_engines, get_engine
from stripe_netsuite.stripe_api import RESOURCES, StripeSettings, extract_resource, itemise_paid_payouts
from stripe_netsuite.sync.deposit_load_run import DepositRetryError, run_deposits
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.validation import validate_pending
from tests.conftest import STRIPE_TEST_KEY
from tests.integration import load_world
from tests.integration.deposit_world import (
    DAG,
    ZONE,
    create_accounts,
    deposit_settings,
    ledger,
    payout_currencies,
)
from tests.integration.load_world import (
    client_for,
    engine_copy,
    flipping_fault_phase,
    load_until_done,
    seed,
    state_file,
)
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
T = TypeVar("T")


faulty_sandbox = load_world.faulty_sandbox  # a second seeded NetSuite sandbox


@pytest.fixture(scope="module")
def extracted_db(
    stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The world's Stripe objects extracted (stripe_sync's extraction), its payouts not itemised yet."""
    seed(stripe_sandbox, netsuite_sandbox)
    with state_file(tmp_path_factory, "extracted.db") as (path, engine):
        settings, now = StripeSettings(STRIPE_TEST_KEY, stripe_sandbox.url), datetime.now(UTC)
        for name in RESOURCES:
            extract_resource(settings, name, engine, now=now, run_id="sync-1")
    yield path
    dispose_engines()


def itemise(stripe_sandbox: RunningServer, engine: Engine, run_id: str) -> None:
    """stripe_sync's last steps: each paid automatic payout's `?payout=` listing, then validation."""
    itemise_paid_payouts(StripeSettings(STRIPE_TEST_KEY, stripe_sandbox.url), engine, run_id=run_id)
    result = validate_pending(engine, run_id, now=datetime.now(UTC))
    assert result["per_type"]["balance_transaction"]["quarantined"] == 0


def until_done(step: Callable[[int], T], retried: type[Exception], runs: int = 10) -> tuple[T, int]:
    """Run `step` again after each `retried` error, as Airflow's task retries would; (result, failed runs)."""
    for attempt in range(runs):
        try:
            return step(attempt), attempt
        except retried:
            continue
    raise AssertionError(f"still failing after {runs} runs")


def deposits(engine: Engine, server: RunningServer, settings: DepositSettings, prefix: str) -> list[str]:
    """Deposit runs until none leaves a payout for a retry; the run ids that had to be retried."""
    failed: list[str] = []

    def run(attempt: int) -> dict[str, Any]:
        run_id = f"{prefix}-{attempt}"
        try:
            with client_for(server) as client:
                return run_deposits(
                    engine, client, settings, dag_id=DAG, run_id=run_id, now=datetime.now(UTC), zone=ZONE
                )
        except DepositRetryError:
            failed.append(run_id)
            raise

    summary, _ = until_done(run, DepositRetryError)
    assert summary["blocked"] == 0 and summary["failed"] == 0, summary["problems"][:3]
    return failed


def prepare(
    extracted_db: Path, name: str, stripe_sandbox: RunningServer, netsuite: RunningServer, accounts: list[str]
) -> tuple[Engine, DepositSettings]:
    """A state DB with the world's payouts itemised and its payments loaded into `netsuite` (no faults)."""
    engine = engine_copy(extracted_db, name)
    itemise(stripe_sandbox, engine, f"sync-{name}")
    with client_for(netsuite) as client:
        load_until_done(engine, client, f"load-{name}")
    return engine, deposit_settings(create_accounts(netsuite, accounts))


@pytest.fixture(scope="module")
def clean(
    extracted_db: Path, stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer,
    faulty_sandbox: RunningServer,
) -> dict[str, Any]:
    """The clean NetSuite sandbox's ledger after the world's payments and one deposit run."""
    engine, settings = prepare(
        extracted_db, "clean.db", stripe_sandbox, netsuite_sandbox,
        payout_currencies(get_engine(f"sqlite:///{extracted_db}")),
    )  # fmt: skip
    deposits(engine, netsuite_sandbox, settings, "deposits-clean")
    return ledger(netsuite_sandbox)


def test_twenty_percent_faults_on_both_sandboxes_end_with_the_clean_runs_deposits(
    extracted_db: Path, stripe_sandbox: RunningServer, faulty_sandbox: RunningServer, clean: dict[str, Any],
) -> None:
    paid = [key for key, row in clean["records"].items() if row[0] == "Deposit" and key.startswith("po_")]
    assert len(paid) >= 15 and len(clean["deposit_lines"]) == len(paid)
    currencies = payout_currencies(get_engine(f"sqlite:///{extracted_db}"))
    engine = engine_copy(extracted_db, "faulty.db")
    # Stripe: the payouts' `?payout=` listings go through 20% faults (each failed run is run again).
    stripe_control = f"{stripe_sandbox.url}/_sandbox/config"
    stripe_faults = {"fault_rate": 0.2, "fault_kinds": ["500", "429", "drop"], "fault_seed": 7}
    requests.post(stripe_control, json=stripe_faults, timeout=30).raise_for_status()
    since = requests.get(f"{stripe_sandbox.url}/_sandbox/stats", timeout=30).json()["requests"]
    try:
        _, stripe_failures = until_done(
            lambda n: itemise(stripe_sandbox, engine, f"sync-faulty-{n}"), Exception
        )
    finally:
        requests.post(stripe_control, json={"fault_rate": 0.0}, timeout=30).raise_for_status()
    with client_for(faulty_sandbox) as client:
        load_until_done(engine, client, "load-faulty")
    settings = deposit_settings(create_accounts(faulty_sandbox, currencies))

    control = f"{faulty_sandbox.url}/_sandbox/config"
    faults = {"fault_rate": 0.2, "fault_kinds": ["500", "503", "429", "drop"], "fault_seed": 13}
    requests.post(control, json=faults, timeout=30).raise_for_status()
    try:
        with flipping_fault_phase(faulty_sandbox, every=0.05):
            retried_runs = deposits(engine, faulty_sandbox, settings, "deposits-faulty")
    finally:
        requests.post(control, json={"fault_rate": 0.0}, timeout=30).raise_for_status()
    listed = requests.get(f"{stripe_sandbox.url}/_sandbox/requests", params={"since": since}, timeout=30)
    stripe_faulted = [r for r in listed.json()["requests"] if r["status"] in (500, 429)]
    log = requests.get(f"{faulty_sandbox.url}/_sandbox/requests", params={"limit": 2000}, timeout=30).json()
    writes = [e for e in log["requests"] if e["method"] == "PUT" and "/record/v1/deposit/" in e["path"]]
    after_commit = [e for e in writes if e.get("fault") and e.get("committed_status")]
    print(f"Stripe: {len(stripe_faulted)} faults, {stripe_failures} itemisation runs failed; NetSuite: "
          f"{len(writes)} deposit PUTs, {len([e for e in writes if e.get('fault')])} faulted "
          f"({len(after_commit)} after the commit); deposit runs retried: {retried_runs}")
    # The faults did happen: on Stripe's listings, and on deposit writes after NetSuite had committed them.
    assert stripe_faulted and after_commit
    assert ledger(faulty_sandbox) == clean
