"""Exactly once across crashes: the loading process killed with SIGKILL at 20 points, then run again,
each time leaves NetSuite identical to a clean run.

The operator CLI (`python -m stripe_netsuite.sync payments`) is the process killed: a seeded random generator
picks 20 request counts over a clean run's requests; the NetSuite sandbox (20 ms per request, so a kill lands
between or inside writes) is watched and the process killed when that many requests have reached it. Each
time NetSuite and the state DB start from the same point, the killed run is followed by a complete one, and
the ledger is compared with the clean run's by external id and document number.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from stripe_netsuite.store import dispose_engines, get_engine, migrate
from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.integration.test_sync_load import LEDGER_ENV, stripe_sync
from tests.integration.test_sync_load_faults import snapshot
from tests.servers import ROOT, RunningServer

pytestmark = pytest.mark.slow
KILLS = 20
SEED = 20261130


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
    migrate(f"sqlite:///{path}")
    stripe_sync(stripe_sandbox, get_engine(f"sqlite:///{path}"), "sync-1")
    dispose_engines()
    yield path


def cli_env(stripe: RunningServer, netsuite: RunningServer, db: Path) -> dict[str, str]:
    return {
        **os.environ, **NETSUITE_TEST_ENV, **LEDGER_ENV,
        "NETSUITE_BASE_URL": netsuite.url + "/services/rest",
        "STRIPE_API_KEY": STRIPE_TEST_KEY, "STRIPE_API_BASE": stripe.url,
        "CONNECTOR_DATABASE_URL": f"sqlite:///{db}", "CONNECTOR_REPORTS_DIR": str(db.parent / "reports"),
    }  # fmt: skip


def sandbox_requests(netsuite: RunningServer) -> int:
    return int(requests.get(f"{netsuite.url}/_sandbox/stats", timeout=30).json()["requests"])


def start_load(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "stripe_netsuite.sync", "payments"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def complete_load(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stripe_netsuite.sync", "payments"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def fresh_start(netsuite: RunningServer, synced_db: Path, name: str) -> Path:
    requests.post(f"{netsuite.url}/_sandbox/reset", json={"seed": True}, timeout=60).raise_for_status()
    target = synced_db.with_name(name)
    shutil.copy(synced_db, target)
    return target


def test_sigkill_at_twenty_points_then_a_rerun_always_ends_as_a_clean_run(
    synced_db: Path, stripe_sandbox: RunningServer, netsuite_sandbox: RunningServer
) -> None:
    db = fresh_start(netsuite_sandbox, synced_db, "clean.db")
    before = sandbox_requests(netsuite_sandbox)
    complete_load(cli_env(stripe_sandbox, netsuite_sandbox, db))
    total = sandbox_requests(netsuite_sandbox) - before
    clean: dict[str, Any] = snapshot(netsuite_sandbox)
    assert len([k for k in clean["records"] if k.startswith(("ch_", "py_"))]) > 30
    requests.post(
        f"{netsuite_sandbox.url}/_sandbox/config", json={"latency_ms": 20}, timeout=30
    ).raise_for_status()
    points = sorted(random.Random(SEED).sample(range(1, total), KILLS))
    killed = 0
    for number, point in enumerate(points):
        db = fresh_start(netsuite_sandbox, synced_db, f"run{number}.db")
        env = cli_env(stripe_sandbox, netsuite_sandbox, db)
        start = sandbox_requests(netsuite_sandbox)
        process = start_load(env)
        while process.poll() is None and sandbox_requests(netsuite_sandbox) - start < point:
            time.sleep(0.005)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=60)
        complete_load(env)
        assert snapshot(netsuite_sandbox) == clean, f"after a kill at request {point}"
    requests.post(f"{netsuite_sandbox.url}/_sandbox/config", json={"latency_ms": 0}, timeout=30)
    assert (
        killed >= KILLS - 2
    )  # (the process start is slower than the sandbox's first requests at most twice)
