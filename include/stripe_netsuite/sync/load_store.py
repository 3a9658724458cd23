"""The loader's side of the state DB: ready Stripe rows in, one sync record per ledger record out.

Only `ready` rows are read (validation has passed them; quarantined rows never load). A sync record is keyed
like the NetSuite record it stands for (record type + external id) and remembers, in `detail`, what later
steps need: a payment's ORIGINAL applications (refunds are computed from them, never from what NetSuite
shows after earlier refunds), a reversal's credit memo, and whether the id reached the Stripe object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import SyncRecord
from stripe_netsuite.store.stripe_objects import (
    BalanceTransaction,
    Charge,
    Customer,
    Dispute,
    PaymentIntent,
    Refund,
    StripeObject,
)
from stripe_netsuite.sync.records import ApplyLine
from stripe_netsuite.sync.refunds import RecordedPayment

__all__ = [
    "ReadyRows",
    "SyncState",
    "SyncWrite",
    "failure_transactions",
    "payment_detail",
    "read_ready",
    "read_related",
    "read_reversals_of",
    "read_sync_records",
    "recorded_payment",
    "refund_failure_transactions",
    "refund_transactions",
    "save_sync_record",
    "save_sync_records",
]

READY = "ready"


@dataclass
class ReadyRows:
    """Raw JSON of ready rows by Stripe id, with the account each lives in."""

    charges: dict[str, dict[str, Any]]
    refunds: dict[str, dict[str, Any]]
    disputes: dict[str, dict[str, Any]]
    accounts: dict[str, str]


def _rows(engine: Engine, model: type[StripeObject], where: Sequence[Any]) -> list[tuple[str, str, Any]]:
    with session_scope(engine) as session:
        return [
            (row.id, row.account, row.raw)
            for row in session.execute(
                select(model.id, model.account, model.raw)
                .where(model.validation_status == READY, *where)
                .order_by(model.created, model.id)
            )
        ]


def _created_within(model: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    """`since` <= created < `until` (either end open when None)."""
    return [*([] if since is None else [model.created >= since]),
            *([] if until is None else [model.created < until])]  # fmt: skip


def read_ready(
    engine: Engine,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    stripe_ids: Sequence[str] | None = None,
) -> ReadyRows:
    """Ready charges, refunds and disputes: created in [`since`, `until`), or `stripe_ids` with their
    charges (a backfill of a period names both ends)."""
    result = ReadyRows({}, {}, {}, {})
    for model, into in ((Refund, result.refunds), (Dispute, result.disputes)):
        where: list[Any] = _created_within(model, since, until)
        if stripe_ids is not None:
            where.append(model.id.in_(stripe_ids) | model.charge.in_(stripe_ids))
        for stripe_id, account, raw in _rows(engine, model, where):
            into[stripe_id] = raw
            result.accounts[stripe_id] = account
    where = _created_within(Charge, since, until)
    if stripe_ids is not None:  # a named refund or dispute needs its charge's payment
        parents = [str(r.get("charge")) for r in (*result.refunds.values(), *result.disputes.values())]
        where.append(Charge.id.in_([*stripe_ids, *parents]))
    for stripe_id, account, raw in _rows(engine, Charge, where):
        result.charges[stripe_id] = raw
        result.accounts[stripe_id] = account
    return result


def read_reversals_of(
    engine: Engine, charge_ids: Iterable[str]
) -> dict[str, list[tuple[dict[str, Any], str]]]:
    """charge id -> every stored refund and dispute of it (raw JSON, validation status), in any state."""
    ids = sorted(set(charge_ids))
    found: dict[str, list[tuple[dict[str, Any], str]]] = {}
    with session_scope(engine) as session:
        for model in (Refund, Dispute):
            for start in range(0, len(ids), 500):
                rows = session.execute(
                    select(model.charge, model.raw, model.validation_status).where(
                        model.charge.in_(ids[start : start + 500])
                    )
                )
                for charge_id, raw, status in rows:
                    found.setdefault(str(charge_id), []).append((raw, status))
    return found


def read_related(engine: Engine, charges: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """PaymentIntents, Stripe customers and balance transactions the charges name (not quarantined), by id."""
    model: type[StripeObject]
    wanted: dict[type[StripeObject], set[str]] = {
        PaymentIntent: set(),
        Customer: set(),
        BalanceTransaction: set(),
    }
    for charge in charges:
        for field, model in (
            ("payment_intent", PaymentIntent),
            ("customer", Customer),
            ("balance_transaction", BalanceTransaction),
        ):
            value = charge.get(field)
            value = value.get("id") if isinstance(value, Mapping) else value
            if isinstance(value, str):
                wanted[model].add(value)
    found: dict[str, dict[str, Any]] = {}
    with session_scope(engine) as session:
        for model, ids in wanted.items():
            for start in range(0, len(ids), 500):
                chunk = sorted(ids)[start : start + 500]
                for object_id, raw in session.execute(
                    select(model.id, model.raw).where(
                        model.id.in_(chunk), model.validation_status != "quarantined"
                    )
                ):
                    found[object_id] = raw
    return found


def failure_transactions(engine: Engine, charge_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """charge id -> the balance transaction that took a failed bank debit back out of the balance."""
    return _transactions_by_source(engine, charge_ids, ("payment_failure_refund",))


def refund_transactions(engine: Engine, refund_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """refund id -> its balance transaction, whose exchange rate (Stripe's of the day the refund left the
    balance) the customer refund of a converted charge must carry: at NetSuite's own rate of that day, the
    clearing account it is paid from would not net to zero against the deposit's cash back line."""
    return _transactions_by_source(engine, refund_ids, ("refund", "payment_refund"))


