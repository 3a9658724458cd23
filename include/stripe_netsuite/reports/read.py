"""Reading a report's `Ledger` from the state DB: Stripe objects, their sync records, deposits, quarantine.

A report of days shows the Stripe objects created on those days (payouts: arriving on them) and, whatever
their date, every problem still open: blocked or failed deposits, failed records, unresolved quarantine.
A report of one run shows what that run wrote or quarantined.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session

from stripe_netsuite.reports.ledger import (
    DisputeRow,
    FailedRow,
    Ledger,
    PaymentRow,
    PayoutRow,
    QuarantineRow,
    RefundRow,
    Scope,
)
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import QuarantineEntry, SyncRecord
from stripe_netsuite.store.stripe_objects import BalanceTransaction, Charge, Dispute, Payout, Refund
from stripe_netsuite.sync.deposits import arrival_day

__all__ = ["MAX_REPORT_DAYS", "read_ledger", "report_days"]

_CHUNK = 500  # ids per IN (...): well under SQLite's parameter limit
OPEN_DEPOSIT_PROBLEMS = ("blocked", "failed")
# The longest period one report reads (the state DB is read whole for it, and the charts stay legible).
MAX_REPORT_DAYS = 92


def _bounds(scope: Scope, zone: ZoneInfo) -> tuple[datetime, datetime]:
    assert scope.start is not None and scope.end is not None
    start = datetime.combine(scope.start, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(scope.end + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def _chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    listed = sorted(set(ids))
    for start in range(0, len(listed), _CHUNK):
        yield listed[start : start + _CHUNK]


def _sync(
    session: Session, record_type: str, ids: Iterable[str], *, by: str = "external_id"
) -> dict[str, Any]:
    """external id (or Stripe id) -> sync record, for one NetSuite record type."""
    column = SyncRecord.external_id if by == "external_id" else SyncRecord.stripe_id
    found: dict[str, Any] = {}
    for chunk in _chunks(ids):
        for record in session.scalars(
            select(SyncRecord).where(SyncRecord.netsuite_record_type == record_type, column.in_(chunk))
        ):
            found[record.external_id if by == "external_id" else record.stripe_id] = record
    return found


def _run_ids(session: Session, run_id: str) -> set[str]:
    return set(session.scalars(select(SyncRecord.stripe_id).where(SyncRecord.run_id == run_id)))


def _where(model: Any, scope: Scope, zone: ZoneInfo) -> list[Any]:
    if scope.run_id is not None:  # what the run wrote or quarantined, as subqueries: no id list to bind
        return [or_(
            model.id.in_(select(SyncRecord.stripe_id).where(SyncRecord.run_id == scope.run_id)),
            model.id.in_(select(QuarantineEntry.object_id).where(QuarantineEntry.run_id == scope.run_id)),
        )]  # fmt: skip
    start, end = _bounds(scope, zone)
    return [model.created >= start, model.created < end]


def _rows(session: Session, query: Any) -> Iterator[Any]:
    """A query's rows as the database sends them, CHUNK at a time: a month of a large account is read as
    the few columns a report shows, never as ORM objects with their raw JSON (kilobytes each)."""
    return iter(session.execute(query.execution_options(yield_per=_CHUNK)))


def _synced(model: Any, record_type: str) -> Any:
    """The outer join to an object's sync record (one per NetSuite record type and external id)."""
    return and_(SyncRecord.netsuite_record_type == record_type, SyncRecord.external_id == model.id)


def _payments(session: Session, where: Sequence[Any], zone: ZoneInfo) -> tuple[PaymentRow, ...]:
    txn = BalanceTransaction
    query = (
        select(Charge.id, Charge.created, Charge.amount, Charge.currency,
               Charge.raw["description"].as_string(), txn.amount, txn.currency, txn.fee, txn.exchange_rate,
               SyncRecord.status, SyncRecord.netsuite_internal_id, Charge.livemode, Charge.account)
        .outerjoin(txn, txn.id == Charge.balance_transaction)
        .outerjoin(SyncRecord, _synced(Charge, "customerPayment"))
        .where(Charge.status == "succeeded", Charge.validation_status != "quarantined", *where)
    )  # fmt: skip
    return tuple(
        PaymentRow(
            charge_id=charge_id, day=created.astimezone(zone).date(), amount=amount,
            currency=currency.upper(), description=str(description or ""),
            settled_amount=settled, settled_currency=settled_currency.upper() if settled_currency else None,
            fee=fee, exchange_rate=Decimal(rate) if rate is not None else None,
            sync_status=status or "", netsuite_id=netsuite_id, livemode=bool(livemode), account=account,
        )
        for (charge_id, created, amount, currency, description, settled, settled_currency, fee, rate, status,
             netsuite_id, livemode, account) in _rows(session, query)
    )  # fmt: skip


def _refunds(session: Session, where: Sequence[Any], zone: ZoneInfo) -> tuple[RefundRow, ...]:
    query = (
        select(Refund.id, Refund.charge, Refund.created, Refund.amount, Refund.currency, Refund.status,
               SyncRecord.status, SyncRecord.netsuite_internal_id, Refund.livemode, Refund.account)
        .outerjoin(SyncRecord, _synced(Refund, "customerRefund"))
        .where(Refund.validation_status != "quarantined", *where)
    )  # fmt: skip
    return tuple(
        RefundRow(r_id, charge, created.astimezone(zone).date(), amount, currency.upper(), status or "",
                  sync_status or "", netsuite_id, bool(livemode), account)
        for (r_id, charge, created, amount, currency, status, sync_status, netsuite_id, livemode, account)
        in _rows(session, query)
    )  # fmt: skip


