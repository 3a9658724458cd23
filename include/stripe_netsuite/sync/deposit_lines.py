"""Each balance transaction of a payout as deposit lines, or the problem that keeps it off the deposit.

Every transaction contributes exactly its `net` to the deposit (signed: + adds, - subtracts), split into:
- a charge (`charge`, a bank debit's `payment`): its customer payment at the gross `amount` in the payout
  currency (for a payment in another currency, what the bank received), its fees as cash back;
- a refund, a failed bank debit's `payment_failure_refund`, a dispute's withdrawal: cash back to the clearing
  account of the record's currency, the account its customer refund was paid from, so that account nets to 0;
- a failed refund's money coming back (`refund_failure`): an other line from that clearing account, which the
  failure's customer payment (`rf-<refund id>`) was posted to;
- fees (fee_details of any transaction, and fee transactions): cash back to the fee account of their type, a
  negative fee (a fee refund, a won dispute's fee) as an other line to the same account;
- a won dispute (`dispute_reversal`) and other adjustments: the adjustment account (other when positive);
- a `payout_failure` returning an earlier failed payout: the clearing account of the payout currency, which
  the failed payout's reversal debited.
Fees are summed per account (one line each); every other line names its Stripe object in the memo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from stripe_netsuite.sync.deposit_blocks import BlockCode, Problem
from stripe_netsuite.sync.deposit_facts import BalanceTransaction, SyncedRecord
from stripe_netsuite.sync.deposit_records import AccountLine, PaymentLine
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id

__all__ = ["DepositContext", "DepositLines", "add_transaction"]

CHARGE_TYPES = ("charge", "payment")
# Balance transaction type (or adjustment reporting category) -> the ledger record that paid the money back.
REVERSAL_TYPES = {
    "refund": LedgerRecord.REFUND,
    "payment_refund": LedgerRecord.REFUND,
    "payment_failure_refund": LedgerRecord.FAILED_PAYMENT_REFUND,
    "dispute": LedgerRecord.REFUND,  # an adjustment whose reporting_category is dispute: the withdrawal
}
FEE_TYPES = ("stripe_fee", "stripe_fx_fee", "tax_fee")
PAYOUT_RETURN_TYPES = ("payout_failure", "payout_cancel")


@dataclass(frozen=True)
class DepositContext:
    """What every transaction of one payout is checked against."""

    payout_id: str
    currency: str
    settings: DepositSettings
    records: Mapping[str, SyncedRecord]  # by NetSuite externalId (deposit_facts.index_records)
    deposit_id: str | None  # the internal id of this payout's deposit, when an earlier run wrote it


@dataclass
class DepositLines:
    """The lines collected so far, and the problems found."""

    payments: list[PaymentLine] = field(default_factory=list)
    other: list[AccountLine] = field(default_factory=list)
    cashback: list[AccountLine] = field(default_factory=list)
    fees: dict[tuple[str, bool], int] = field(default_factory=dict)  # (account, is refund) -> signed total
    problems: list[Problem] = field(default_factory=list)
    payment_sources: dict[str, str] = field(default_factory=dict)  # payment internal id -> its transaction

    def post(self, account_id: str, signed: int, memo: str) -> None:
        """A line adding `signed` (minor units) to the total: other when positive, cash back when negative."""
        if signed > 0:
            self.other.append(AccountLine(account_id, signed, memo))
        elif signed < 0:
            self.cashback.append(AccountLine(account_id, -signed, memo))

    def fee_lines(self, payout_id: str) -> None:
        """The summed fees and fee refunds, one line per account and direction."""
        for (account_id, refund), signed in sorted(self.fees.items()):
            label = "Stripe fee refunds" if refund else "Stripe fees"
            self.post(account_id, signed, f"{label}: {payout_id}")

    def block(self, code: BlockCode, txn: BalanceTransaction, detail: str) -> None:
        self.problems.append(Problem(code, txn.id, detail))


def _fees(lines: DepositLines, ctx: DepositContext, txn: BalanceTransaction) -> None:
    for fee in txn.fees:
        key = (ctx.settings.fee_account(fee.type), fee.amount < 0)
        lines.fees[key] = lines.fees.get(key, 0) - fee.amount


def _record(lines: DepositLines, ctx: DepositContext, txn: BalanceTransaction,
            kind: LedgerRecord) -> SyncedRecord | None:
    """The loaded NetSuite record of the transaction's source, or None after blocking on it."""
    record = ctx.records.get(external_id(kind, txn.source)) if txn.source else None
    if record is None or record.internal_id is None:
        why = f" (its load failed: {record.sync_error})" if record is not None and record.sync_error else ""
        lines.block(BlockCode.MISSING_PAYMENT, txn,
                    f"{txn.source or 'its source'} is not in NetSuite as a {kind.record_type}{why}")
        return None
    return record


