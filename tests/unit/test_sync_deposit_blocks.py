"""All or nothing: each blocking code from the situation that causes it, naming the balance transaction."""

from __future__ import annotations

from typing import Any

import pytest

from stripe_netsuite.sync.deposit_blocks import BlockCode, Blocked
from stripe_netsuite.sync.deposit_facts import SyncedRecord
from stripe_netsuite.sync.deposit_records import Deposit
from stripe_netsuite.sync.deposits import build_deposit
from stripe_netsuite.sync.external_ids import LedgerRecord
from tests.unit.test_sync_deposit_fixtures import (
    CLEARING,
    PAYOUT_TXN,
    UNDEPOSITED,
    PayoutWorld,
    deposit_settings,
    paid,
    refunded,
    txn,
)

GOOD = ("txn_good", "ch_good", "2000")


def world_with(transaction: dict[str, Any], *records: SyncedRecord) -> PayoutWorld:
    """A payout of one good charge plus the transaction under test."""
    world = PayoutWorld().add(
        txn(GOOD[0], "charge", 5000, fee=175, source=GOOD[1]), paid(GOOD[1], GOOD[2], 5000)
    )
    return world.add(transaction, *records)


def blocked(
    world: PayoutWorld,
    payout: dict[str, Any] | None = None,
    listed: list[dict[str, Any]] | None = None,
    **settings: Any,
) -> Blocked:
    result = build_deposit(
        payout or world.payout(),
        world.listed() if listed is None else listed,
        world.index(),
        deposit_settings(**settings),
    )
    assert isinstance(result, Blocked), result
    return result


CHARGE = txn("txn_bad", "charge", 3000, fee=117, source="ch_bad")


@pytest.mark.parametrize(
    ("records", "code", "words"),
    [
        pytest.param(
            (), BlockCode.MISSING_PAYMENT, "ch_bad is not in NetSuite", id="missing_payment-not-loaded"
        ),
        pytest.param(
            (paid("ch_bad", None, 3000, sync_error="customer 999 does not exist"),),  # type: ignore[arg-type]
            BlockCode.MISSING_PAYMENT,
            "its load failed: customer 999",
            id="missing_payment-load-failed",
        ),
        pytest.param(
            (paid("ch_bad", "2001", 3000, deposit_id="1054"),),
            BlockCode.ALREADY_DEPOSITED,
            "already in deposit 1054",
            id="already_deposited",
        ),
        pytest.param(
            (paid("ch_bad", "2001", 3000, account_id="1"),),
            BlockCode.UNDEP_FUNDS_ACCOUNT_MISMATCH,
            f"posts to account 1, not Undeposited Funds ({UNDEPOSITED})",
            id="undep_funds_account_mismatch",
        ),
        pytest.param(
            (paid("ch_bad", "2001", 2999, stripe_amount=3000),),
            BlockCode.UNEQUAL_AMOUNTS,
            "is 2999 USD",
            id="unequal_amounts-netsuite-differs-from-stripe",
        ),
        pytest.param(
            (paid("ch_bad", "2001", 2999, stripe_amount=2999),),
            BlockCode.UNEQUAL_AMOUNTS,
            "settled 3000 USD",
            id="unequal_amounts-payment-differs-from-settled",
        ),
        pytest.param(
            (paid("ch_bad", GOOD[2], 3000),),
            BlockCode.DUPLICATE_NETSUITE_RECORD_IN_PAYOUT,
            f"also the payment of {GOOD[0]}",
            id="duplicate_netsuite_record_in_payout",
        ),
        pytest.param(
            (paid("ch_bad", "2001", 3000, currency="GBP", customer_currencies=frozenset({"USD"})),),
            BlockCode.CUSTOMER_CURRENCY_MISSING,
            "in GBP, which customer 102 does not have",
            id="customer_currency_missing",
        ),
    ],
)
def test_a_payment_that_cannot_be_deposited_blocks_the_whole_payout(
    records: tuple[SyncedRecord, ...], code: BlockCode, words: str
) -> None:
    result = blocked(world_with(CHARGE, *records))
    assert (result.code, result.balance_transaction) == (code.code, "txn_bad")
    assert words in result.reason and code.action in result.reason
    assert len(result.problems) == 1  # the good charge is not a problem, but it is not written either


def test_a_refund_not_in_netsuite_blocks_as_missing_payment() -> None:
    result = blocked(world_with(txn("txn_bad", "refund", -1000, source="re_9")))
    assert (result.code, result.balance_transaction) == ("missing_payment", "txn_bad")
    assert "re_9 is not in NetSuite as a customerRefund" in result.reason


def test_a_payout_currency_without_a_bank_account_blocks_on_the_payout_itself() -> None:
    world = world_with(txn("txn_other", "charge", 100, source="ch_2"), paid("ch_2", "2002", 100))
    result = blocked(world, bank_accounts={"EUR": "21"})
    assert (result.code, result.balance_transaction) == ("payout_currency_account_missing", PAYOUT_TXN)
    assert "no bank account is mapped for USD payouts" in result.reason


