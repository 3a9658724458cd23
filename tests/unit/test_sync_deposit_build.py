"""A paid automatic payout becomes one deposit: payment, other and cash back lines equal to the payout."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from stripe_netsuite.sync.deposit_blocks import Blocked
from stripe_netsuite.sync.deposit_records import Deposit
from stripe_netsuite.sync.deposits import build_deposit
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, parse_external_id
from tests.unit.test_sync_deposit_fixtures import (
    ADJUSTMENTS,
    APP_FEES,
    BANK_EUR,
    BANK_USD,
    CLEARING,
    FEES,
    PAYOUT,
    PayoutWorld,
    body_total_minor,
    deposit_settings,
    paid,
    refunded,
    txn,
)


def build(world: PayoutWorld, **kwargs: Any) -> Deposit:
    result = build_deposit(world.payout(), world.listed(), world.index(), deposit_settings(), **kwargs)
    assert isinstance(result, Deposit), result
    return result


def test_a_charge_and_its_fee_become_a_payment_line_and_a_fee_cashback_line() -> None:
    world = PayoutWorld().add(
        txn("txn_c1", "charge", 10000, fee=320, source="ch_1"), paid("ch_1", "2001", 10000)
    )
    deposit = build(world)
    assert deposit.body() == {
        "externalId": PAYOUT,
        "account": {"id": BANK_USD},
        "tranDate": "2026-10-02",
        "memo": f"Stripe payout {PAYOUT}",
        "payment": {"items": [{"id": "2001", "deposit": True, "paymentAmount": "100.00"}]},
        "other": {"items": []},
        "cashback": {
            "items": [{"account": {"id": FEES}, "amount": "3.20", "memo": f"Stripe fees: {PAYOUT}"}]
        },
    }
    assert deposit.total_minor == world.amount == 9680
    assert Deposit.replace == ("payment", "other", "cashback")
    assert parse_external_id("deposit", deposit.external_id) == (LedgerRecord.DEPOSIT, PAYOUT)


def test_a_payment_in_another_currency_is_deposited_at_what_the_bank_received() -> None:
    # A EUR 100.00 charge settled in USD as 107.53 (Stripe's rate); the payment stays EUR 100.00 in NetSuite.
    world = PayoutWorld().add(
        txn("txn_c1", "charge", 10753, fee=342, source="ch_eur", rate=1.0753),
        paid("ch_eur", "2002", 10000, currency="EUR"),
    )
    body = build(world).body()
    assert body["payment"]["items"] == [{"id": "2002", "deposit": True, "paymentAmount": "107.53"}]
    assert body_total_minor(body, "USD") == world.amount


@pytest.mark.parametrize(
    ("transaction", "record", "sublist", "line"),
    [
        pytest.param(
            txn("txn_r", "refund", -2500, source="re_1"),
            refunded("re_1", "3001"),
            "cashback",
            {"account": {"id": CLEARING["USD"]}, "amount": "25.00", "memo": "Stripe: re_1"},
            id="card-refund-from-usd-clearing",
        ),
        pytest.param(
            txn("txn_r", "refund", -2688, source="re_eur"),
            refunded("re_eur", "3002", currency="EUR"),
            "cashback",
            {"account": {"id": CLEARING["EUR"]}, "amount": "26.88", "memo": "Stripe: re_eur"},
            id="eur-refund-from-eur-clearing-at-the-usd-amount",
        ),
        pytest.param(
            txn("txn_r", "payment_refund", -1000, source="pyr_1"),
            refunded("pyr_1", "3003"),
            "cashback",
            {"account": {"id": CLEARING["USD"]}, "amount": "10.00", "memo": "Stripe: pyr_1"},
            id="bank-debit-refund",
        ),
        pytest.param(
            txn("txn_f", "payment_failure_refund", -5000, source="py_1", category="charge_failure"),
            refunded("py_1", "3004", record=LedgerRecord.FAILED_PAYMENT_REFUND),
            "cashback",
            {"account": {"id": CLEARING["USD"]}, "amount": "50.00", "memo": "Stripe: py_1"},
            id="failed-bank-debit",
        ),
        pytest.param(
            txn("txn_d", "adjustment", -4000, source="dp_1", category="dispute"),
            refunded("dp_1", "3005"),
            "cashback",
            {"account": {"id": CLEARING["USD"]}, "amount": "40.00", "memo": "Stripe: dp_1"},
            id="dispute-withdrawal",
        ),
        pytest.param(
            txn("txn_w", "adjustment", 4000, source="dp_1", category="dispute_reversal"),
            None,
            "other",
            {"account": {"id": ADJUSTMENTS}, "amount": "40.00", "memo": "Stripe: dp_1 (won dispute)"},
            id="won-dispute-reinstated",
        ),
        pytest.param(
            txn("txn_a", "adjustment", 150, source="ia_1", category="other_adjustment"),
            None,
            "other",
            {
                "account": {"id": ADJUSTMENTS},
                "amount": "1.50",
                "memo": "Stripe: ia_1 (adjustment: other_adjustment)",
            },
            id="positive-adjustment",
        ),
        pytest.param(
            txn("txn_a", "adjustment", -150, source="ia_2", category="other_adjustment"),
            None,
            "cashback",
            {
                "account": {"id": ADJUSTMENTS},
                "amount": "1.50",
                "memo": "Stripe: ia_2 (adjustment: other_adjustment)",
            },
            id="negative-adjustment",
        ),
        pytest.param(
            txn("txn_s", "stripe_fee", -1900, source="bil_1", category="fee"),
            None,
            "cashback",
            {"account": {"id": FEES}, "amount": "19.00", "memo": "Stripe: bil_1 (stripe_fee)"},
            id="billing-fee-transaction",
        ),
        pytest.param(
            txn("txn_p", "payout_failure", 7000, source="po_earlier", category="payout_reversal"),
            None,
            "other",
            {
                "account": {"id": CLEARING["USD"]},
                "amount": "70.00",
                "memo": "Stripe: po_earlier (failed payout returned)",
            },
            id="failed-payout-returned",
        ),
    ],
)
def test_each_kind_of_balance_transaction_posts_to_its_account(
    transaction: dict[str, Any], record: Any, sublist: str, line: dict[str, Any]
) -> None:
    world = PayoutWorld().add(txn("txn_c", "charge", 20000, source="ch_1"), paid("ch_1", "2001", 20000))
    world.add(transaction, *([record] if record else []))
    body = build(world).body()
    assert body[sublist]["items"] == [line]
    assert body_total_minor(body, "USD") == world.amount


def test_a_lost_dispute_fee_is_cash_back_and_a_won_dispute_refunds_it_as_other() -> None:
    world = PayoutWorld().add(txn("txn_c", "charge", 20000, source="ch_1"), paid("ch_1", "2001", 20000))
    world.add(
        txn("txn_d", "adjustment", -4000, fee=1500, source="dp_1", category="dispute"),
        refunded("dp_1", "3005"),
    )
    world.add(txn("txn_w", "adjustment", 4000, fee=-1500, source="dp_1", category="dispute_reversal"))
    body = build(world).body()
    assert {"account": {"id": FEES}, "amount": "15.00", "memo": f"Stripe fees: {PAYOUT}"} in body["cashback"][
        "items"
    ]
    assert body["other"]["items"][-1] == {
        "account": {"id": FEES},
        "amount": "15.00",
        "memo": f"Stripe fee refunds: {PAYOUT}",
    }
    assert body_total_minor(body, "USD") == world.amount == 20000 - 4000 - 1500 + 4000 + 1500


def test_fees_go_to_the_account_of_their_type_summed_per_account() -> None:
    world = PayoutWorld()
    for n in range(3):
        world.add(txn(f"txn_c{n}", "charge", 1000, fee=59, source=f"ch_{n}"), paid(f"ch_{n}", f"20{n}", 1000))
    world.add(
        txn("txn_x", "charge", 1000, fee=100, source="ch_x", fee_type="application_fee"),
        paid("ch_x", "209", 1000),
    )
    body = build(world).body()
    assert body["cashback"]["items"] == [
        {"account": {"id": APP_FEES}, "amount": "1.00", "memo": f"Stripe fees: {PAYOUT}"},
        {"account": {"id": FEES}, "amount": "1.77", "memo": f"Stripe fees: {PAYOUT}"},
    ]


@pytest.mark.parametrize(
    ("currency", "amount", "fee", "text", "fee_text", "bank"),
    [
        pytest.param("jpy", 12000, 420, "12000", "420", "22", id="jpy-zero-decimals"),
        pytest.param("kwd", 15250, 450, "15.250", "0.450", "23", id="kwd-three-decimals"),
        pytest.param("eur", 9999, 1, "99.99", "0.01", BANK_EUR, id="eur-one-cent-fee"),
    ],
)
def test_amounts_carry_exactly_the_payout_currency_decimals(
    currency: str, amount: int, fee: int, text: str, fee_text: str, bank: str
) -> None:
    world = PayoutWorld(currency=currency).add(
        txn("txn_c", "charge", amount, fee=fee, source="ch_1", currency=currency),
        paid("ch_1", "2001", amount, currency=currency.upper()),
    )
    body = build(world).body()
    assert body["account"] == {"id": bank}
    assert body["payment"]["items"][0]["paymentAmount"] == text
    assert body["cashback"]["items"][0]["amount"] == fee_text
    assert body_total_minor(body, currency) == world.amount


def test_the_deposit_is_dated_the_arrival_day_whatever_the_account_time_zone() -> None:
    world = PayoutWorld().add(txn("txn_c", "charge", 500, source="ch_1"), paid("ch_1", "2001", 500))
    assert build(world).tran_date == date(2026, 10, 2)  # 00:00 UTC; Los Angeles would say 1 October


def test_a_rerun_after_the_deposit_was_written_builds_the_same_deposit() -> None:
    world = PayoutWorld().add(
        txn("txn_c", "charge", 500, source="ch_1"), paid("ch_1", "2001", 500, deposit_id="4001")
    )
    assert build(world, deposit_id="4001").payments[0].payment_id == "2001"


def test_transactions_are_read_once_so_a_stream_of_pages_is_enough() -> None:
    world = PayoutWorld().add(txn("txn_c", "charge", 500, source="ch_1"), paid("ch_1", "2001", 500))
    result = build_deposit(world.payout(), iter(world.listed()), world.index(), deposit_settings())
    assert isinstance(result, Deposit)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"status": "in_transit"}, id="not-paid"),
        pytest.param({"automatic": False}, id="manual"),
    ],
)
def test_only_a_paid_automatic_credit_payout_is_built(changes: dict[str, Any]) -> None:
    world = PayoutWorld().add(txn("txn_c", "charge", 500, source="ch_1"), paid("ch_1", "2001", 500))
    with pytest.raises(LedgerMappingError, match="classify_payout"):
        build_deposit(world.payout(**changes), world.listed(), world.index(), deposit_settings())


def test_a_debit_payout_is_not_built() -> None:
    world = PayoutWorld().add(txn("txn_r", "refund", -500, source="re_1"), refunded("re_1", "3001"))
    with pytest.raises(LedgerMappingError):
        build_deposit(world.payout(), world.listed(), world.index(), deposit_settings())


def test_blocked_is_not_a_deposit() -> None:
    world = PayoutWorld().add(txn("txn_c", "charge", 500, source="ch_1"))
    assert isinstance(
        build_deposit(world.payout(), world.listed(), world.index(), deposit_settings()), Blocked
    )
