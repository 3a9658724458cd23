"""Writing payouts' deposits into NetSuite: one request per deposit, all or nothing, retried until it fits.

Shared by the netsuite_deposits DAG (one mapped task per payout) and the operator CLI (no Airflow here).

- `payouts_to_process`: the payouts a run looks at: paid automatic payouts without a written deposit (blocked
  ones included: they are built again on every run and unblock themselves once their cause is fixed),
  failed payouts whose deposit is written and not reversed yet, and payouts a person must record (manual,
  debit, failed before their deposit), which are reported on every run until someone marks them handled
  (deposit_load_handled; a handled payout is looked at only when named).
- `process_payout`: classify one payout and act: write its deposit (an upsert by external id: the whole
  record in one request, so NetSuite never holds part of one), record why it is blocked, write the reversal
  of a failed one, or report what to do by hand.

Every outcome is kept in the payout's sync record (record type `deposit`, external id = the payout id; a
reversal's is `journalEntry`, `rev-<payout id>`) with the code, balance transaction and reason of a block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from stripe_netsuite.money import from_minor
from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteNotFoundError, NetSuiteUserError
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import SyncRecord
from stripe_netsuite.store.stripe_objects import Payout
from stripe_netsuite.sync.deposit_blocks import Blocked
from stripe_netsuite.sync.deposit_facts import index_records
from stripe_netsuite.sync.deposit_load_facts import deposit_ids, read_payout, synced_records
from stripe_netsuite.sync.deposit_load_handled import HANDLED, handled_payouts
from stripe_netsuite.sync.deposit_load_write import write_deposit
from stripe_netsuite.sync.deposit_records import Deposit, DepositReversal
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.deposits import PayoutAction, arrival_day, build_deposit, classify_payout
from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id
from stripe_netsuite.sync.load_facts import currency_ids as read_currency_ids
from stripe_netsuite.sync.load_store import save_sync_record

__all__ = ["DEPOSITED", "PayoutOutcome", "payouts_to_process", "process_payout"]

DEPOSITED, UNCHANGED, BLOCKED, REVERSED, MANUAL, WAITING, FAILED = (
    "deposited", "unchanged", "blocked", "reversed", "manual", "waiting", "failed",
)  # fmt: skip
SYNCED = "synced"
PERMANENT = (LedgerMappingError, NetSuiteUserError, NetSuiteNotFoundError)


@dataclass(frozen=True)
class PayoutOutcome:
    """What one run did with one payout (amount in the payout currency's minor units)."""

    payout_id: str
    status: str  # deposited, unchanged, blocked, reversed, manual, handled, waiting, failed
    currency: str = ""
    amount: int = 0
    arrival_date: str = ""
    internal_id: str | None = None
    code: str | None = None
    balance_transaction: str | None = None
    reason: str = ""
    requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def money(self) -> str:
        return f"{from_minor(self.amount, self.currency)} {self.currency}" if self.currency else ""


def _sync_state(engine: Engine, payout_ids: Iterable[str]) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(record type, payout id) -> (status, internal id) of the deposits and reversals recorded."""
    ids = sorted(set(payout_ids))
    found: dict[tuple[str, str], tuple[str, str | None]] = {}
    with session_scope(engine) as session:
        for start in range(0, len(ids), 500):
            for row in session.execute(
                select(
                    SyncRecord.stripe_id, SyncRecord.netsuite_record_type, SyncRecord.status,
                    SyncRecord.netsuite_internal_id,
                ).where(
                    SyncRecord.stripe_id.in_(ids[start : start + 500]),
                    SyncRecord.netsuite_record_type.in_(("deposit", "journalEntry")),
                )
            ):  # fmt: skip
                found[(row.netsuite_record_type, row.stripe_id)] = (row.status, row.netsuite_internal_id)
    return found


def payouts_to_process(engine: Engine, payout_ids: Iterable[str] | None = None) -> list[str]:
    """The payouts a run must look at (all stored ones, or just `payout_ids`), oldest arrival first.

    A payout marked handled (recorded by hand) is left out unless it is named.
    """
    with session_scope(engine) as session:
        query = select(Payout.id, Payout.status, Payout.amount).where(
            Payout.validation_status != "quarantined"
        )
        if payout_ids is not None:
            query = query.where(Payout.id.in_(list(payout_ids)))
        rows = session.execute(query.order_by(Payout.arrival_date, Payout.id)).all()
    state = _sync_state(engine, (row.id for row in rows))
    handled = set() if payout_ids is not None else set(handled_payouts(engine))
    wanted = []
    for row in rows:
        if row.id in handled:
            continue  # recorded by hand: reported no more
        deposit = state.get(("deposit", row.id), ("", None))
        reversal = state.get(("journalEntry", row.id), ("", None))
        if row.status in ("pending", "in_transit") or row.amount == 0:
            continue  # not paid yet, or no money moved
        if row.status == "paid" and deposit[0] == SYNCED:
            continue  # deposited (a hand-recorded manual payout is never marked synced: it stays listed)
        if row.status in ("failed", "canceled") and reversal[0] == SYNCED:
            continue
        wanted.append(row.id)
    return wanted


def _record(engine: Engine, payout_id: str, kind: LedgerRecord, status: str, run_id: str, *,
            internal_id: str | None = None, error: str | None = None,
            detail: Mapping[str, Any] | None = None) -> None:
    save_sync_record(
        engine, stripe_id=payout_id, stripe_object_type="payout", record_type=kind.record_type,
        external_id=external_id(kind, payout_id), status=status, run_id=run_id, internal_id=internal_id,
        error=error, detail=detail,
    )  # fmt: skip


def _blocked(engine: Engine, blocked: Blocked, base: dict[str, Any], run_id: str) -> PayoutOutcome:
    problems = [
        {"code": p.code.code, "balance_transaction": p.balance_transaction, "reason": p.reason}
        for p in blocked.problems
    ]
    _record(engine, blocked.payout_id, LedgerRecord.DEPOSIT, "blocked", run_id, error=blocked.reason,
            detail={"code": blocked.code, "balance_transaction": blocked.balance_transaction,
                    "problems": problems})  # fmt: skip
    extra = f" (+{len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return PayoutOutcome(**base, status=BLOCKED, code=blocked.code,
                         balance_transaction=blocked.balance_transaction, reason=blocked.reason + extra)


def _deposit(engine: Engine, netsuite: NetSuiteClient, deposit: Deposit, base: dict[str, Any],
             run_id: str, known: str | None) -> PayoutOutcome:
    # One request carries the whole deposit: NetSuite creates or replaces it in one transaction.
    internal_id = write_deposit(netsuite, deposit, run_id)
    _record(engine, deposit.payout_id, LedgerRecord.DEPOSIT, SYNCED, run_id, internal_id=internal_id,
            detail={"amount": deposit.total_minor, "currency": deposit.currency,
                    "tran_date": deposit.tran_date.isoformat(), "payments": len(deposit.payments),
                    "code": None, "problems": []})  # fmt: skip
    reason = "" if known is None else f"completed deposit {known} written by an earlier, interrupted run"
    return PayoutOutcome(**base, status=DEPOSITED, internal_id=internal_id, reason=reason)


def _reverse(engine: Engine, netsuite: NetSuiteClient, reversal: DepositReversal, base: dict[str, Any],
             run_id: str, reason: str) -> PayoutOutcome:
    internal_id = netsuite.upsert(reversal.record_type, reversal.external_id, reversal.body(),
                                  replace=reversal.replace)
    _record(engine, reversal.payout_id, LedgerRecord.DEPOSIT_REVERSAL, SYNCED, run_id,
            internal_id=internal_id, detail={"amount": reversal.amount, "currency": reversal.currency,
                                             "tran_date": reversal.tran_date.isoformat()})  # fmt: skip
    return PayoutOutcome(**base, status=REVERSED, internal_id=internal_id, reason=reason)


def process_payout(
    engine: Engine,
    netsuite: NetSuiteClient,
    settings: DepositSettings,
    payout_id: str,
    *,
    run_id: str,
    zone: ZoneInfo,
    currency_ids: Mapping[str, str] | None = None,
) -> PayoutOutcome:
    """Do what one payout needs; NetSuite errors worth retrying propagate (the task or CLI run retries)."""
    started = netsuite.stats.requests
    rows = read_payout(engine, payout_id)
    if rows is None:
        return PayoutOutcome(payout_id, FAILED, reason=f"payout {payout_id} is not in the state DB (or is "
                             "quarantined): run stripe_sync first")
    payout = rows.payout
    base: dict[str, Any] = {"payout_id": payout_id, "currency": str(payout.get("currency") or "").upper(),
                            "amount": int(payout.get("amount") or 0)}
    handled = handled_payouts(engine, [payout_id]).get(payout_id)
    try:
        base["arrival_date"] = arrival_day(payout).isoformat()
        if handled is not None:  # a person recorded it: nothing to write, nothing to ask NetSuite
            return PayoutOutcome(**base, status=HANDLED, code=HANDLED, reason=handled.sentence)
        ids = dict(currency_ids) if currency_ids is not None else read_currency_ids(netsuite)
        deposit_id = deposit_ids(netsuite, [payout_id]).get(payout_id)
        plan = classify_payout(payout, deposit_id=deposit_id, settings=settings, currency_ids=ids,
                               failed_at=rows.failed_at, zone=zone)  # fmt: skip
        outcome = _act(engine, netsuite, settings, plan, rows, base, run_id, deposit_id, ids)
    except PERMANENT as error:
        _record(engine, payout_id, LedgerRecord.DEPOSIT, "failed", run_id, error=str(error))
        outcome = PayoutOutcome(**base, status=FAILED, reason=str(error))
    return PayoutOutcome(**{**outcome.as_dict(), "requests": netsuite.stats.requests - started})


def _act(engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, plan: Any, rows: Any,
         base: dict[str, Any], run_id: str, deposit_id: str | None, ids: Mapping[str, str]) -> PayoutOutcome:
    payout_id = plan.payout_id
    if plan.action is PayoutAction.WAIT or plan.action is PayoutAction.NOTHING:
        return PayoutOutcome(**base, status=WAITING, reason=plan.reason)
    if plan.action is PayoutAction.MANUAL:
        _record(engine, payout_id, LedgerRecord.DEPOSIT, "blocked", run_id, error=plan.reason,
                detail={"code": "manual", "problems": []})  # fmt: skip
        return PayoutOutcome(**base, status=MANUAL, code="manual", reason=plan.reason)
    if plan.action is PayoutAction.REVERSE:
        assert plan.reversal is not None  # classify_payout plans one with REVERSE
        return _reverse(engine, netsuite, plan.reversal, base, run_id, plan.reason)
    state = _sync_state(engine, [payout_id]).get(("deposit", payout_id), ("", None))
    if deposit_id is not None and state == (SYNCED, deposit_id):
        return PayoutOutcome(**base, status=UNCHANGED, internal_id=deposit_id)
    symbols = {value: key for key, value in ids.items()}
    records = synced_records(engine, netsuite, rows.transactions, symbols)
    built = build_deposit(rows.payout, rows.transactions, index_records(records), settings,
                          deposit_id=deposit_id)
    if isinstance(built, Blocked):
        return _blocked(engine, built, base, run_id)
    return _deposit(engine, netsuite, built, base, run_id, deposit_id)
