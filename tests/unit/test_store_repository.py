"""Writing to the state DB: upsert semantics of raw Stripe objects, constraints, UTC datetimes."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from stripe_netsuite.store import (
    BalanceTransaction,
    Charge,
    CheckoutSession,
    Consent,
    PaymentAttempt,
    StripeCustomerLink,
    SyncRecord,
    UpsertResult,
    WebhookEvent,
    columns_from_stripe,
    content_hash,
    get_engine,
    migrate,
    model_for,
    session_scope,
    upsert_stripe_object,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(state_db_url: str) -> Iterator[sa.Engine]:
    """A migrated state DB on SQLite and on PostgreSQL (tests/conftest.py)."""
    migrate(state_db_url)
    yield get_engine(state_db_url)


def charge(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": "ch_1",
        "object": "charge",
        "amount": 1999,
        "amount_captured": 1999,
        "amount_refunded": 0,
        "currency": "usd",
        "created": 1740830400,
        "livemode": False,
        "status": "succeeded",
        "paid": True,
        "captured": True,
        "refunded": False,
        "disputed": False,
        "customer": {"id": "cus_1", "object": "customer"},  # expanded
        "payment_intent": "pi_1",
        "balance_transaction": "txn_1",
        "metadata": {"netsuite_customer_id": "42", "netsuite_invoice_id": "1001"},
    }
    obj.update(changes)
    return obj


def balance_transaction(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": "txn_1",
        "object": "balance_transaction",
        "amount": 1850,
        "currency": "eur",
        "fee": 84,
        "net": 1766,
        "exchange_rate": 0.925463,
        "type": "charge",
        "reporting_category": "charge",
        "status": "available",
        "source": "ch_1",
        "created": 1740830400,
        "available_on": 1741003200,
    }
    obj.update(changes)
    return obj


def test_content_hash_ignores_key_order() -> None:
    a = {"id": "ch_1", "amount": 5, "metadata": {"x": "1", "y": "2"}}
    b = {"metadata": {"y": "2", "x": "1"}, "amount": 5, "id": "ch_1"}
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({**a, "amount": 6})


def test_columns_from_stripe_maps_typed_fields() -> None:
    values = columns_from_stripe(Charge, charge())
    assert values["amount"] == 1999
    assert values["customer"] == "cus_1"  # id of the expanded object
    assert values["netsuite_customer_id"] == "42"  # from metadata
    assert values["netsuite_invoice_ids"] == ["1001"]  # decoded by the metadata contract
    assert values["paid"] is True


def test_columns_from_stripe_converts_timestamps_and_rates_exactly() -> None:
    values = columns_from_stripe(BalanceTransaction, balance_transaction())
    assert values["exchange_rate"] == Decimal("0.925463")
    assert values["available_on"] == datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    assert "payout" not in values  # not a field of the object


def test_upsert_inserts_then_leaves_an_unchanged_object_alone(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        assert upsert_stripe_object(session, Charge, charge(), now=T0) is UpsertResult.INSERTED
    with session_scope(engine) as session:
        later = T0 + timedelta(hours=1)
        assert (
            upsert_stripe_object(session, Charge, copy.deepcopy(charge()), now=later)
            is UpsertResult.UNCHANGED
        )
        row = session.get_one(Charge, ("ch_1", ""))
        assert row.changed_at == T0
        assert row.first_seen_at == T0


def test_upsert_updates_a_changed_object_and_resets_validation(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        upsert_stripe_object(session, Charge, charge(), now=T0)
        session.execute(sa.update(Charge).values(validation_status="ready", validated_at=T0))
    later = T0 + timedelta(days=2)
    with session_scope(engine) as session:
        result = upsert_stripe_object(session, Charge, charge(amount_refunded=500, refunded=False), now=later)
        assert result is UpsertResult.UPDATED
    with session_scope(engine) as session:
        row = session.get_one(Charge, ("ch_1", ""))
        assert row.amount_refunded == 500
        assert row.raw["amount_refunded"] == 500
        assert row.first_seen_at == T0
        assert row.changed_at == later
        assert row.validation_status == "pending"
        assert row.validated_at is None


def test_upsert_keeps_accounts_apart(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        assert upsert_stripe_object(session, Charge, charge()) is UpsertResult.INSERTED
        assert upsert_stripe_object(session, Charge, charge(), account="acct_1") is UpsertResult.INSERTED
        assert session.scalar(sa.select(sa.func.count()).select_from(Charge)) == 2


def test_upsert_extra_columns_count_as_changes_and_are_not_cleared(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        assert (
            upsert_stripe_object(session, BalanceTransaction, balance_transaction()) is UpsertResult.INSERTED
        )
        extra = {"payout": "po_1"}
        assert (
            upsert_stripe_object(session, BalanceTransaction, balance_transaction(), extra=extra)
            is UpsertResult.UPDATED
        )
        assert (
            upsert_stripe_object(session, BalanceTransaction, balance_transaction(), extra=extra)
            is UpsertResult.UNCHANGED
        )
        # Seen again by a created-window listing, which does not know the payout: the payout stays.
        assert (
            upsert_stripe_object(session, BalanceTransaction, balance_transaction()) is UpsertResult.UNCHANGED
        )
        assert session.get_one(BalanceTransaction, ("txn_1", "")).payout == "po_1"


def test_upsert_rejects_wrong_object_type_and_unknown_extras(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        with pytest.raises(ValueError, match="balance_transaction"):
            upsert_stripe_object(session, Charge, balance_transaction())
        with pytest.raises(ValueError, match="no columns"):
            upsert_stripe_object(session, Charge, charge(), extra={"nope": 1})
        with pytest.raises(ValueError, match="without id or created"):
            upsert_stripe_object(session, Charge, {"object": "charge", "id": "ch_2"})


def test_datetimes_come_back_as_utc(engine: sa.Engine) -> None:
    paris = timezone(timedelta(hours=1))
    with session_scope(engine) as session:
        upsert_stripe_object(session, Charge, charge(), now=datetime(2025, 3, 1, 13, 0, tzinfo=paris))
    with session_scope(engine) as session:
        row = session.get_one(Charge, ("ch_1", ""))
        assert row.created == T0
        assert row.created.tzinfo is UTC
        assert row.first_seen_at == T0


def test_naive_datetimes_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as session:
        session.add(
            WebhookEvent(event_id="evt_1", type="charge.succeeded", created=datetime(2025, 1, 1), payload={})
        )


def test_session_scope_rolls_back_on_error(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        upsert_stripe_object(session, Charge, charge())
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert session.get(Charge, ("ch_1", "")) is None


def test_model_for_stripe_object_types() -> None:
    assert model_for("charge") is Charge
    assert model_for("checkout.session") is CheckoutSession
    with pytest.raises(ValueError, match="invoice"):
        model_for("invoice")


def _attempt(**changes: Any) -> PaymentAttempt:
    values: dict[str, Any] = {
        "id": "6f1c1d5e-0000-4000-8000-000000000001",
        "link_kind": "invoice",
        "netsuite_customer_id": "42",
        "netsuite_invoice_ids": ["1001"],
        "amount_minor": 1999,
        "currency": "usd",
        "checkout_session_id": "cs_1",
    }
    values.update(changes)
    return PaymentAttempt(**values)


def test_payment_attempt_defaults(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        session.add(_attempt())
    with session_scope(engine) as session:
        attempt = session.get_one(PaymentAttempt, "6f1c1d5e-0000-4000-8000-000000000001")
        assert attempt.status == "created"
        assert attempt.save_payment_method is False
        assert attempt.netsuite_invoice_ids == ["1001"]
        assert attempt.created_at.tzinfo is UTC


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: [_attempt(), _attempt(id="other")], id="checkout-session-unique"),
        pytest.param(lambda: [_attempt(status="lost")], id="attempt-status-check"),
        pytest.param(lambda: [_attempt(link_kind="statement")], id="attempt-link-kind-check"),
        pytest.param(lambda: [_attempt(amount_minor=0)], id="attempt-amount-positive"),
        pytest.param(
            lambda: [
                StripeCustomerLink(netsuite_customer_id="42", stripe_customer_id="cus_1"),
                StripeCustomerLink(netsuite_customer_id="42", stripe_customer_id="cus_2"),
            ],
            id="one-stripe-customer-per-netsuite-customer",
        ),
        pytest.param(
            lambda: [
                SyncRecord(
                    stripe_id=stripe_id,
                    stripe_object_type="charge",
                    netsuite_record_type="customerPayment",
                    external_id="ch_1",
                )
                for stripe_id in ("ch_1", "ch_1b")
            ],
            id="external-id-unique-per-record-type",
        ),
        pytest.param(
            lambda: [
                SyncRecord(
                    stripe_id="ch_1",
                    stripe_object_type="charge",
                    netsuite_record_type="customerPayment",
                    external_id="ch_1",
                    status="done",
                )
            ],
            id="sync-status-check",
        ),
        pytest.param(
            lambda: [
                Consent(
                    payment_attempt_id="missing",
                    netsuite_customer_id="42",
                    terms_version="v1",
                    text_shown="I agree",
                    accepted_at=T0,
                )
            ],
            id="consent-needs-its-attempt",
        ),
    ],
)
def test_constraints_hold(engine: sa.Engine, build: Any) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        for row in build():
            session.add(row)
            session.flush()


def test_same_external_id_is_allowed_for_different_record_types(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        for record_type in ("customerPayment", "customerRefund"):
            session.add(
                SyncRecord(
                    stripe_id="ch_1",
                    stripe_object_type="charge",
                    netsuite_record_type=record_type,
                    external_id="ch_1",
                )
            )
    with session_scope(engine) as session:
        records = session.scalars(sa.select(SyncRecord)).all()
        assert [(r.status, r.attempts) for r in records] == [("pending", 0), ("pending", 0)]


def test_a_stripe_customer_link_per_account(engine: sa.Engine) -> None:
    with session_scope(engine) as session:
        session.add(StripeCustomerLink(netsuite_customer_id="42", stripe_customer_id="cus_1"))
        session.add(
            StripeCustomerLink(netsuite_customer_id="42", stripe_customer_id="cus_9", account="acct_1")
        )
