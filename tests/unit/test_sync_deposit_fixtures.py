"""Stripe payouts, balance transactions and sync records as the deposit builder gets them (no tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stripe_netsuite.money import exponent, from_minor
from stripe_netsuite.sync.deposit_facts import SyncedRecord, index_records
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.external_ids import LedgerRecord

# 2026-10-02 00:00:00 UTC: Stripe's arrival_date is midnight UTC of the arrival day.
ARRIVAL = 1790899200
PAYOUT = "po_1DepositTest0001"
PAYOUT_TXN = "txn_1PayoutItself0001"
BANK_USD, BANK_EUR = "20", "21"
FEES, APP_FEES, ADJUSTMENTS, UNDEPOSITED = "8", "31", "30", "7"
CLEARING = {"USD": "1", "GBP": "2", "EUR": "4", "JPY": "5", "KWD": "6"}


def deposit_settings(**changes: Any) -> DepositSettings:
    values: dict[str, Any] = {
        "bank_accounts": {"USD": BANK_USD, "EUR": BANK_EUR, "JPY": "22", "KWD": "23"},
        "fee_account_id": FEES,
        "adjustment_account_id": ADJUSTMENTS,
        "clearing_accounts": CLEARING,
        "undeposited_funds_account_id": UNDEPOSITED,
        "fee_accounts": {"application_fee": APP_FEES},
    }
    values.update(changes)
    return DepositSettings(**values)


def txn(
    txn_id: str,
    kind: str,
    amount: int,
    *,
    fee: int = 0,
    source: str | None = None,
    category: str | None = None,
    currency: str = "usd",
    fee_type: str = "stripe_fee",
    rate: float | None = None,
) -> dict[str, Any]:
    """A Stripe balance transaction as JSON (amount, fee, net in the settlement currency's minor units)."""
    details = (
        [{"amount": fee, "application": None, "currency": currency, "description": "fee", "type": fee_type}]
        if fee
        else []
    )
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": ARRIVAL - 86400,
        "created": ARRIVAL - 3 * 86400,
        "currency": currency,
        "description": None,
        "exchange_rate": rate,
        "fee": fee,
        "fee_details": details,
        "net": amount - fee,
        "reporting_category": category or kind,
        "source": source,
        "status": "available",
        "type": kind,
    }


def payout(
    amount: int,
    *,
    currency: str = "usd",
    status: str = "paid",
    automatic: bool = True,
    payout_id: str = PAYOUT,
) -> dict[str, Any]:
    return {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "arrival_date": ARRIVAL,
        "automatic": automatic,
        "balance_transaction": PAYOUT_TXN,
        "created": ARRIVAL - 86400,
        "currency": currency,
        "status": status,
        "failure_code": None,
        "method": "standard",
        "type": "bank_account",
    }


def paid(
    charge_id: str, internal_id: str, amount: int, *, currency: str = "USD", **changes: Any
) -> SyncedRecord:
    """A loaded customer payment in Undeposited Funds, equal to Stripe's charge, customer has the currency."""
    values: dict[str, Any] = {
        "record": LedgerRecord.PAYMENT,
        "stripe_id": charge_id,
        "internal_id": internal_id,
        "currency": currency,
        "amount": amount,
        "stripe_amount": amount,
        "account_id": UNDEPOSITED,
        "customer_id": "102",
        "customer_currencies": frozenset({"USD", "EUR", currency}),
    }
    values.update(changes)
    return SyncedRecord(**values)


def refunded(
    stripe_id: str, internal_id: str, *, currency: str = "USD", record: LedgerRecord = LedgerRecord.REFUND
) -> SyncedRecord:
    return SyncedRecord(record, stripe_id, internal_id, currency, account_id=CLEARING.get(currency))


@dataclass
class PayoutWorld:
    """A payout's balance transactions and the sync records they name; the payout is what they net to."""

    currency: str = "usd"
    transactions: list[dict[str, Any]] = field(default_factory=list)
    records: list[SyncedRecord] = field(default_factory=list)

    def add(self, transaction: dict[str, Any], *records: SyncedRecord) -> PayoutWorld:
        self.transactions.append(transaction)
        self.records.extend(records)
        return self

    @property
    def amount(self) -> int:
        return sum(t["net"] for t in self.transactions)

    def payout(self, **changes: Any) -> dict[str, Any]:
        return payout(self.amount, currency=self.currency, **changes)

    def listed(self) -> list[dict[str, Any]]:
        """What ?payout= lists: the transactions and the payout's own (amount = -payout)."""
        own = txn(PAYOUT_TXN, "payout", -self.amount, source=PAYOUT, currency=self.currency)
        return [*self.transactions, own]

    def index(self) -> dict[str, SyncedRecord]:
        return index_records(self.records)


def body_total_minor(body: dict[str, Any], currency: str) -> int:
    """A deposit body's total as NetSuite computes it: payments + other - cash back (test-side arithmetic)."""

    def total(name: str, field_name: str) -> Decimal:
        return sum((Decimal(line[field_name]) for line in body[name]["items"]), Decimal(0))

    major = total("payment", "paymentAmount") + total("other", "amount") - total("cashback", "amount")
    minor = major.scaleb(exponent(currency))
    assert minor == minor.to_integral_value(), f"{major} has more decimals than {currency}"
    return int(minor)


def major(minor: int, currency: str = "USD") -> str:
    return format(from_minor(minor, currency), "f")
