"""Deposits exactly once across crashes: the deposit run killed with SIGKILL at 10 points while it writes
deposits, then run again, each time leaves NetSuite identical to a clean run: never a partial or duplicate
deposit.

The operator CLI (`python -m stripe_netsuite.sync deposits`) is the process killed. The world's payments are
loaded once; a clean CLI run writes every deposit, and the NetSuite sandbox's request log says at which of
its requests each deposit's PUT arrived. A seeded generator picks 10 of those PUTs, each killed either while
it is in flight (the sandbox answers after 20 ms, and commits whether or not anyone still listens) or just
after its answer (NetSuite has the deposit, the state DB may not). Each time the deposits are deleted from
NetSuite and the state DB is copied back, so every run starts from the same point; the killed run is
followed by a complete one, and the ledger is compared with the clean run's by external id, deposit lines
included.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from stripe_netsuite.store import dispose_engines
from stripe_netsuite.sync.deposit_settings import DepositSettings
from tests.integration import deposit_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.deposit_world import DEPOSITS_COMMAND, deposits_cli, ledger
from tests.integration.load_world import killed_at, sandbox_requests
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
KILLS = 10
SEED = 20261212

# The world synced from Stripe (payouts itemised) and its payments loaded into NetSuite, a bank account per
# payout currency, and the operator CLI's environment for them.
engine = deposit_world.loaded_engine
settings = deposit_world.payout_currency_settings
env = deposit_world.deposits_cli_env


@pytest.fixture(scope="module")
def loaded_db(engine: Engine, settings: DepositSettings) -> Path:
    """The loaded state DB's file (copied for every run), once the deposit accounts are made: closed first,
    so that the file alone holds it."""
    dispose_engines()
    return Path(str(engine.url.database))


def fresh_start(netsuite: RunningServer, loaded_db: Path, env: dict[str, str], name: str) -> dict[str, str]:
    """Every deposit deleted from NetSuite and the state DB as it was before the deposits: a new start."""
    ns = NetSuiteSandboxClient(netsuite.url)
    query = "SELECT t.id FROM transaction t WHERE t.type = 'Deposit' AND t.externalid LIKE 'po_%'"
    for row in ns.rows(query):
        response = ns.request("DELETE", f"/record/v1/deposit/{row['id']}")
        assert response.status_code == 204, response.text
    target = loaded_db.with_name(name)
    shutil.copy(loaded_db, target)
    return {**env, "CONNECTOR_DATABASE_URL": f"sqlite:///{target}"}


def complete_deposits(env: dict[str, str]) -> str:
    done = deposits_cli(env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def deposit_puts(netsuite: RunningServer, count: int) -> list[int]:
    """The positions (1 = the run's first request) of the deposit PUTs among the last `count` requests."""
    log = requests.get(f"{netsuite.url}/_sandbox/requests", params={"limit": count}, timeout=30).json()
    entries = log["requests"][-count:]
    assert len(entries) == count
    return [
        number
        for number, entry in enumerate(entries, start=1)
        if entry["method"] == "PUT" and "/record/v1/deposit/" in entry["path"]
    ]


def test_sigkill_at_ten_points_while_deposits_are_written_then_a_rerun_ends_as_a_clean_run(
    loaded_db: Path, env: dict[str, str], netsuite_sandbox: RunningServer
) -> None:
    before = ledger(netsuite_sandbox)  # the payments, no deposit yet
    assert not before["deposit_lines"]
    run_env = fresh_start(netsuite_sandbox, loaded_db, env, "clean.db")
    start = sandbox_requests(netsuite_sandbox)
    note = complete_deposits(run_env)
    total = sandbox_requests(netsuite_sandbox) - start
    clean: dict[str, Any] = ledger(netsuite_sandbox)
    puts = deposit_puts(netsuite_sandbox, total)
    assert len(puts) >= 15 and len(clean["deposit_lines"]) == len(puts), note
    assert fresh_start(netsuite_sandbox, loaded_db, env, "check.db") and ledger(netsuite_sandbox) == before

    generator = random.Random(SEED)
    points = sorted(point + generator.choice((0, 1)) for point in generator.sample(puts, KILLS))
    requests.post(
        f"{netsuite_sandbox.url}/_sandbox/config", json={"latency_ms": 20}, timeout=30
    ).raise_for_status()
    killed = 0
    try:
        for number, point in enumerate(points):
            run_env = fresh_start(netsuite_sandbox, loaded_db, env, f"run{number}.db")
            killed += killed_at(DEPOSITS_COMMAND, run_env, netsuite_sandbox, point, poll=0.002)
            written = len(ledger(netsuite_sandbox)["deposit_lines"])
            complete_deposits(run_env)
            assert ledger(netsuite_sandbox) == clean, f"after a kill at request {point} ({written} deposits)"
    finally:
        requests.post(f"{netsuite_sandbox.url}/_sandbox/config", json={"latency_ms": 0}, timeout=30)
    assert killed == KILLS
