"""What the ledger loader tests (test_sync_load*.py, test_sync_deposits_load.py, test_load_pipeline.py) and
the deposit tests (through deposit_world.py) share: the ledger settings, the seeded 30-day world,
stripe_sync's steps, a state DB, the connector's NetSuite client, a second seeded NetSuite sandbox for
faults, the ledger snapshot, runs repeated until nothing is left to retry, the operator CLI's environment,
the fault-phase flipper and the start-then-SIGKILL step of the crash tests.

A test module binds the fixtures it wants by name (`netsuite = load_world.netsuite`), so each module still
seeds and loads its own sandboxes (module scope, as tests/conftest.py starts them). Nothing here computes an
expectation: those stay in the tests, from Stripe's data.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings
from stripe_netsuite.store import dispose_engines, get_engine, migrate
from stripe_netsuite.stripe_api import RESOURCES, StripeSettings, extract_resource, itemise_paid_payouts
from stripe_netsuite.sync.load import LoadResult, load_payments
from stripe_netsuite.sync.settings import LedgerSettings
from stripe_netsuite.validation import validate_pending
from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.integration.conftest import NetSuiteSandboxClient
from tests.servers import ROOT, RunningServer, run_sandbox

UNALLOCATED = "101"
EXPONENTS = {"jpy": 0, "krw": 0, "kwd": 3, "bhd": 3, "jod": 3, "omr": 3, "tnd": 3}
CLEARING = {"USD": "1", "GBP": "2", "CAD": "3", "EUR": "4", "JPY": "5", "KWD": "6"}
# The same settings as environment variables (.env.example), for the DAG and the CLI.
LEDGER_ENV = {
    "NETSUITE_TIME_ZONE": "America/Los_Angeles",
    "NETSUITE_SUBSIDIARY_CURRENCIES": "1=USD",
    "NETSUITE_PAYMENT_METHOD": "1",
    "NETSUITE_UNDEPOSITED_FUNDS_ACCOUNT": "7",
    "NETSUITE_CLEARING_ACCOUNTS": ",".join(f"{code}={account}" for code, account in CLEARING.items()),
    "NETSUITE_UNALLOCATED_CUSTOMER": UNALLOCATED,
    "NETSUITE_CREDIT_MEMO_ITEM": "1",
}
PAYMENTS_COMMAND = (sys.executable, "-m", "stripe_netsuite.sync", "payments")  # the operator CLI's payments


def ledger_settings(**clearing: str) -> LedgerSettings:
    return LedgerSettings(
        time_zone="America/Los_Angeles", base_currencies={"1": "USD"}, payment_option_id="1",
        undeposited_funds_account_id="7", clearing_accounts={**CLEARING, **clearing},
        unallocated_customer_id=UNALLOCATED, credit_memo_item_id="1",
    )  # fmt: skip


def major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-EXPONENTS.get(currency, 2))


# ---- the world and the state DB -----------------------------------------------------------------------


def seed(
    stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer, settlement_currencies: Sequence[str] = ()
) -> None:
    """The seeded 30-day world in both sandboxes; `settlement_currencies` adds payout currencies to USD."""
    from world_seeder import seed_world

    seed_world(
        stripe_sandbox.url, STRIPE_TEST_KEY, netsuite_sandbox.url + "/services/rest", NETSUITE_TEST_ENV,
        days=30, seed=42, threads=2, settlement_currencies=settlement_currencies,
    )  # fmt: skip


def seeded_world(settlement_currencies: Sequence[str] = ()) -> Callable[..., RunningServer]:
    """A module fixture `world`: the seeded world (see `seed`); it yields the Stripe sandbox."""

    @pytest.fixture(scope="module", name="world")
    def world(stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer) -> RunningServer:
        seed(stripe_sandbox, netsuite_sandbox, settlement_currencies)
        return stripe_sandbox

    return world


world = seeded_world()  # the plain world: USD payouts only


@pytest.fixture(scope="module")
def stripe_api(stripe_sandbox: RunningServer) -> stripe.StripeClient:
    return stripe.StripeClient(STRIPE_TEST_KEY, base_addresses={"api": stripe_sandbox.url})


def stripe_sync(server: RunningServer, engine: Engine, run_id: str) -> None:
    settings = StripeSettings(STRIPE_TEST_KEY, server.url)
    now = datetime.now(UTC)
    for name in RESOURCES:
        extract_resource(settings, name, engine, now=now, run_id=run_id)
    itemise_paid_payouts(settings, engine, run_id=run_id)
    result = validate_pending(engine, run_id, now=now)
    # Charges, refunds and disputes all validate; a quarantined row elsewhere never reaches the ledger anyway.
    assert all(result["per_type"][kind]["quarantined"] == 0 for kind in ("charge", "refund", "dispute"))


@contextmanager
def state_file(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, Engine]]:
    """A new migrated SQLite state DB file `name` of the module's own and an engine on it; engines disposed at
    the end (closed, the file alone holds the state DB: it can be copied)."""
    path = tmp_path_factory.mktemp("state") / name
    url = f"sqlite:///{path}"
    migrate(url)
    yield path, get_engine(url)
    dispose_engines()


@contextmanager
def state_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A new migrated SQLite state DB of the module's own; engines disposed at the end."""
    with state_file(tmp_path_factory, "connector.db") as (_, engine):
        yield engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An empty state DB (migrated)."""
    with state_engine(tmp_path_factory) as engine:
        yield engine


@pytest.fixture(scope="module")
def synced_db(
    stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The plain world seeded and synced from Stripe into a state DB file (closed: copy it for each run)."""
    seed(stripe_sandbox, netsuite_sandbox)
    with state_file(tmp_path_factory, "synced.db") as (path, engine):
        stripe_sync(stripe_sandbox, engine, "sync-1")
    yield path
    dispose_engines()


