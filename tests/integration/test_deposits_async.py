"""Large deposits go as NetSuite asynchronous requests, keyed by their content and run, so a write that
outlasts the client's read timeout finds its job again when the client resends it, instead of starting
another.

The seeded world is synced and its payments loaded; the line count above which a deposit goes async is
lowered so the world's payouts cross it (the 10,000-transaction payout is bench/deposits.py --netsuite), and
the NetSuite sandbox keeps each job pending for a while, as NetSuite does, so the client really polls. Every
deposit is then checked against Stripe's payouts; one payout's job was submitted before the run, as by a
request the client resent after its read timeout, and the run must reuse that job (NetSuite answers the
reused key with IDEMPOTENCY_ERROR and the job's Location), not start another.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync import deposit_load_write
from stripe_netsuite.sync.deposit_facts import index_records
from stripe_netsuite.sync.deposit_load_facts import read_payout, synced_records
from stripe_netsuite.sync.deposit_load_run import run_deposits
from stripe_netsuite.sync.deposit_records import Deposit
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.deposits import build_deposit
from stripe_netsuite.sync.load_facts import currency_ids
from tests.integration import deposit_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.deposit_world import DAG, ZONE
from tests.integration.test_deposits_blocking import deposit_of
from tests.integration.test_sync_load import major
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
LINES = 3
RUN = "async-1"

# As in test_deposits_blocking: the world synced from Stripe and every payment loaded into NetSuite (no
# deposit yet), a bank account per payout currency, and a reports folder of the module's own.
netsuite = deposit_world.netsuite
engine = deposit_world.loaded_engine
settings = deposit_world.payout_currency_settings
reports_dir = deposit_world.reports_dir


@pytest.fixture(scope="module")
def async_over_three_lines() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deposit_load_write, "ASYNC_LINES", LINES)
        patch.setattr(deposit_load_write, "ASYNC_POLL_SECONDS", 0.1)
        yield


def built(state: Engine, client: NetSuiteClient, accounts: DepositSettings, payout_id: str) -> Deposit:
    """The payout's deposit as the loader builds it (to submit its job ahead, as a timed-out request has)."""
    rows = read_payout(state, payout_id)
    assert rows is not None
    symbols = {value: key for key, value in currency_ids(client).items()}
    records = synced_records(state, client, rows.transactions, symbols)
    deposit = build_deposit(rows.payout, rows.transactions, index_records(records), accounts)
    assert isinstance(deposit, Deposit)
    return deposit


def test_large_deposits_are_written_as_async_jobs_once_each(
    async_over_three_lines: None, engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings,
    stripe_client: stripe.StripeClient, netsuite_sandbox: RunningServer,
) -> None:
    paid = [p for p in stripe_client.v1.payouts.list(params={"limit": 100}).auto_paging_iter()
            if p.status == "paid" and p.automatic and p.amount > 0]  # fmt: skip
    control = f"{netsuite_sandbox.url}/_sandbox"
    requests.post(f"{control}/config", json={"async_delay_ms": 300}, timeout=30).raise_for_status()
    deposits = {p.id: built(engine, netsuite, settings, p.id) for p in paid}
    large = [p for p in paid if len(deposits[p.id].payments) + len(deposits[p.id].other)
             + len(deposits[p.id].cashback) > LINES]  # fmt: skip
    assert large and len(large) < len(paid)  # both ways of writing are used
    ahead = large[0]
    key = deposit_load_write.idempotency_key(deposits[ahead.id], RUN)
    replace = ",".join(Deposit.replace)
    netsuite.submit_async("PUT", f"deposit/eid:{ahead.id}?replace={replace}", deposits[ahead.id].body(),
                          idempotency_key=key)  # fmt: skip
    start = requests.get(f"{control}/stats", timeout=30).json()["requests"]

    summary = run_deposits(
        engine, netsuite, settings, dag_id=DAG, run_id=RUN, now=datetime.now(UTC), zone=ZONE
    )

    assert (summary["deposited"], summary["blocked"], summary["failed"]) == (len(paid), 0, 0), summary
    ns = NetSuiteSandboxClient(netsuite_sandbox.url)
    for payout in paid:
        row = deposit_of(ns, payout.id)
        assert row is not None, payout.id
        assert Decimal(str(row["foreigntotal"])) == major(payout.amount, payout.currency)
        assert row["trandate"] == datetime.fromtimestamp(payout.arrival_date, UTC).date().isoformat()
    sent = requests.get(f"{control}/stats", timeout=30).json()["requests"] - start
    log = requests.get(f"{control}/requests", params={"limit": sent}, timeout=30).json()["requests"]
    puts = [e for e in log if e["method"] == "PUT" and "/record/v1/deposit/" in e["path"]]
    submitted = {e["path"].rsplit("eid:", 1)[-1]: e for e in puts if e.get("prefer") == "respond-async"}
    assert set(submitted) == {p.id for p in large}  # large ones as jobs, the others as plain PUTs
    assert len(puts) == len(paid)  # one request per deposit: none sent twice
    assert submitted[ahead.id]["status"] == 400  # the reused key: the earlier job's Location, no new job
    assert all(e["status"] == 202 for k, e in submitted.items() if k != ahead.id)
    assert any(e["path"].startswith("/services/rest/async/v1/job/") for e in log)  # it did poll
    requests.post(f"{control}/config", json={"async_delay_ms": 0}, timeout=30).raise_for_status()
