"""What the deposit loader reads before building: payouts and their balance transactions from the state DB,
the sync records of the Stripe objects they name, and those records' facts from NetSuite (SuiteQL, batched).

A payment's `SyncedRecord` is filled from NetSuite, not from what the loader remembers writing: its amount,
its account (mainline: Undeposited Funds or a bank), the deposit that already holds it and its customer's
currencies are what the builder checks, so a record changed by hand in NetSuite blocks instead of passing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from stripe_netsuite.money import normalize_currency, to_minor
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import SyncRecord
from stripe_netsuite.store.stripe_objects import BalanceTransaction, Charge, Payout
from stripe_netsuite.sync.deposit_facts import SyncedRecord
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id, parse_external_id
from stripe_netsuite.sync.load_facts import BATCH, SuiteQL, customers_by_id
from stripe_netsuite.sync.stripe_facts import charge_amount, currency_of

__all__ = [
    "PayoutRows",
    "deposit_ids",
    "read_payout",
    "synced_records",
]

QUARANTINED = "quarantined"
SYNCED = "synced"


@dataclass(frozen=True)
class PayoutRows:
    """A payout as stored by stripe_sync, with the balance transactions listed for it (`?payout=`)."""

    payout: dict[str, Any]
    transactions: list[dict[str, Any]]
    failed_at: int | None  # when its failure balance transaction was created (dates a reversal)


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    unique = sorted(set(values))
    for start in range(0, len(unique), BATCH):
        yield unique[start : start + BATCH]


def _texts(values: list[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def _digits(values: Iterable[str]) -> str:
    checked = [value for value in values if value.isdigit()]  # internal ids only: nothing breaks out
    return ", ".join(checked)


def read_payout(engine: Engine, payout_id: str) -> PayoutRows | None:
    """The stored payout and its stored balance transactions (quarantined rows left out); None if unknown."""
    with session_scope(engine) as session:
        row = session.execute(
            select(Payout.raw, Payout.failure_balance_transaction).where(
                Payout.id == payout_id, Payout.validation_status != QUARANTINED
            )
        ).first()
        if row is None:
            return None
        transactions = [
            dict(raw)
            for raw in session.scalars(
                select(BalanceTransaction.raw)
                .where(
                    BalanceTransaction.payout == payout_id,
                    BalanceTransaction.validation_status != QUARANTINED,
                )
                .order_by(BalanceTransaction.created, BalanceTransaction.id)
            )
        ]
        failed_at = None
        if row.failure_balance_transaction:
            failure = session.scalars(
                select(BalanceTransaction.raw).where(BalanceTransaction.id == row.failure_balance_transaction)
            ).first()
            created = (failure or {}).get("created")
            failed_at = created if isinstance(created, int) else None
        return PayoutRows(dict(row.raw), transactions, failed_at)


def deposit_ids(netsuite: SuiteQL, payout_ids: Iterable[str]) -> dict[str, str]:
    """payout id -> the internal id of the deposit NetSuite holds under its external id (crash-proof)."""
    wanted = {external_id(LedgerRecord.DEPOSIT, p): p for p in payout_ids}
    found: dict[str, str] = {}
    for chunk in _chunks(wanted):
        for row in netsuite.suiteql(
            "SELECT t.id, t.externalid FROM transaction t WHERE t.type = 'Deposit'"
            f" AND t.externalid IN ({_texts(chunk)}) ORDER BY t.id"
        ):
            found[wanted[str(row["externalid"])]] = str(row["id"])
    return found


def _sync_rows(engine: Engine, sources: set[str]) -> list[tuple[LedgerRecord, str, Any]]:
    """The ledger's sync records for these Stripe ids: payments, refunds, failed-debit refunds, and the
    payments that took back a failed refund's money."""
    prefixed = (LedgerRecord.FAILED_PAYMENT_REFUND, LedgerRecord.REFUND_FAILURE)
    candidates = {*sources, *(external_id(record, s) for record in prefixed for s in sources)}
    found = []
    with session_scope(engine) as session:
        for chunk in _chunks(candidates):
            for row in session.scalars(
                select(SyncRecord).where(
                    SyncRecord.external_id.in_(chunk),
                    SyncRecord.netsuite_record_type.in_(("customerPayment", "customerRefund")),
                )
            ):
                parsed = parse_external_id(row.netsuite_record_type, row.external_id)
                if parsed is not None:
                    session.expunge(row)
                    found.append((parsed[0], parsed[1], row))
    return found


