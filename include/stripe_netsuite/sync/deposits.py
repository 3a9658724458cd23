"""A Stripe payout as one NetSuite deposit equal to it to the minor unit, or the precise reason why not.

`classify_payout` says what a payout needs: a deposit (a paid automatic payout), nothing yet (on its way), a
reversal (it failed after its deposit was written) or a person (a manual payout, which Stripe cannot itemise,
a debit payout, a payout that failed before its deposit). `build_deposit` builds the deposit from the payout's
balance transactions (`GET /v1/balance_transactions?payout=po_...`, the payout's own transaction included) and
the sync records of the Stripe objects they name: all lines or none (`Blocked`), and never a total that is not
the payout's amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from stripe_netsuite.money import from_minor
from stripe_netsuite.sync.deposit_blocks import BlockCode, Blocked, Problem
from stripe_netsuite.sync.deposit_facts import SyncedRecord, read_balance_transaction
from stripe_netsuite.sync.deposit_lines import DepositContext, DepositLines, add_transaction
from stripe_netsuite.sync.deposit_records import Deposit, DepositReversal
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.payments import currency_id
from stripe_netsuite.sync.stripe_facts import currency_of, id_of, integer_of, tran_date

__all__ = ["PayoutAction", "PayoutPlan", "arrival_day", "build_deposit", "classify_payout"]


def arrival_day(payout: Mapping[str, Any]) -> date:
    """The day the payout reaches the bank: the bank statement's date.

    Stripe gives `arrival_date` as midnight UTC of that day, so it is read in UTC: read in a time zone west
    of UTC it would fall on the day before, and the deposit would not match the statement line.
    """
    return tran_date(payout.get("arrival_date"), ZoneInfo("UTC"))


def _amount(payout: Mapping[str, Any]) -> int:
    return integer_of(payout, "amount", "payout")


def _payout_id(payout: Mapping[str, Any]) -> str:
    payout_id = id_of(payout)
    if payout_id is None:
        raise LedgerMappingError("a payout without an id cannot be deposited")
    return payout_id


def _money(minor: int, currency: str) -> str:
    return f"{from_minor(minor, currency)} {currency}"


class PayoutAction(Enum):
    """What the connector does with a payout."""

    DEPOSIT = "deposit"  # build and write its deposit
    WAIT = "wait"  # not paid yet: look again on a later run
    REVERSE = "reverse"  # write `PayoutPlan.reversal`
    MANUAL = "manual"  # report it: a person records it (`PayoutPlan.reason` says how)
    NOTHING = "nothing"  # no money moved


@dataclass(frozen=True)
class PayoutPlan:
    payout_id: str
    action: PayoutAction
    reason: str
    reversal: DepositReversal | None = None


def classify_payout(
    payout: Mapping[str, Any],
    *,
    deposit_id: str | None,
    settings: DepositSettings,
    currency_ids: Mapping[str, str],
    failed_at: int | None = None,
    zone: ZoneInfo | None = None,
) -> PayoutPlan:
    """What `payout` (a Stripe Payout as JSON) needs, given the internal id of its deposit if one was written.

    `failed_at` (the payout.failed event's time) and `zone` (the account's time zone) date a reversal.
    """
    payout_id, amount, status = _payout_id(payout), _amount(payout), payout.get("status")
    currency = currency_of(payout)
    money, day = _money(abs(amount), currency), arrival_day(payout).isoformat()
    if status in ("failed", "canceled"):
        if deposit_id is None:
            return PayoutPlan(payout_id, PayoutAction.MANUAL,
                              f"payout {payout_id} of {money} {status} before its deposit was written: "
                              "its money returns to Stripe and arrives in a later payout, whose deposit "
                              f"credits the {currency} clearing account with it; record by hand (Make "
                              f"Deposits) a deposit into that clearing account of exactly {money}: the "
                              "payments Stripe lists for the payout, its fees and refunds as cash back. "
                              "Until then its payments stay in Undeposited Funds and the clearing account "
                              "does not net to zero")
        return _reversal_plan(payout, payout_id, amount, currency, deposit_id, settings, currency_ids,
                              failed_at, zone)
    if not payout.get("automatic"):
        return PayoutPlan(payout_id, PayoutAction.MANUAL, (
            f"manual payout {payout_id} of {money} arriving {day}: Stripe lists the balance transactions of "
            "automatic payouts only, so the connector cannot tell which payments it holds; record a deposit "
            "of exactly that amount by hand (Make Deposits), choosing the payments it covers and the fees as "
            "cash back"))
    if status != "paid":
        return PayoutPlan(payout_id, PayoutAction.WAIT, f"payout {payout_id} is {status}, not paid")
    if amount < 0:
        return PayoutPlan(payout_id, PayoutAction.MANUAL, (
            f"debit payout {payout_id}: Stripe took {money} from the bank on {day} to cover a negative "
            "balance (refunds, disputes, fees); a deposit cannot be negative, so record the withdrawal by "
            "hand (a journal entry crediting the bank account and debiting the clearing and fee accounts of "
            "the transactions Stripe lists for it)"))
    if amount == 0:
        return PayoutPlan(payout_id, PayoutAction.NOTHING, f"payout {payout_id} moved no money")
    return PayoutPlan(payout_id, PayoutAction.DEPOSIT, f"payout {payout_id} of {money} arrived {day}")


def _reversal_plan(payout: Mapping[str, Any], payout_id: str, amount: int, currency: str, deposit_id: str,
                   settings: DepositSettings, currency_ids: Mapping[str, str], failed_at: int | None,
                   zone: ZoneInfo | None) -> PayoutPlan:
    bank, clearing = settings.bank_account(currency), settings.clearing_account(currency)
    if bank is None or clearing is None or failed_at is None or zone is None:
        return PayoutPlan(payout_id, PayoutAction.MANUAL,
                          f"payout {payout_id} failed after deposit {deposit_id} was written, and the "
                          f"connector lacks the {currency} bank or clearing account or the failure time to "
                          f"reverse it: move {_money(amount, currency)} from the bank account to the "
                          "clearing account by hand")
    reversal = DepositReversal(
        external_id=external_id(LedgerRecord.DEPOSIT_REVERSAL, payout_id), payout_id=payout_id,
        bank_account_id=bank, clearing_account_id=clearing, currency=currency,
        currency_id=currency_id(currency_ids, currency), amount=amount,
        tran_date=tran_date(failed_at, zone),
        memo=f"Stripe payout {payout_id} failed ({payout.get('failure_code') or 'no code'}): reverses "
             f"deposit {deposit_id}",
    )
    return PayoutPlan(payout_id, PayoutAction.REVERSE,
                      f"payout {payout_id} failed after deposit {deposit_id} was written: the bank "
                      f"account is credited back {_money(amount, currency)} to the clearing account",
                      reversal)


def build_deposit(
    payout: Mapping[str, Any],
    balance_transactions: Iterable[Mapping[str, Any]],
    records: Mapping[str, SyncedRecord],
    settings: DepositSettings,
    *,
    deposit_id: str | None = None,
) -> Deposit | Blocked:
    """The deposit of a paid automatic payout, or why it cannot be written.

    `records`: sync records by NetSuite externalId (`deposit_facts.index_records`); `deposit_id`: the internal
    id of this payout's deposit when an earlier run wrote it (its payments are not "already deposited").
    """
    payout_id, amount = _payout_id(payout), _amount(payout)
    if payout.get("status") != "paid" or not payout.get("automatic") or amount <= 0:
        raise LedgerMappingError(f"payout {payout_id} is not a paid automatic credit: classify_payout says "
                                 "what it needs")
    currency = currency_of(payout)
    own = id_of(payout.get("balance_transaction")) or payout_id
    bank = settings.bank_account(currency)
    if bank is None:
        mapped = ", ".join(sorted(settings.bank_accounts)) or "none"
        return Blocked(payout_id, (Problem(BlockCode.PAYOUT_CURRENCY_ACCOUNT_MISSING, own,
                                           f"no bank account is mapped for {currency} payouts (mapped: "
                                           f"{mapped})"),))
    ctx = DepositContext(payout_id, currency, settings, records, deposit_id)
    lines = DepositLines()
    for obj in balance_transactions:
        try:
            txn = read_balance_transaction(obj)
        except LedgerMappingError as error:
            lines.problems.append(Problem(BlockCode.UNSUPPORTED_TRANSACTION, str(obj.get("id")), str(error)))
            continue
        if txn.type == "payout" and txn.source == payout_id:
            continue  # the payout itself: its amount is what the lines must add up to
        add_transaction(lines, ctx, txn)
    if lines.problems:
        return Blocked(payout_id, tuple(lines.problems))
    lines.fee_lines(payout_id)
    deposit = Deposit(
        external_id=external_id(LedgerRecord.DEPOSIT, payout_id), payout_id=payout_id, account_id=bank,
        currency=currency, tran_date=arrival_day(payout), memo=f"Stripe payout {payout_id}",
        payments=tuple(lines.payments), other=tuple(lines.other), cashback=tuple(lines.cashback),
    )
    if deposit.total_minor != amount:
        return Blocked(payout_id, (Problem(
            BlockCode.UNEQUAL_AMOUNTS, own,
            f"the deposit's lines total {_money(deposit.total_minor, currency)} but payout {payout_id} is "
            f"{_money(amount, currency)}: a balance transaction of the payout is missing or counted twice "
            "(read every page of ?payout=)"),))
    return deposit