def refund_failure_transactions(engine: Engine, refund_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """transaction id -> the `refund_failure` transaction that returned a failed refund's money, keyed by its
    own id (the refund's `failure_balance_transaction`): the refund's id already keys its outgoing one."""
    by_refund = _transactions_by_source(engine, refund_ids, ("refund_failure",))
    return {str(raw.get("id")): raw for raw in by_refund.values()}


def _transactions_by_source(
    engine: Engine, sources: Iterable[str], types: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    ids = sorted(set(sources))
    found: dict[str, dict[str, Any]] = {}
    with session_scope(engine) as session:
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(BalanceTransaction.source, BalanceTransaction.raw).where(
                    BalanceTransaction.source.in_(ids[start : start + 500]),
                    BalanceTransaction.type.in_(types),
                )
            )
            for source, raw in rows:
                found[str(source)] = raw
    return found


@dataclass
class SyncState:
    """A sync record as the loader reads it."""

    stripe_id: str
    record_type: str
    external_id: str
    status: str
    internal_id: str | None
    attempts: int
    last_error: str | None
    detail: dict[str, Any]


def read_sync_records(
    engine: Engine, stripe_ids: Iterable[str] | None = None
) -> dict[tuple[str, str], SyncState]:
    """(record type, external id) -> sync record, for these Stripe ids (all when None)."""
    found: dict[tuple[str, str], SyncState] = {}
    with session_scope(engine) as session:
        query = select(SyncRecord)
        chunks: list[list[str] | None] = [None]
        if stripe_ids is not None:
            ids = sorted(set(stripe_ids))
            chunks = [ids[start : start + 500] for start in range(0, len(ids), 500)]
        for chunk in chunks:
            selected = query if chunk is None else query.where(SyncRecord.stripe_id.in_(chunk))
            for row in session.scalars(selected):
                found[(row.netsuite_record_type, row.external_id)] = SyncState(
                    row.stripe_id,
                    row.netsuite_record_type,
                    row.external_id,
                    row.status,
                    row.netsuite_internal_id,
                    row.attempts,
                    row.last_error,
                    dict(row.detail or {}),
                )
    return found


@dataclass(frozen=True)
class SyncWrite:
    """One change to the sync record of a ledger record (keyed by record type + external id)."""

    stripe_id: str
    stripe_object_type: str
    record_type: str
    external_id: str
    status: str
    run_id: str
    internal_id: str | None = None
    error: str | None = None
    detail: Mapping[str, Any] | None = None
    attempted: bool = True


def save_sync_records(engine: Engine, writes: Sequence[SyncWrite]) -> None:
    """Apply the changes in order, in one transaction (a record named twice gets both, the later last)."""
    if not writes:
        return
    with session_scope(engine) as session:
        rows: dict[tuple[str, str], SyncRecord] = {}
        ids = sorted({w.external_id for w in writes})
        for start in range(0, len(ids), 500):
            for row in session.scalars(
                select(SyncRecord).where(SyncRecord.external_id.in_(ids[start : start + 500]))
            ):
                rows[(row.netsuite_record_type, row.external_id)] = row
        for write in writes:
            key = (write.record_type, write.external_id)
            found = rows.get(key)
            if found is None:
                found = rows[key] = SyncRecord(
                    stripe_id=write.stripe_id,
                    stripe_object_type=write.stripe_object_type,
                    netsuite_record_type=write.record_type,
                    external_id=write.external_id,
                    attempts=0,
                )
                session.add(found)
            row = found
            row.status = write.status
            row.run_id = write.run_id
            row.attempts = (row.attempts or 0) + (1 if write.attempted else 0)
            row.last_error = write.error
            if write.internal_id is not None:
                row.netsuite_internal_id = write.internal_id
            if write.detail is not None:
                row.detail = {**(row.detail or {}), **write.detail}


def save_sync_record(
    engine: Engine,
    *,
    stripe_id: str,
    stripe_object_type: str,
    record_type: str,
    external_id: str,
    status: str,
    run_id: str,
    internal_id: str | None = None,
    error: str | None = None,
    detail: Mapping[str, Any] | None = None,
    attempted: bool = True,
) -> None:
    """Create or update the sync record of one ledger record (keyed by record type + external id)."""
    write = SyncWrite(
        stripe_id, stripe_object_type, record_type, external_id, status, run_id, internal_id, error, detail,
        attempted,
    )  # fmt: skip
    save_sync_records(engine, [write])


def payment_detail(payment: RecordedPayment) -> dict[str, Any]:
    """What a payment's sync record keeps so that its reversals can be built on any later run."""
    return {
        "customer_id": payment.customer_id,
        "currency": payment.currency,
        "currency_id": payment.currency_id,
        "amount": str(payment.amount),
        "subsidiary_id": payment.subsidiary_id,
        "applications": [[line.doc_id, str(line.amount)] for line in payment.applications],
    }


def recorded_payment(state: SyncState) -> RecordedPayment | None:
    """The payment as it was first recorded, from its sync record; None when the record lacks it."""
    detail = state.detail
    if state.internal_id is None or "applications" not in detail:
        return None
    return RecordedPayment(
        state.internal_id,
        state.stripe_id,
        str(detail["customer_id"]),
        str(detail["currency"]),
        str(detail["currency_id"]),
        Decimal(str(detail["amount"])),
        tuple(ApplyLine(str(doc), Decimal(str(amount))) for doc, amount in detail["applications"]),
        detail.get("subsidiary_id"),
    )