def _charges(engine: Engine, charge_ids: set[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with session_scope(engine) as session:
        for chunk in _chunks(charge_ids):
            for charge_id, raw in session.execute(select(Charge.id, Charge.raw).where(Charge.id.in_(chunk))):
                found[charge_id] = dict(raw)
    return found


@dataclass(frozen=True)
class _Facts:
    currency: str
    amount: int
    account_id: str | None
    customer_id: str | None


def _netsuite_facts(
    netsuite: SuiteQL, internal_ids: set[str], symbols: Mapping[str, str]
) -> dict[str, _Facts]:
    found: dict[str, _Facts] = {}
    for chunk in _chunks(internal_ids):
        for row in netsuite.suiteql(
            "SELECT t.id, t.currency, t.foreigntotal, t.entity, tl.account FROM transaction t"
            " JOIN transactionline tl ON tl.transaction = t.id"
            f" WHERE tl.mainline = 'T' AND t.id IN ({_digits(chunk)}) ORDER BY t.id"
        ):
            currency = symbols.get(str(row["currency"]), "")
            if not currency:
                continue
            account, entity = row.get("account"), row.get("entity")
            found[str(row["id"])] = _Facts(
                currency,
                abs(to_minor(Decimal(str(row.get("foreigntotal") or 0)), currency)),
                str(account) if account not in (None, "") else None,
                str(entity) if entity not in (None, "") else None,
            )
    return found


def _deposited(netsuite: SuiteQL, payment_ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(payment_ids):
        for row in netsuite.suiteql(
            "SELECT l.previousdoc, l.nextdoc FROM nexttransactionlinelink l WHERE l.linktype = 'Deposit'"
            f" AND l.previousdoc IN ({_digits(chunk)}) ORDER BY l.previousdoc, l.nextdoc"
        ):
            found.setdefault(str(row["previousdoc"]), str(row["nextdoc"]))
    return found


def synced_records(
    engine: Engine, netsuite: SuiteQL, transactions: Iterable[Mapping[str, Any]], symbols: Mapping[str, str]
) -> list[SyncedRecord]:
    """The SyncedRecords of what `transactions` name; `symbols`: NetSuite currency id -> ISO code.

    A record that is not in NetSuite (failed, pending) comes with its error, so the block says why.
    """
    sources = {str(t["source"]) for t in transactions if isinstance(t.get("source"), str)}
    rows = _sync_rows(engine, sources)
    loaded = {r.netsuite_internal_id for _, _, r in rows if r.status == SYNCED and r.netsuite_internal_id}
    facts = _netsuite_facts(netsuite, loaded, symbols)
    payments = {row.netsuite_internal_id for kind, _, row in rows if kind is LedgerRecord.PAYMENT}
    deposits = _deposited(netsuite, {p for p in payments if p in facts})
    entities = {f.customer_id for f in facts.values() if f.customer_id}
    customers = customers_by_id(netsuite, entities, dict(symbols))
    charges = _charges(engine, {stripe_id for kind, stripe_id, _ in rows if kind is LedgerRecord.PAYMENT})
    records = []
    for kind, stripe_id, row in rows:
        fact = facts.get(row.netsuite_internal_id or "") if row.status == SYNCED else None
        if fact is None:
            error = row.last_error or f"its sync record is {row.status}"
            currency = normalize_currency(str((row.detail or {}).get("currency") or "usd"))
            records.append(SyncedRecord(kind, stripe_id, None, currency, sync_error=error))
            continue
        internal_id = str(row.netsuite_internal_id)
        stripe_amount = None
        charge = charges.get(stripe_id)
        if kind is LedgerRecord.PAYMENT and charge is not None:
            stripe_amount = to_minor(charge_amount(charge, currency_of(charge)), currency_of(charge))
        customer = customers.get(fact.customer_id or "")
        records.append(
            SyncedRecord(
                kind, stripe_id, internal_id, fact.currency, amount=fact.amount, stripe_amount=stripe_amount,
                account_id=fact.account_id, deposit_id=deposits.get(internal_id),
                customer_id=fact.customer_id,
                customer_currencies=frozenset(customer.currencies) if customer else frozenset(),
            )
        )  # fmt: skip
    return records
