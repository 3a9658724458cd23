"""Reading a report's `Ledger` from the state DB: Stripe objects, their sync records, deposits, quarantine.

A report of days shows the Stripe objects created on those days (payouts: arriving on them) and, whatever
their date, every problem still open: blocked or failed deposits, failed records, unresolved quarantine.
A report of one run shows what that run wrote or quarantined.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select
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


def _state(record: Any) -> tuple[str, str | None]:
    """A sync record's status and NetSuite internal id ("" and None: not written yet)."""
    return (record.status, record.netsuite_internal_id) if record is not None else ("", None)


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


def _payments(session: Session, where: Sequence[Any], zone: ZoneInfo) -> tuple[PaymentRow, ...]:
    charges = session.scalars(
        select(Charge).where(Charge.status == "succeeded", Charge.validation_status != "quarantined", *where)
    ).all()
    txns: dict[str, BalanceTransaction] = {}
    for chunk in _chunks(c.balance_transaction for c in charges if c.balance_transaction):
        txns.update({t.id: t for t in session.scalars(select(BalanceTransaction).where(
            BalanceTransaction.id.in_(chunk)))})  # fmt: skip
    records = _sync(session, "customerPayment", (c.id for c in charges))
    rows = []
    for c in charges:
        txn = txns.get(c.balance_transaction or "")
        record = records.get(c.id)
        rows.append(PaymentRow(
            charge_id=c.id, day=c.created.astimezone(zone).date(), amount=c.amount,
            currency=c.currency.upper(),
            description=str(c.raw.get("description") or ""),
            settled_amount=txn.amount if txn else None,
            settled_currency=txn.currency.upper() if txn else None,
            fee=txn.fee if txn else None,
            exchange_rate=Decimal(txn.exchange_rate) if txn and txn.exchange_rate is not None else None,
            sync_status=record.status if record else "",
            netsuite_id=record.netsuite_internal_id if record else None,
            livemode=bool(c.livemode), account=c.account,
        ))  # fmt: skip
    return tuple(rows)


def _refunds(session: Session, where: Sequence[Any], zone: ZoneInfo) -> tuple[RefundRow, ...]:
    refunds = session.scalars(select(Refund).where(Refund.validation_status != "quarantined", *where)).all()
    records = _sync(session, "customerRefund", (r.id for r in refunds))
    return tuple(
        RefundRow(r.id, r.charge, r.created.astimezone(zone).date(), r.amount, r.currency.upper(),
                  r.status or "", *_state(records.get(r.id)), bool(r.livemode), r.account)
        for r in refunds
    )  # fmt: skip


def _disputes(session: Session, where: Sequence[Any], zone: ZoneInfo) -> tuple[DisputeRow, ...]:
    query = select(Dispute).where(Dispute.validation_status != "quarantined", *where)
    disputes = session.scalars(query).all()
    records = _sync(session, "customerRefund", (d.id for d in disputes))
    return tuple(
        DisputeRow(d.id, d.charge, d.created.astimezone(zone).date(), d.amount, d.currency.upper(),
                   d.status or "", d.reason or "", *_state(records.get(d.id)), bool(d.livemode), d.account)
        for d in disputes
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
