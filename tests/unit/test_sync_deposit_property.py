"""Property: whatever balance transactions a payout holds, the deposit NetSuite would total is the payout."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stripe_netsuite.sync.deposit_facts import SyncedRecord
from stripe_netsuite.sync.deposit_records import Deposit
from stripe_netsuite.sync.deposits import build_deposit
from stripe_netsuite.sync.external_ids import LedgerRecord
from tests.unit.test_sync_deposit_fixtures import (
    PayoutWorld,
    body_total_minor,
    deposit_settings,
    paid,
    refunded,
    txn,
)

CURRENCIES = ("usd", "eur", "jpy", "kwd")
AMOUNT = st.integers(min_value=1, max_value=10**9)
FEE = st.integers(min_value=0, max_value=10**6)
FEE_TYPE = st.sampled_from(("stripe_fee", "application_fee", "tax"))


@st.composite
def transaction(draw: st.DrawFn, n: int, currency: str) -> tuple[dict[str, Any], list[SyncedRecord]]:
    """One balance transaction of any kind the builder places, with the sync records it names."""
    kind = draw(
        st.sampled_from(
            (
                "charge",
                "charge_fx",
                "payment",
                "refund",
                "payment_failure_refund",
                "dispute",
                "dispute_reversal",
                "adjustment",
                "stripe_fee",
                "payout_failure",
            )
        )
    )
    amount, fee, fee_type = draw(AMOUNT), draw(FEE), draw(FEE_TYPE)
    code = currency.upper()
    if kind in ("charge", "charge_fx", "payment"):
        charge = f"ch_{n}"
        own = code if kind != "charge_fx" else draw(st.sampled_from(("GBP", "CAD", "CHF")))
        gross = amount if own == code else draw(AMOUNT)  # the payment's own amount, in its currency
        bt = txn(
            f"txn_{n}",
            "charge" if kind != "payment" else "payment",
            amount,
            fee=fee,
            source=charge,
            currency=currency,
            fee_type=fee_type,
        )
        return bt, [paid(charge, str(10000 + n), gross, currency=own)]
    if kind in ("refund", "payment_failure_refund", "dispute"):
        source = {"refund": f"re_{n}", "payment_failure_refund": f"py_{n}", "dispute": f"dp_{n}"}[kind]
        record = (
            LedgerRecord.FAILED_PAYMENT_REFUND if kind == "payment_failure_refund" else LedgerRecord.REFUND
        )
        category = "charge_failure" if kind == "payment_failure_refund" else kind
        bt = txn(
            f"txn_{n}",
            "adjustment" if kind == "dispute" else kind,
            -amount,
            fee=draw(st.integers(min_value=-(10**6), max_value=10**6)),
            source=source,
            category=category,
            currency=currency,
            fee_type=fee_type,
        )
        own = draw(st.sampled_from(("USD", "EUR", "GBP", "JPY", "KWD")))
        return bt, [refunded(source, str(20000 + n), currency=own, record=record)]
    if kind == "dispute_reversal":
        return txn(
            f"txn_{n}", "adjustment", amount, fee=-fee, source=f"dp_{n}", category=kind, currency=currency
        ), []
    if kind == "adjustment":
        return txn(
            f"txn_{n}",
            "adjustment",
            draw(st.integers(-(10**6), 10**6)),
            source=f"ia_{n}",
            category="other_adjustment",
            currency=currency,
        ), []
    if kind == "stripe_fee":
        return txn(
            f"txn_{n}", "stripe_fee", -amount, source=f"bil_{n}", category="fee", currency=currency
        ), []
    return txn(
        f"txn_{n}", "payout_failure", amount, source=f"po_{n}", category="payout_reversal", currency=currency
    ), []


@st.composite
def worlds(draw: st.DrawFn) -> PayoutWorld:
    currency = draw(st.sampled_from(CURRENCIES))
    world = PayoutWorld(currency=currency)
    for n in range(draw(st.integers(min_value=1, max_value=25))):
        bt, records = draw(transaction(n, currency))
        world.add(bt, *records)
    # A payout is a credit: nets that sum to more than zero (a debit payout is never built).
    if world.amount <= 0:
        world.add(
            txn("txn_top", "charge", 1 - world.amount, source="ch_top", currency=currency),
            paid("ch_top", "99999", 1 - world.amount, currency=currency.upper()),
        )
    return world


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_the_deposit_total_is_the_payout_amount(world: PayoutWorld) -> None:
    result = build_deposit(world.payout(), world.listed(), world.index(), deposit_settings())
    assert isinstance(result, Deposit), result
    expected = sum(t["net"] for t in world.transactions)  # Stripe's own arithmetic: the payout is the nets
    assert body_total_minor(result.body(), world.currency) == expected == world.payout()["amount"]
    assert all(
        line["amount"][0] != "-" for name in ("other", "cashback") for line in result.body()[name]["items"]
    )