def _disputes(session: Session, where: Sequence[Any], zone: ZoneInfo) -> tuple[DisputeRow, ...]:
    query = (
        select(Dispute.id, Dispute.charge, Dispute.created, Dispute.amount, Dispute.currency, Dispute.status,
               Dispute.reason, SyncRecord.status, SyncRecord.netsuite_internal_id, Dispute.livemode,
               Dispute.account)
        .outerjoin(SyncRecord, _synced(Dispute, "customerRefund"))
        .where(Dispute.validation_status != "quarantined", *where)
    )  # fmt: skip
    return tuple(
        DisputeRow(d_id, charge, created.astimezone(zone).date(), amount, currency.upper(), status or "",
                   reason or "", sync_status or "", netsuite_id, bool(livemode), account)
        for (d_id, charge, created, amount, currency, status, reason, sync_status, netsuite_id, livemode,
             account) in _rows(session, query)
    )  # fmt: skip


def _payout_row(payout: Payout, deposit: Any, reversal: Any) -> PayoutRow:
    detail = (deposit.detail or {}) if deposit else {}
    synced = deposit is not None and deposit.status == "synced"
    return PayoutRow(
        payout_id=payout.id, arrival=arrival_day(payout.raw), amount=payout.amount,
        currency=payout.currency.upper(), status=payout.status or "", automatic=bool(payout.automatic),
        deposit_status=deposit.status if deposit else "",
        deposit_id=deposit.netsuite_internal_id if deposit else None,
        deposit_amount=detail.get("amount") if synced else None,
        code=detail.get("code"), balance_transaction=detail.get("balance_transaction"),
        reason=(deposit.last_error or "") if deposit and not synced else "",
        problems=tuple(
            (str(p.get("code") or ""), str(p.get("balance_transaction") or ""), str(p.get("reason") or ""))
            for p in (detail.get("problems") or []) if isinstance(p, dict)
        ) if not synced else (),
        reversal_id=reversal.netsuite_internal_id if reversal and reversal.status == "synced" else None,
        livemode=bool(payout.livemode), account=payout.account,
    )  # fmt: skip


def _payouts(session: Session, scope: Scope, run_ids: set[str] | None) -> tuple[PayoutRow, ...]:
    if run_ids is not None:
        ids = run_ids
    else:
        # Arrival is a UTC day (sync.deposits.arrival_day): pick by the UTC midnight Stripe gives.
        assert scope.start is not None and scope.end is not None
        start = datetime.combine(scope.start, time(), tzinfo=UTC)
        end = datetime.combine(scope.end + timedelta(days=1), time(), tzinfo=UTC)
        arriving = session.scalars(select(Payout.id).where(Payout.arrival_date >= start,
                                                           Payout.arrival_date < end))
        stuck = session.scalars(select(SyncRecord.stripe_id).where(
            SyncRecord.netsuite_record_type == "deposit", SyncRecord.status.in_(OPEN_DEPOSIT_PROBLEMS)))
        ids = set(arriving) | set(stuck)  # fmt: skip
    payouts = [p for part in _chunks(ids) for p in session.scalars(select(Payout).where(Payout.id.in_(part)))]
    deposits = _sync(session, "deposit", (p.id for p in payouts), by="stripe_id")
    reversals = _sync(session, "journalEntry", (p.id for p in payouts), by="stripe_id")
    return tuple(_payout_row(p, deposits.get(p.id), reversals.get(p.id)) for p in payouts)


def _failed(session: Session, run_id: str | None) -> tuple[FailedRow, ...]:
    query = select(SyncRecord).where(SyncRecord.status == "failed")
    if run_id is not None:
        query = query.where(SyncRecord.run_id == run_id)
    return tuple(
        FailedRow(r.stripe_id, r.stripe_object_type, r.netsuite_record_type, r.external_id, r.attempts,
                  r.last_error or "", r.run_id, r.updated_at)
        for r in session.scalars(query)
    )  # fmt: skip


def _quarantined(session: Session, run_id: str | None) -> tuple[QuarantineRow, ...]:
    query = select(QuarantineEntry)
    if run_id is not None:
        query = query.where(QuarantineEntry.run_id == run_id)
    else:
        query = query.where(QuarantineEntry.resolved_at.is_(None))
    return tuple(
        QuarantineRow(q.object_type, q.object_id, q.check_name, q.reason, q.run_id, q.created_at, q.account)
        for q in session.scalars(query)
    )


def read_ledger(engine: Engine, scope: Scope, zone: ZoneInfo) -> Ledger:
    """The rows a report of `scope` shows; days are read in `zone` (the NetSuite account's time zone)."""
    with session_scope(engine) as session:
        run_ids = _run_ids(session, scope.run_id) if scope.run_id is not None else None
        quarantined = _quarantined(session, scope.run_id)
        if run_ids is not None:
            run_ids |= {q.object_id for q in quarantined}
        return Ledger(
            scope=scope,
            payments=_payments(session, _where(Charge, scope, zone), zone),
            refunds=_refunds(session, _where(Refund, scope, zone), zone),
            disputes=_disputes(session, _where(Dispute, scope, zone), zone),
            payouts=_payouts(session, scope, run_ids),
            failed=_failed(session, scope.run_id),
            quarantined=quarantined,
        )


def report_days(end: date, days: int) -> Scope:
    """The scope of `days` days ending on `end` (a daily report: days=1)."""
    if days < 1:
        raise ValueError("a report covers at least one day")
    if days > MAX_REPORT_DAYS:
        raise ValueError(f"a report covers at most {MAX_REPORT_DAYS} days (a quarter); asked for {days}")
    return Scope(start=end - timedelta(days=days - 1), end=end)
