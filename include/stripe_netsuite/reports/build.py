"""The finance report of a ledger: reconciliation, payments, fees, refunds, disputes, failures, quarantine.

Pure: a `Ledger` in, a `FinanceReport` out; no database, no clock, no files. Sums are integer minor units per
currency (amounts in different currencies are never added); a fee share is fees over volume in the
settlement currency, where both are counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from stripe_netsuite.reports.ledger import Ledger, PayoutRow
from stripe_netsuite.reports.tables import Cell, FinanceReport, Link, Money, Percent, Table
from stripe_netsuite.reports.urls import RecordLinks
from stripe_netsuite.sync.deposit_blocks import BlockCode

__all__ = ["build_report", "dispute_outcome", "payout_state"]

_ACTIONS = {code.code: code.action for code in BlockCode}  # what to do, one home: sync.deposit_blocks
_MANUAL_ACTION = "record the deposit (or withdrawal) in NetSuite by hand"
SYNCED = "synced"


def dispute_outcome(status: str) -> str:
    """open, won, lost or closed (an inquiry that ended without a dispute)."""
    if status in ("won", "lost"):
        return status
    return "closed" if status == "warning_closed" else "open"


def payout_state(payout: PayoutRow) -> str:
    """Where a payout stands against NetSuite, in a few words."""
    if payout.reversal_id:
        return "reversed (payout failed)"
    if payout.deposit_status == SYNCED:
        return "deposited" if payout.deposit_amount in (None, payout.amount) else "deposited, total differs"
    if payout.deposit_status == "blocked":
        return "record by hand" if payout.code == "manual" else "blocked"
    if payout.deposit_status == "failed":
        return "failed"
    if payout.status in ("pending", "in_transit"):
        return "in transit"
    if payout.status == "paid":
        return "not deposited yet" if payout.automatic else "record by hand"
    return payout.status


def _what_to_do(payout: PayoutRow) -> str:
    if payout.deposit_status not in ("blocked", "failed"):
        return ""
    if len(payout.problems) > 1:  # each problem's own sentence: all must be fixed before the deposit fits
        return " ".join(reason for _code, _txn, reason in payout.problems)
    if payout.reason:
        return payout.reason  # the loader's sentence: what is wrong and what to do (sync.deposit_blocks)
    if payout.code == "manual":
        return _MANUAL_ACTION + "."
    action = _ACTIONS.get(payout.code or "")
    return f"{action[0].upper()}{action[1:]}." if action else "See the netsuite_deposits run report."


def _share(fee: int, volume: int) -> Percent | None:
    if volume == 0:
        return None
    return Percent((Decimal(fee) * 100 / Decimal(volume)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class _Builder:
    def __init__(self, ledger: Ledger, links: RecordLinks) -> None:
        self.ledger = ledger
        self.links = links

    def stripe(self, stripe_id: str | None, livemode: bool | None = None, account: str = "") -> Link | None:
        if not stripe_id:
            return None
        return Link(stripe_id, self.links.stripe(stripe_id, livemode=livemode, account=account))

    def netsuite(self, record_type: str, internal_id: str | None) -> Link | None:
        if not internal_id:
            return None
        return Link(f"{record_type} {internal_id}", self.links.netsuite(record_type, internal_id))

    def payouts(self) -> Table:
        rows: list[tuple[Cell, ...]] = []
        for p in sorted(self.ledger.payouts, key=lambda p: (p.arrival, p.payout_id)):
            deposit = self.netsuite("deposit", p.deposit_id)
            total = variance = None
            if p.deposit_amount is not None:
                total = Money(p.deposit_amount, p.currency)
                variance = Money(p.deposit_amount - p.amount, p.currency)
            txns = ", ".join(t for _c, t, _r in p.problems if t) if len(p.problems) > 1 else None
            rows.append((
                self.stripe(p.payout_id, p.livemode, p.account), p.arrival, Money(p.amount, p.currency),
                deposit, total, variance, payout_state(p), p.code or "",
                txns or p.balance_transaction or "", _what_to_do(p),
            ))  # fmt: skip
        return Table(
            "payouts", "Payouts and deposits",
            ("Payout", "Arrival", "Amount", "NetSuite deposit", "Deposit total", "Variance", "Status", "Code",
             "Balance transaction", "What to do"),
            tuple(rows), "Each payout and the NetSuite deposit written for it (variance = deposit - payout); "
            "a blocked one names the balance transactions that keep it from matching and what to do.",
        )  # fmt: skip

    def payments(self) -> Table:
        rows = []
        for p in sorted(self.ledger.payments, key=lambda p: (p.day, p.charge_id)):
            settled = Money(p.settled_amount, p.settled_currency) if (
                p.settled_amount is not None and p.settled_currency) else None
            fee = Money(p.fee, p.settled_currency) if p.fee is not None and p.settled_currency else None
            rows.append((
                self.stripe(p.charge_id, p.livemode, p.account), p.day, p.description,
                Money(p.amount, p.currency), settled, fee, p.exchange_rate,
                self.netsuite("customerPayment", p.netsuite_id), p.sync_status or "not loaded yet",
            ))  # fmt: skip
        return Table(
            "payments", "Payments",
            ("Charge", "Day", "Description", "Amount", "Settled", "Fee", "Exchange rate", "NetSuite payment",
             "Sync status"),
            tuple(rows), "Succeeded charges, what each settled as after conversion, and their payments.",
        )  # fmt: skip

    def loaded_by_day(self) -> Table:
        groups: dict[tuple[date, str], list[int]] = defaultdict(list)
        for p in self.ledger.payments:
            if p.sync_status == SYNCED:
                groups[(p.day, p.currency)].append(p.amount)
        rows = tuple(
            (day, currency, len(amounts), Money(sum(amounts), currency))
            for (day, currency), amounts in sorted(groups.items())
        )
        return Table("payments_by_day", "Payments loaded per day",
                     ("Day", "Currency", "Payments", "Amount"), rows,
                     "Customer payments written to NetSuite, by transaction day and charge currency.")

    def fees_by_day(self) -> Table:
        volume: dict[tuple[date, str], int] = defaultdict(int)
        fees: dict[tuple[date, str], int] = defaultdict(int)
        for p in self.ledger.payments:
            if p.settled_currency and p.settled_amount is not None:
                volume[(p.day, p.settled_currency)] += p.settled_amount
                fees[(p.day, p.settled_currency)] += p.fee or 0
        rows = tuple(
            (day, currency, Money(volume[(day, currency)], currency), Money(fees[(day, currency)], currency),
             _share(fees[(day, currency)], volume[(day, currency)]))
            for day, currency in sorted(volume)
        )  # fmt: skip
        return Table("fees_by_day", "Stripe fees per day", ("Day", "Currency", "Volume", "Fees", "Share"),
                     rows, "Fees and volume in the settlement currency; share = fees / volume.")

    def refunds(self) -> Table:
        rows = tuple(
            (self.stripe(r.refund_id, r.livemode, r.account), self.stripe(r.charge_id, r.livemode, r.account),
             r.day, Money(r.amount, r.currency), r.status,
             self.netsuite("customerRefund", r.netsuite_id), r.sync_status or "not loaded yet")
            for r in sorted(self.ledger.refunds, key=lambda r: (r.day, r.refund_id))
        )  # fmt: skip
        return Table("refunds", "Refunds",
                     ("Refund", "Charge", "Day", "Amount", "Stripe status", "NetSuite refund", "Sync status"),
                     rows)

    def disputes(self) -> Table:
        rows = tuple(
            (self.stripe(d.dispute_id, d.livemode, d.account),
             self.stripe(d.charge_id, d.livemode, d.account), d.day, Money(d.amount, d.currency),
             dispute_outcome(d.status), d.status, d.reason,
             self.netsuite("customerRefund", d.netsuite_id))
            for d in sorted(self.ledger.disputes, key=lambda d: (d.day, d.dispute_id))
        )  # fmt: skip
        return Table("disputes", "Disputes",
                     ("Dispute", "Charge", "Day", "Amount", "Outcome", "Stripe status", "Reason",
                      "NetSuite refund"), rows,
                     "A lost dispute is written as a customer refund; a won one reinstates the payment.")

    def refunds_and_disputes(self) -> Table:
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for r in self.ledger.refunds:
            if r.status not in ("failed", "canceled"):
                groups[("refunds", r.currency)].append(r.amount)
        for d in self.ledger.disputes:
            groups[(f"disputes {dispute_outcome(d.status)}", d.currency)].append(d.amount)
        rows = tuple(
            (kind, currency, len(amounts), Money(sum(amounts), currency))
            for (kind, currency), amounts in sorted(groups.items())
        )
        return Table("refunds_disputes", "Refunds and disputes", ("Kind", "Currency", "Count", "Amount"),
                     rows,
                     "Refunds (not failed or canceled) and disputes by outcome: open, won, lost.")

    def failed(self) -> Table:
        rows = tuple(
            (self.stripe(f.stripe_id), f.stripe_object_type, f.record_type, f.external_id, f.attempts,
             f.message, f.run_id or "", f.updated_at)
            for f in sorted(self.ledger.failed, key=lambda f: (f.updated_at, f.external_id))
        )
        return Table("failed", "Failed NetSuite records",
                     ("Stripe object", "Type", "NetSuite record", "External id", "Attempts",
                      "NetSuite's message", "Run", "Last tried"), rows,
                     "Fix the cause, then python -m stripe_netsuite.sync replay <Stripe id>.")

    def quarantine(self) -> Table:
        rows = tuple(
            (self.stripe(q.object_id, account=q.account), q.object_type, q.check_name, q.reason,
             q.run_id or "", q.created_at)
            for q in sorted(self.ledger.quarantined, key=lambda q: (q.created_at, q.object_id))
        )
        return Table("quarantine", "Quarantined Stripe objects",
                     ("Stripe object", "Type", "Failed expectation", "Reason", "Run", "Since"), rows,
                     "Held back from loading until the row passes validation.")


def _totals(amounts: Iterable[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for currency, amount in amounts:
        totals[currency] += amount
    return dict(sorted(totals.items()))


def _summary(ledger: Ledger) -> dict[str, Any]:
    loaded = [p for p in ledger.payments if p.sync_status == SYNCED]
    states: dict[str, int] = defaultdict(int)
    for payout in ledger.payouts:
        states[payout_state(payout)] += 1
    outcomes: dict[str, int] = defaultdict(int)
    for d in ledger.disputes:
        outcomes[dispute_outcome(d.status)] += 1
    return {
        "scope": ledger.scope.title,
        "payments": len(ledger.payments),
        "payments_loaded": len(loaded),
        "loaded_minor": _totals((p.currency, p.amount) for p in loaded),
        "fees_minor": _totals((p.settled_currency, p.fee) for p in ledger.payments
                              if p.settled_currency and p.fee is not None),
        "payouts": dict(sorted(states.items())),
        "blocked": sum(1 for p in ledger.payouts if p.deposit_status == "blocked" and p.code != "manual"),
        "refunds": len(ledger.refunds),
        "disputes": dict(sorted(outcomes.items())),
        "failed": len(ledger.failed),
        "quarantined": len(ledger.quarantined),
    }


def _series(ledger: Ledger, fees: Table) -> dict[str, list[dict[str, Any]]]:
    loaded: dict[tuple[date, str], int] = defaultdict(int)
    for p in ledger.payments:
        if p.sync_status == SYNCED:
            loaded[(p.day, p.currency)] += p.amount
    by_payment = [{"day": day.isoformat(), "currency": currency, "amount": Money(amount, currency).major()}
                  for (day, currency), amount in sorted(loaded.items())]
    shares = [{"day": row[0].isoformat(), "currency": row[1], "share": row[4].value}  # type: ignore[union-attr]
              for row in fees.rows if row[4] is not None]
    payouts: dict[str, int] = defaultdict(int)
    for payout in ledger.payouts:
        payouts[payout_state(payout)] += 1
    return {
        "payments_by_day": [s for s in by_payment if s["amount"] is not None],
        "fee_share": shares,
        "payout_states": [{"status": s, "payouts": n} for s, n in sorted(payouts.items())],
    }


def build_report(ledger: Ledger, links: RecordLinks) -> FinanceReport:
    """Every table, the summary figures and the chart series of one ledger."""
    b = _Builder(ledger, links)
    fees = b.fees_by_day()
    tables = (b.payouts(), b.loaded_by_day(), fees, b.refunds_and_disputes(), b.failed(), b.quarantine(),
              b.payments(), b.refunds(), b.disputes())  # fmt: skip
    title = f"Finance report {ledger.scope.title}"
    return FinanceReport(title, tables, _summary(ledger), _series(ledger, fees))

