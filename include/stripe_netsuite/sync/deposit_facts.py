"""What the deposit builder is given: Stripe's balance transactions, read strictly, and the sync records.

The loader fills `SyncedRecord`s from its sync table and NetSuite; the builder never reads either itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stripe_netsuite.money import MoneyError, normalize_currency
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.stripe_facts import id_of, integer_of

__all__ = ["BalanceTransaction", "Fee", "SyncedRecord", "index_records", "read_balance_transaction"]


@dataclass(frozen=True)
class SyncedRecord:
    """A NetSuite record the ledger wrote (or tried to write) for a Stripe object.

    - internal_id: None while it is not in NetSuite (not loaded yet, or its load failed: `sync_error`).
    - currency / amount: the record's own currency (the charge's) and total, in that currency's minor units.
    - stripe_amount: what Stripe says the object is (a charge's captured amount), in the same units.
    - account_id: the account a payment posts to (it must be Undeposited Funds to be deposited).
    - deposit_id: the internal id of the deposit that holds the payment, None while undeposited.
    - customer_currencies: the currencies the record's NetSuite customer may transact in.
    """

    record: LedgerRecord
    stripe_id: str
    internal_id: str | None
    currency: str
    amount: int | None = None
    stripe_amount: int | None = None
    account_id: str | None = None
    deposit_id: str | None = None
    customer_id: str | None = None
    customer_currencies: frozenset[str] = frozenset()
    sync_error: str | None = None

    @property
    def external_id(self) -> str:
        return external_id(self.record, self.stripe_id)


def index_records(records: Iterable[SyncedRecord]) -> dict[str, SyncedRecord]:
    """Sync records by NetSuite externalId, as the builder looks them up."""
    return {record.external_id: record for record in records}


@dataclass(frozen=True)
class Fee:
    """One of a balance transaction's fee_details: its type and amount (minor units, may be negative)."""

    type: str
    amount: int


@dataclass(frozen=True)
class BalanceTransaction:
    """The fields of a Stripe balance transaction the deposit needs, amounts in minor units."""

    id: str
    type: str
    reporting_category: str
    source: str | None
    currency: str
    amount: int
    fee: int
    net: int
    fees: tuple[Fee, ...]


def _int(obj: Mapping[str, Any], field: str) -> int:
    return integer_of(obj, field, "balance transaction")


def read_balance_transaction(obj: Mapping[str, Any]) -> BalanceTransaction:
    """A Stripe BalanceTransaction (JSON) read strictly: amounts must add up as Stripe defines them."""
    txn_id = id_of(obj)
    if txn_id is None:
        raise LedgerMappingError("a balance transaction without an id cannot be deposited")
    try:
        currency = normalize_currency(str(obj.get("currency") or ""))
    except MoneyError:
        raise LedgerMappingError(f"balance transaction {txn_id} has no currency Stripe supports") from None
    amount, fee, net = _int(obj, "amount"), _int(obj, "fee"), _int(obj, "net")
    fees = []
    for detail in obj.get("fee_details") or []:
        if not isinstance(detail, Mapping):
            raise LedgerMappingError(f"balance transaction {txn_id} has a fee detail that is not an object")
        fees.append(Fee(str(detail.get("type") or "stripe_fee"), _int({**detail, "id": txn_id}, "amount")))
    if amount - fee != net or (fees and sum(f.amount for f in fees) != fee):
        raise LedgerMappingError(f"balance transaction {txn_id}: amount {amount} - fee {fee} is not net "
                                 f"{net}, or its fee details do not add up to its fee")
    if fee and not fees:
        fees = [Fee("stripe_fee", fee)]
    return BalanceTransaction(txn_id, str(obj.get("type") or ""), str(obj.get("reporting_category") or ""),
                              id_of(obj.get("source")), currency, amount, fee, net, tuple(fees))
