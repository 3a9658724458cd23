"""Ledger loading keeps NetSuite busy: a slow Stripe (the metadata write-backs) never holds up its writes.

Twenty card payments for the catch-all customer are extracted and validated by stripe_sync's functions, then
loaded with the Stripe sandbox answering every request after 2.5 s and NetSuite after 50 ms. The writers must
do only NetSuite writes: every customer payment is written within less than one Stripe answer, while a loader
that wrote each payment's ids back into Stripe before its next NetSuite write would take four Stripe answers
(20 payments over 5 writers). The write-backs still all reach Stripe, and the sync records say so.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine, select

from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import SyncRecord
from stripe_netsuite.sync.load import load_payments
from tests.integration.load_world import ledger_settings, state_engine, stripe_sync
from tests.servers import RunningServer

pytestmark = pytest.mark.slow
PAYMENTS = 20
STRIPE_LATENCY_MS = 2500


@pytest.fixture(scope="module")
def synced(
    stripe_sandbox: RunningServer, stripe_client: stripe.StripeClient,
    tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    for number in range(PAYMENTS):
        stripe_client.v1.payment_intents.create(
            {"amount": 1000 + number, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )
    with state_engine(tmp_path_factory) as engine:
        stripe_sync(stripe_sandbox, engine, "sync-1")
        yield engine


def test_a_slow_stripe_never_holds_up_the_netsuite_writes(
    synced: Engine,
    stripe_sandbox: RunningServer,
    stripe_client: stripe.StripeClient,
    netsuite_sandbox: RunningServer,
    netsuite_env: dict[str, str],
) -> None:
    control = f"{netsuite_sandbox.url}/_sandbox"
    requests.post(f"{control}/config", json={"latency_ms": 50}, timeout=30).raise_for_status()
    requests.post(f"{stripe_sandbox.url}/_sandbox/config", json={"latency_ms": STRIPE_LATENCY_MS},
                  timeout=30).raise_for_status()  # fmt: skip
    settings = NetSuiteSettings.from_env(netsuite_env)
    try:
        with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as netsuite:
            result = load_payments(synced, netsuite, stripe_client, ledger_settings(), run_id="load-1")
    finally:
        requests.post(f"{stripe_sandbox.url}/_sandbox/config", json={"latency_ms": 0}, timeout=30)
        requests.post(f"{control}/config", json={"latency_ms": 0}, timeout=30)
    assert settings.concurrency_limit == 5
    assert [o.status for o in result.outcomes].count("loaded") == PAYMENTS, result.outcomes

    log: list[dict[str, Any]] = requests.get(f"{control}/requests", params={"limit": 500}, timeout=30).json()[
        "requests"
    ]
    writes = [e for e in log if "/record/v1/customerPayment" in e["path"] and e["method"] in ("PUT", "POST")]
    assert len(writes) == PAYMENTS
    starts = sorted(datetime.fromisoformat(e["time"].replace("Z", "+00:00")) for e in writes)
    span = (starts[-1] - starts[0]).total_seconds()
    # Four rounds of 5 writes: a loader waiting on Stripe between them spans at least 3 Stripe answers.
    assert span < STRIPE_LATENCY_MS / 1000, f"NetSuite's writes took {span:.1f}s: they waited for Stripe"

    with session_scope(synced) as session:
        details = session.scalars(
            select(SyncRecord.detail).where(SyncRecord.netsuite_record_type == "customerPayment")
        ).all()
    assert len(details) == PAYMENTS and all("stripe_metadata" in (d or {}) for d in details)
    ids = {str(o.stripe_id): o.internal_id for o in result.outcomes}
    for charge in stripe_client.v1.charges.list(params={"limit": 100}).auto_paging_iter():
        if charge.id in ids:
            assert charge.metadata.to_dict().get("netsuite_customer_payment_id") == ids[charge.id]
