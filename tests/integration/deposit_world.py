"""What the deposit tests (test_deposits_*.py) share: the seeded 30-day world, the connector's NetSuite
client, the deposit accounts, a state DB brought up to the point each test starts from, and the operator CLI's
environment.

A test module binds the fixtures it wants by name (`netsuite = deposit_world.netsuite`,
`world = deposit_world.seeded_world(...)`; both come from load_world.py, with what the loader tests share),
so each module still seeds its own sandboxes (module scope, as tests/conftest.py starts them). Nothing here
computes an expectation: those stay in the tests, from Stripe's data.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import stripe
from sqlalchemy import Engine, select

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.store import Payout, session_scope
from stripe_netsuite.sync.deposit_load_run import run_deposits
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.load import load_payments
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.load_world import (
    cli_env,
    client_for,
    every_row,
    ledger_settings,
    load_until_done,
    seed,
    snapshot,
    state_engine,
    stripe_sync,
)
from tests.integration.load_world import netsuite as netsuite  # the connector's client: a module fixture
from tests.integration.load_world import seeded_world as seeded_world  # the module fixture `world`
from tests.servers import ROOT, RunningServer

ZONE = ZoneInfo("America/Los_Angeles")
DAG = "netsuite_deposits"
FEE_ACCOUNT = "8"  # the seeded NetSuite's Stripe fees account
DEPOSITS_COMMAND = (sys.executable, "-m", "stripe_netsuite.sync", "deposits")  # the operator CLI's deposits


def create_accounts(server: RunningServer, currencies: Sequence[str]) -> dict[str, str]:
    """A bank account per payout currency (10010, 10020, ... in the order given) and an adjustments account,
    created through the REST API; by currency code, the adjustments account under "adjustments"."""
    ns = NetSuiteSandboxClient(server.url)
    ids = {row["symbol"]: str(row["id"]) for row in ns.rows("SELECT id, symbol FROM currency")}
    made = {}
    for number, currency in enumerate(currencies, start=1):
        made[currency] = ns.create("account", {
            "acctNumber": f"10{number:02d}0", "acctName": f"Operating {currency}", "acctType": "Bank",
            "currency": {"id": ids[currency]}, "subsidiary": {"id": "1"},
        })  # fmt: skip
    made["adjustments"] = ns.create(
        "account",
        {"acctNumber": "6150", "acctName": "Stripe Adjustments", "acctType": "Expense",
         "subsidiary": {"id": "1"}},
    )  # fmt: skip
    return made


def deposit_settings(accounts: dict[str, str]) -> DepositSettings:
    """The deposit loader's settings over `create_accounts`' accounts and the ledger settings."""
    banks = {code: account for code, account in accounts.items() if code != "adjustments"}
    return DepositSettings.for_ledger(
        ledger_settings(), bank_accounts=banks, fee_account_id=FEE_ACCOUNT,
        adjustment_account_id=accounts["adjustments"],
    )  # fmt: skip


def payout_currencies(engine: Engine) -> list[str]:
    """The currencies of the payouts in the state DB, upper case, sorted."""
    with session_scope(engine) as session:
        return sorted({str(c).upper() for c in session.scalars(select(Payout.currency).distinct())})


@contextmanager
def state_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated SQLite state DB and a reports folder of the module's own (CONNECTOR_REPORTS_DIR)."""
    with state_engine(tmp_path_factory) as engine, pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONNECTOR_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
        yield engine


def sync_load_and_deposit(
    world: RunningServer, engine: Engine, netsuite: NetSuiteClient, stripe_client: stripe.StripeClient,
    settings: DepositSettings,
) -> dict[str, Any]:
    """stripe_sync, every charge Stripe lists loaded in one payments run, then one deposits run (returned)."""
    stripe_sync(world, engine, "sync-1")
    charges = [c.id for c in stripe_client.v1.charges.list(params={"limit": 100}).auto_paging_iter()]
    load_payments(engine, netsuite, None, ledger_settings(), run_id="load-1", stripe_ids=charges)
    return run_deposits(engine, netsuite, settings, dag_id=DAG, run_id="deposits-1", now=datetime.now(UTC),
                        zone=ZONE)  # fmt: skip


def deposit_lines(server: RunningServer) -> dict[str, list[tuple[str, str]]]:
    """Each deposit (by payout id) as its lines' accounts and amounts, whatever order they were written in."""
    found: dict[str, list[tuple[str, str]]] = {}
    query = (
        "SELECT t.externalid, tl.account, tl.foreignamount FROM transactionline tl"
        " JOIN transaction t ON t.id = tl.transaction"
        " WHERE t.type = 'Deposit' AND t.externalid IS NOT NULL ORDER BY tl.id"
    )
    for row in every_row(NetSuiteSandboxClient(server.url), query):
        line = (str(row.get("account")), str(row.get("foreignamount")))
        found.setdefault(str(row["externalid"]), []).append(line)
    return {key: sorted(lines) for key, lines in found.items()}


def ledger(server: RunningServer) -> dict[str, Any]:
    return {**snapshot(server), "deposit_lines": deposit_lines(server)}


@pytest.fixture(scope="module", autouse=True)
def reports_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The module's own CONNECTOR_REPORTS_DIR (autouse where a module binds it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONNECTOR_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))
        yield


@pytest.fixture(scope="module", name="engine")
def loaded_engine(
    stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """`engine`: the plain world seeded, synced from Stripe into a new state DB (payouts itemised) and its
    payments loaded into NetSuite, payments runs repeated until none is left to retry; no deposit yet."""
    seed(stripe_sandbox, netsuite_sandbox)
    with state_engine(tmp_path_factory) as engine:
        stripe_sync(stripe_sandbox, engine, "sync-1")
        with client_for(netsuite_sandbox) as client:
            load_until_done(engine, client, "load")
        yield engine


@pytest.fixture(scope="module", name="settings")
def payout_currency_settings(engine: Engine, netsuite_sandbox: RunningServer) -> DepositSettings:
    """`settings`: a bank account per payout currency of `engine`'s payouts, the adjustments account."""
    return deposit_settings(create_accounts(netsuite_sandbox, payout_currencies(engine)))


@pytest.fixture(scope="module", name="env")
def deposits_cli_env(
    engine: Engine, settings: DepositSettings, stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer
) -> dict[str, str]:
    """`env`: the operator CLI's environment for `engine`'s SQLite state DB, with `settings`' accounts."""
    banks = ",".join(f"{code}={account}" for code, account in settings.bank_accounts.items())
    return {
        **cli_env(stripe_sandbox, netsuite_sandbox, Path(str(engine.url.database))),
        "NETSUITE_BANK_ACCOUNTS": banks, "NETSUITE_FEE_ACCOUNT": settings.fee_account_id,
        "NETSUITE_ADJUSTMENT_ACCOUNT": settings.adjustment_account_id,
    }  # fmt: skip


def deposits_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The operator CLI's deposits command with `args`, run to its end (10 minutes at most), output kept."""
    return subprocess.run(
        [*DEPOSITS_COMMAND, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
