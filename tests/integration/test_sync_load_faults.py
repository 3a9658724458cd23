"""Exactly once under faults: the world loaded through 20% NetSuite faults ends identical to a clean run.

Two NetSuite sandboxes seeded alike receive the same synced world: one clean, one answering 20% of requests
with 500, 503, 429 or a dropped connection, before or after the write commits (the phase flips while the run
goes on). Runs are repeated, as Airflow's retries would, until nothing is left to retry; then both ledgers,
compared by external id and document number (internal ids differ with the order of writes), must be equal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import stripe

from tests.conftest import STRIPE_TEST_KEY
from tests.integration import load_world
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.load_world import (
    client_for,
    engine_copy,
    flipping_fault_phase,
    load_until_done,
    snapshot,
)
from tests.servers import RunningServer

pytestmark = pytest.mark.slow

# The world synced into a state DB file, and a second seeded NetSuite sandbox that gets the faults.
synced_db = load_world.synced_db
faulty_sandbox = load_world.faulty_sandbox


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
    try:
        with flipping_fault_phase(faulty_sandbox, every=0.15), client_for(faulty_sandbox) as client:
            results = load_until_done(engine_copy(synced_db, "faulty.db"), client, "faulty", stripe_client)
            retried = client.stats.retries
    finally:
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