def engine_copy(source: Path, name: str) -> Engine:
    """An engine on a copy of the state DB file `source`, named `name` beside it."""
    target = source.with_name(name)
    shutil.copy(source, target)
    return get_engine(f"sqlite:///{target}")


# ---- NetSuite: the connector's client, a faulty sandbox, the ledger --------------------------------------


def client_for(server: RunningServer) -> NetSuiteClient:
    """The connector's NetSuite client for `server`, with the account's concurrency limit."""
    settings = NetSuiteSettings.from_env(
        {**NETSUITE_TEST_ENV, "NETSUITE_BASE_URL": server.url + "/services/rest"}
    )
    return NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit))


@pytest.fixture(scope="module")
def netsuite(netsuite_env: dict[str, str]) -> Iterator[NetSuiteClient]:
    """The connector's NetSuite client for the module's sandbox."""
    settings = NetSuiteSettings.from_env(netsuite_env)
    with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as client:
        yield client


@pytest.fixture(scope="module")
def faulty_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A second seeded NetSuite sandbox, to be given faults while the module's own stays clean."""
    data_dir = tmp_path_factory.mktemp("netsuite-faulty")
    with run_sandbox("netsuite_sandbox", data_dir, env=NETSUITE_TEST_ENV, extra_args=("--seed",)) as server:
        yield server


def every_row(ns: NetSuiteSandboxClient, query: str) -> list[dict[str, Any]]:
    """Every row a SuiteQL query answers, page after page."""
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        response = ns.suiteql(query, offset=offset)
        assert response.status_code == 200, response.text
        page = response.json()
        rows += page["items"]
        if not page["hasMore"]:
            return rows
        offset += len(page["items"])


def snapshot(server: RunningServer) -> dict[str, Any]:
    """The ledger by external id / document number: records, their links, every invoice's amount remaining."""
    ns = NetSuiteSandboxClient(server.url)

    def rows(query: str) -> list[dict[str, Any]]:
        return every_row(ns, query)

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
    """Payments runs repeated, as Airflow's retries would, until none leaves a record to retry (10 at most).
    """
    results: list[LoadResult] = []
    for attempt in range(10):
        result = load_payments(engine, client, stripe_client, ledger_settings(), run_id=f"{prefix}-{attempt}")
        results.append(result)
        if not result.retry:
            return results
    raise AssertionError(f"still records to retry after 10 runs: {results[-1].retry[:3]}")


@contextmanager
def flipping_fault_phase(server: RunningServer, every: float) -> Iterator[None]:
    """While the block runs, `server`'s faults flip between after and before the write commits every `every`
    seconds, so that faults land before and after commits alike."""
    control = f"{server.url}/_sandbox/config"
    stop = threading.Event()

    def flip_phase() -> None:
        phase = "after"
        while not stop.wait(every):
            requests.post(control, json={"fault_phase": phase}, timeout=30)
            phase = "before" if phase == "after" else "after"

    flipper = threading.Thread(target=flip_phase, daemon=True)
    flipper.start()
    try:
        yield
    finally:
        stop.set()
        flipper.join()


# ---- the operator CLI and SIGKILL -------------------------------------------------------------------------


def cli_env(stripe: RunningServer, netsuite: RunningServer, db: Path) -> dict[str, str]:
    """The operator CLI's environment for both sandboxes and the SQLite state DB `db` (reports beside it)."""
    return {
        **os.environ, **NETSUITE_TEST_ENV, **LEDGER_ENV,
        "NETSUITE_BASE_URL": netsuite.url + "/services/rest",
        "STRIPE_API_KEY": STRIPE_TEST_KEY, "STRIPE_API_BASE": stripe.url,
        "CONNECTOR_DATABASE_URL": f"sqlite:///{db}", "CONNECTOR_REPORTS_DIR": str(db.parent / "reports"),
    }  # fmt: skip


def sandbox_requests(netsuite: RunningServer) -> int:
    """How many requests the NetSuite sandbox has received so far."""
    return int(requests.get(f"{netsuite.url}/_sandbox/stats", timeout=30).json()["requests"])


def killed_at(
    command: Sequence[str], env: dict[str, str], netsuite: RunningServer, point: int, poll: float
) -> bool:
    """`command` started (output discarded) and sent SIGKILL once `point` requests have reached `netsuite`
    since its start, watched every `poll` seconds; whether it was still running to be killed (it is waited
    for either way)."""
    start = sandbox_requests(netsuite)
    quiet = subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=quiet, stderr=quiet)
    while process.poll() is None and sandbox_requests(netsuite) - start < point:
        time.sleep(poll)
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return killed