def _charge(lines: DepositLines, ctx: DepositContext, txn: BalanceTransaction) -> None:
    record = _record(lines, ctx, txn, LedgerRecord.PAYMENT)
    if record is None:
        return
    internal_id = record.internal_id
    assert internal_id is not None  # _record blocks on a record not in NetSuite
    name = f"payment {internal_id} ({record.stripe_id})"
    found = len(lines.problems)
    if record.deposit_id is not None and record.deposit_id != ctx.deposit_id:
        lines.block(BlockCode.ALREADY_DEPOSITED, txn, f"{name} is already in deposit {record.deposit_id}")
    if record.account_id != ctx.settings.undeposited_funds_account_id:
        lines.block(BlockCode.UNDEP_FUNDS_ACCOUNT_MISMATCH, txn,
                    f"{name} posts to account {record.account_id}, not Undeposited Funds "
                    f"({ctx.settings.undeposited_funds_account_id})")
    if record.currency not in record.customer_currencies:
        lines.block(BlockCode.CUSTOMER_CURRENCY_MISSING, txn,
                    f"{name} is in {record.currency}, which customer {record.customer_id} does not have")
    if record.amount is None or record.amount != record.stripe_amount or (
            record.currency == ctx.currency and record.amount != txn.amount):
        lines.block(BlockCode.UNEQUAL_AMOUNTS, txn,
                    f"{name} is {record.amount} {record.currency} (minor units) in NetSuite; Stripe charged "
                    f"{record.stripe_amount} {record.currency} and settled {txn.amount} {ctx.currency}")
    # Noted whatever else is wrong with it: a record named twice is found even when its first use blocked.
    earlier = lines.payment_sources.setdefault(internal_id, txn.id)
    if earlier != txn.id:
        lines.block(BlockCode.DUPLICATE_NETSUITE_RECORD_IN_PAYOUT, txn,
                    f"{name} is also the payment of {earlier} in this payout")
    if len(lines.problems) == found:
        # In the payout currency: for a payment in another currency, what the bank received.
        lines.payments.append(PaymentLine(internal_id, txn.amount, record.stripe_id))
    _fees(lines, ctx, txn)


def _reversal(lines: DepositLines, ctx: DepositContext, txn: BalanceTransaction, kind: LedgerRecord) -> None:
    record = _record(lines, ctx, txn, kind)
    if record is None:
        return
    clearing = ctx.settings.clearing_account(record.currency)
    if clearing is None:
        lines.block(BlockCode.CLEARING_ACCOUNT_MISSING, txn,
                    f"refund {record.internal_id} ({record.stripe_id}) is in {record.currency}, which has no "
                    "Stripe clearing account")
        return
    lines.post(clearing, txn.amount, f"Stripe: {record.stripe_id}")
    _fees(lines, ctx, txn)


def _account(lines: DepositLines, ctx: DepositContext, txn: BalanceTransaction, account_id: str | None,
             what: str) -> None:
    if account_id is None:
        lines.block(BlockCode.CLEARING_ACCOUNT_MISSING, txn,
                    f"{what} needs the {ctx.currency} Stripe clearing account, and none is mapped")
        return
    lines.post(account_id, txn.amount, f"Stripe: {txn.source or txn.id} ({what})")
    _fees(lines, ctx, txn)


def add_transaction(lines: DepositLines, ctx: DepositContext, txn: BalanceTransaction) -> None:
    """Add one balance transaction of the payout (not the payout's own) to `lines`, or block on it."""
    settings = ctx.settings
    kind = txn.reporting_category if txn.type == "adjustment" else txn.type
    if txn.currency != ctx.currency:
        lines.block(BlockCode.UNEQUAL_AMOUNTS, txn,
                    f"the transaction is in {txn.currency}, the payout in {ctx.currency}")
    elif txn.type in CHARGE_TYPES:
        _charge(lines, ctx, txn)
    elif kind in REVERSAL_TYPES and txn.amount < 0:
        _reversal(lines, ctx, txn, REVERSAL_TYPES[kind])
    elif txn.type == "refund_failure" and txn.amount > 0:
        _reversal(lines, ctx, txn, LedgerRecord.REFUND_FAILURE)
    elif kind == "dispute_reversal" and txn.amount > 0:
        _account(lines, ctx, txn, settings.adjustment_account_id, "won dispute")
    elif txn.type == "adjustment":
        _account(lines, ctx, txn, settings.adjustment_account_id, f"adjustment: {txn.reporting_category}")
    elif txn.type in FEE_TYPES:
        _account(lines, ctx, txn, settings.fee_account(txn.type), txn.type)
    elif txn.type in PAYOUT_RETURN_TYPES and txn.amount > 0:
        _account(lines, ctx, txn, settings.clearing_account(ctx.currency), "failed payout returned")
    else:
        lines.block(BlockCode.UNSUPPORTED_TRANSACTION, txn,
                    f"a {txn.type} ({txn.reporting_category}) of {txn.net} {ctx.currency} (minor units)")
