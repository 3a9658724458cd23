"""A webhook's fast path (sync.load_run.fetch_requested) running while a stripe_sync run is between extracting
a newly paid payout and itemising it must not quarantine that payout: its check compares the payout with its
itemised transactions, which do not exist yet. Seen in the demo: the world's webhook runs of netsuite_payments
ran beside the first stripe_sync, quarantined 19 paid payouts ("amount != sum of its balance transactions'
nets 0"), netsuite_deposits never wrote their deposits and ledger_audit failed on each."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from tests.conftest import STRIPE_TEST_KEY
from tests.servers import RunningServer


def test_a_webhook_run_between_extract_and_itemise_leaves_the_paid_payout_to_stripe_sync(
    stripe_sandbox: RunningServer, stripe_client: Any, tmp_path: Path
) -> None:
    from stripe_netsuite.store import Payout, get_engine, migrate, session_scope
    from stripe_netsuite.stripe_api import StripeSettings, extract_resource, itemise_paid_payouts
    from stripe_netsuite.sync.load_run import fetch_requested
    from stripe_netsuite.validation.run import validate_pending

    url = f"sqlite:///{tmp_path / 'connector.db'}"
    migrate(url)
    engine = get_engine(url)
    intent = stripe_client.v1.payment_intents.create(params={
        "amount": 4200, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "metadata": {"netsuite_customer_id": "1234"},
    })  # fmt: skip
    advance = requests.post(stripe_sandbox.url + "/_sandbox/clock/advance", json={"days": 3}, timeout=60)
    advance.raise_for_status()
    settings = StripeSettings(STRIPE_TEST_KEY, stripe_sandbox.url)
    now = datetime.now(UTC)
    for resource in ("charges", "balance_transactions", "payouts"):  # stripe_sync's extract, not yet itemise
        extract_resource(settings, resource, engine, now=now, run_id="sync-1")

    fetch_requested(stripe_client, engine, [intent.id], run_id="webhook-1", now=now)

    with session_scope(engine) as session:
        payouts = session.execute(select(Payout.id, Payout.status, Payout.validation_status)).all()
    assert [(status, validation) for _id, status, validation in payouts] == [("paid", "pending")]
    # stripe_sync goes on: itemised, then validated, the payout is ready for its deposit.
    itemise_paid_payouts(settings, engine, run_id="sync-1")
    validate_pending(engine, "sync-1", now=now, object_types=["payout"])
    with session_scope(engine) as session:
        assert session.scalars(select(Payout.validation_status)).all() == ["ready"]
