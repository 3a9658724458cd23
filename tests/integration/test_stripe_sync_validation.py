"""Malformed Stripe objects (corrupted in the sandbox without events) are quarantined with the right reason;
the other rows of the same run become ready."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine, select

from stripe_netsuite.store import dispose_engines, get_engine, migrate, session_scope
from stripe_netsuite.store.pipeline import QuarantineEntry
from stripe_netsuite.store.stripe_objects import STRIPE_MODELS, BalanceTransaction, Charge
from stripe_netsuite.stripe_api import RESOURCES, StripeSettings, extract_resource, itemise_paid_payouts
from stripe_netsuite.validation import validate_pending
from tests.conftest import STRIPE_TEST_KEY
from tests.servers import RunningServer


def pay(client: stripe.StripeClient, amount: int) -> stripe.Charge:
    intent = client.v1.payment_intents.create(
        params={"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
                "metadata": {"netsuite_customer_id": "4711", "netsuite_invoice_id": "90210"}}
    )  # fmt: skip
    return client.v1.charges.retrieve(str(intent.latest_charge))


def corrupt(server: RunningServer, object_id: str, patch: dict[str, Any]) -> None:
    response = requests.post(f"{server.url}/_sandbox/objects/{object_id}", json={"patch": patch}, timeout=30)
    response.raise_for_status()


def sync_and_validate(server: RunningServer, engine: Engine, run_id: str) -> dict[str, Any]:
    settings = StripeSettings(STRIPE_TEST_KEY, server.url)
    now = datetime.now(UTC)
    for name in RESOURCES:
        extract_resource(settings, name, engine, now=now, run_id=run_id)
    itemise_paid_payouts(settings, engine, run_id=run_id)  # as the DAG does, before validation
    return validate_pending(engine, run_id, now=now)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'connector.db'}"
    migrate(url)
    yield get_engine(url)
    dispose_engines()


@pytest.fixture(scope="module")
def corrupted_run(
    stripe_sandbox: RunningServer, stripe_client: stripe.StripeClient, engine: Engine
) -> dict[str, Any]:
    for amount in (1200, 3400):
        pay(stripe_client, amount)
    first = sync_and_validate(stripe_sandbox, engine, "clean")
    assert first["quarantined"] == 0 and first["ready"] > 0
    missing, negative, unknown, unbalanced, fine = (pay(stripe_client, 1000 + n) for n in range(5))
    corrupt(stripe_sandbox, missing.id, {"currency": None})
    corrupt(stripe_sandbox, negative.id, {"amount": -500})
    corrupt(stripe_sandbox, unknown.id, {"currency": "xyz"})
    txn = stripe_client.v1.balance_transactions.retrieve(str(unbalanced.balance_transaction))
    corrupt(stripe_sandbox, txn.id, {"net": txn.net + 1})
    result = sync_and_validate(stripe_sandbox, engine, "corrupt")
    ids = {"missing": missing.id, "negative": negative.id, "unknown": unknown.id, "txn": txn.id,
           "fine": fine.id, "fine_txn": str(fine.balance_transaction)}  # fmt: skip
    return {"result": result, "ids": ids}


def entries(engine: Engine, object_id: str) -> dict[str, str]:
    with session_scope(engine) as session:
        query = select(QuarantineEntry).where(
            QuarantineEntry.object_id == object_id, QuarantineEntry.run_id == "corrupt"
        )
        rows = session.scalars(query).all()
        return {row.check_name: row.reason for row in rows}


@pytest.mark.parametrize(
    ("key", "check", "reason"),
    [
        ("missing", "expect_column_values_to_not_be_null(currency)", "currency is missing"),
        ("negative", "expect_column_values_to_be_between(amount)", "charge amount must be > 0 (got -500)"),
        ("unknown", "expect_column_values_to_be_in_set(currency)", "currency 'xyz' is not a Stripe currency"),
        ("txn", "expect_column_pair_values_to_be_equal(net,amount_minus_fee)", "!= amount - fee"),
    ],
    ids=["missing-currency", "negative-amount", "unknown-currency", "net-not-amount-minus-fee"],
)
def test_malformed_object_is_quarantined_with_its_reason(
    corrupted_run: dict[str, Any], engine: Engine, key: str, check: str, reason: str
) -> None:
    found = entries(engine, corrupted_run["ids"][key])
    assert check in found, found
    assert reason in found[check]
    model = BalanceTransaction if key == "txn" else Charge
    with session_scope(engine) as session:
        row = session.get(model, (corrupted_run["ids"][key], ""))
        assert row is not None and row.validation_status == "quarantined"


def test_other_rows_of_the_same_run_are_ready(corrupted_run: dict[str, Any], engine: Engine) -> None:
    result = corrupted_run["result"]
    assert result["quarantined"] == 4
    assert result["ready"] > 0
    with session_scope(engine) as session:
        charge = session.get(Charge, (corrupted_run["ids"]["fine"], ""))
        txn = session.get(BalanceTransaction, (corrupted_run["ids"]["fine_txn"], ""))
        assert charge is not None and charge.validation_status == "ready"
        assert txn is not None and txn.validation_status == "ready"
        for model in STRIPE_MODELS.values():
            pending = session.scalars(select(model.id).where(model.validation_status == "pending")).all()
            assert pending == [], model.__tablename__


def test_connected_accounts_are_extracted_with_their_stripe_account(
    stripe_sandbox: RunningServer, stripe_client: stripe.StripeClient, tmp_path: Path
) -> None:
    connected = "acct_1ConnectedShop00"
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 2200, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True},
        options={"stripe_account": connected},
    )
    url = f"sqlite:///{tmp_path / 'connector.db'}"
    migrate(url)
    settings = StripeSettings(STRIPE_TEST_KEY, stripe_sandbox.url, connected_account_ids=(connected,))
    result = extract_resource(settings, "charges", get_engine(url), now=datetime.now(UTC), run_id="connect")
    assert [row["account"] for row in result["accounts"]] == ["", connected]
    with session_scope(get_engine(url)) as session:
        row = session.get(Charge, (str(intent.latest_charge), connected))
        assert row is not None and row.currency == "eur"
        assert session.get(Charge, (str(intent.latest_charge), "")) is None
