"""Exactly once across crashes: the loading process killed with SIGKILL at 20 points, then run again,
each time leaves NetSuite identical to a clean run.

The operator CLI (`python -m stripe_netsuite.sync payments`) is the process killed: a seeded random generator
picks 20 request counts over a clean run's requests; the NetSuite sandbox (20 ms per request, so a kill lands
between or inside writes) is watched and the process killed when that many requests have reached it. Each
time NetSuite and the state DB start from the same point, the killed run is followed by a complete one, and
the ledger is compared with the clean run's by external id and document number.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration import load_world
from tests.integration.load_world import PAYMENTS_COMMAND, cli_env, killed_at, sandbox_requests, snapshot
from tests.servers import ROOT, RunningServer

pytestmark = pytest.mark.slow
KILLS = 20
SEED = 20261130

synced_db = load_world.synced_db  # the world synced into a state DB file, copied for every run


def complete_load(env: dict[str, str]) -> None:
    done = subprocess.run(PAYMENTS_COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
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
        killed += killed_at(PAYMENTS_COMMAND, env, netsuite_sandbox, point, poll=0.005)
        complete_load(env)
        assert snapshot(netsuite_sandbox) == clean, f"after a kill at request {point}"
    requests.post(f"{netsuite_sandbox.url}/_sandbox/config", json={"latency_ms": 0}, timeout=30)
    assert (
        killed >= KILLS - 2
    )  # (the process start is slower than the sandbox's first requests at most twice)
