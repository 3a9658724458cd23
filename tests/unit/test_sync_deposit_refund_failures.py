"""A failed refund on a payout: its money comes back as a `refund_failure` balance transaction, which the
deposit moves from the clearing account its customer payment (rf-<refund id>) was posted to: that account
nets to 0."""

from __future__ import annotations

from stripe_netsuite.sync.deposit_blocks import BlockCode, Blocked
from stripe_netsuite.sync.deposit_records import Deposit
from stripe_netsuite.sync.deposits import build_deposit
from stripe_netsuite.sync.external_ids import LedgerRecord
from tests.unit.test_sync_deposit_fixtures import CLEARING, PayoutWorld, deposit_settings, paid, refunded, txn


def test_a_refund_and_its_failure_on_one_payout_net_to_nothing_in_the_clearing_account() -> None:
    world = (
        PayoutWorld()
        .add(txn("txn_c", "charge", 10000, source="ch_1"), paid("ch_1", "2001", 10000))
        .add(txn("txn_r", "refund", -2500, source="re_1"), refunded("re_1", "3001"))
        .add(
            txn("txn_f", "refund_failure", 2500, source="re_1"),
            refunded("re_1", "3002", record=LedgerRecord.REFUND_FAILURE),
        )
    )
    deposit = build_deposit(world.payout(), world.listed(), world.index(), deposit_settings())
    assert isinstance(deposit, Deposit), deposit
    body = deposit.body()
    line = {"account": {"id": CLEARING["USD"]}, "amount": "25.00", "memo": "Stripe: re_1"}
    assert body["cashback"]["items"] == [line] and body["other"]["items"] == [line]
    assert deposit.total_minor == world.amount == 10000


def test_a_failure_whose_payment_is_not_in_netsuite_blocks_the_payout() -> None:
    world = PayoutWorld().add(txn("txn_f", "refund_failure", 2500, source="re_1"))
    result = build_deposit(world.payout(), world.listed(), world.index(), deposit_settings())
    assert isinstance(result, Blocked)
    assert result.primary.code is BlockCode.MISSING_PAYMENT
    assert "re_1 is not in NetSuite as a customerPayment" in result.primary.detail