def test_lines_that_do_not_add_up_to_the_payout_block_as_unequal_amounts() -> None:
    world = world_with(txn("txn_other", "charge", 100, source="ch_2"), paid("ch_2", "2002", 100))
    listed = [t for t in world.listed() if t["id"] != "txn_other"]  # a page that was never read
    result = blocked(world, listed=listed)
    assert (result.code, result.balance_transaction) == ("unequal_amounts", PAYOUT_TXN)
    assert "lines total 48.25 USD but payout po_1DepositTest0001 is 49.25 USD" in result.reason


def test_a_transaction_in_another_currency_blocks_as_unequal_amounts() -> None:
    result = blocked(
        world_with(
            txn("txn_bad", "charge", 100, source="ch_2", currency="eur"),
            paid("ch_2", "2002", 100, currency="EUR"),
        )
    )
    assert (result.code, result.balance_transaction) == ("unequal_amounts", "txn_bad")


def test_a_refund_in_a_currency_without_a_clearing_account_blocks() -> None:
    world = world_with(
        txn("txn_bad", "refund", -1000, source="re_cad"), refunded("re_cad", "3001", currency="CAD")
    )
    assert "CAD" not in CLEARING
    result = blocked(world)
    assert (result.code, result.balance_transaction) == ("clearing_account_missing", "txn_bad")
    assert "map a Stripe clearing account" in result.reason


def test_a_failed_payout_returned_without_a_clearing_account_blocks() -> None:
    world = world_with(txn("txn_bad", "payout_failure", 700, source="po_old", category="payout_reversal"))
    result = blocked(world, clearing_accounts={"EUR": "4"})
    assert (result.code, result.balance_transaction) == ("clearing_account_missing", "txn_bad")


@pytest.mark.parametrize(
    "transaction",
    [
        pytest.param(txn("txn_bad", "transfer", -1000, source="tr_1"), id="unknown-type"),
        pytest.param(
            {**txn("txn_bad", "charge", 1000, source="ch_2"), "net": 999}, id="net-not-amount-minus-fee"
        ),
        pytest.param(
            txn("txn_bad", "payout", -1000, source="po_other"), id="another-payouts-own-transaction"
        ),
    ],
)
def test_a_transaction_the_connector_cannot_place_blocks(transaction: dict[str, Any]) -> None:
    result = blocked(world_with(transaction, paid("ch_2", "2002", 1000)))
    assert (result.code, result.balance_transaction) == ("unsupported_transaction", "txn_bad")


def test_every_problem_is_reported_and_nothing_is_built() -> None:
    world = world_with(CHARGE, paid("ch_bad", "2001", 3000, deposit_id="1054", account_id="1"))
    world.add(txn("txn_r", "refund", -100, source="re_missing"))
    result = blocked(world)
    assert [(p.code, p.balance_transaction) for p in result.problems] == [
        (BlockCode.ALREADY_DEPOSITED, "txn_bad"),
        (BlockCode.UNDEP_FUNDS_ACCOUNT_MISMATCH, "txn_bad"),
        (BlockCode.MISSING_PAYMENT, "txn_r"),
    ]


def test_a_blocked_payout_unblocks_itself_once_its_payment_loads() -> None:
    world = world_with(CHARGE)
    assert blocked(world).code == "missing_payment"
    world.records.append(paid("ch_bad", "2001", 3000))
    result = build_deposit(world.payout(), world.listed(), world.index(), deposit_settings())
    assert isinstance(result, Deposit) and result.total_minor == world.amount


def test_a_failed_payment_refund_is_looked_up_under_its_own_external_id() -> None:
    # The failed debit's refund is keyed fail-<charge>; the charge's own payment record is not it.
    world = world_with(
        txn("txn_bad", "payment_failure_refund", -500, source="py_1", category="charge_failure"),
        paid("py_1", "2009", 500),
    )
    assert blocked(world).problems[0].detail.startswith("py_1 is not in NetSuite as a customerRefund")
    world.records.append(refunded("py_1", "3009", record=LedgerRecord.FAILED_PAYMENT_REFUND))
    assert isinstance(
        build_deposit(world.payout(), world.listed(), world.index(), deposit_settings()), Deposit
    )


@pytest.mark.parametrize("bad_first", [False, True], ids=["good-charge-first", "bad-charge-first"])
def test_two_charges_naming_one_netsuite_payment_report_the_duplicate_not_its_amount(bad_first: bool) -> None:
    # As the loader reads it: the record's facts are the one NetSuite payment's (the good charge's 5000), so
    # the second charge's amount differs too; the duplicate is the cause, whichever transaction comes first.
    bad = paid("ch_bad", GOOD[2], 5000, stripe_amount=3000)
    good = (txn(GOOD[0], "charge", 5000, fee=175, source=GOOD[1]), paid(GOOD[1], GOOD[2], 5000))
    world = PayoutWorld()
    if bad_first:
        world.add(CHARGE, bad).add(*good)
    else:
        world.add(*good).add(CHARGE, bad)
    result = blocked(world)
    assert result.code == "duplicate_netsuite_record_in_payout"
    assert {result.balance_transaction, *result.reason.split()} >= {"txn_bad", GOOD[0]}
