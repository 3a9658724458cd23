"""Review mode of deposits: which payouts' deposits wait for a person's approval, and what the request shows.

With DEPOSIT_REVIEW on, `netsuite_deposits` builds each planned payout's deposit without writing it
(`preview_deposit`, the same reading and building `deposit_load.process_payout` does) and asks for approval of
those above their currency's DEPOSIT_REVIEW_ABOVE amount or with adjustment lines (Stripe adjustments and
won disputes, posted to the adjustment account). The request names the payout and lists every line of its
deposit. A rejected deposit is reported as blocked (`rejected_in_review`) and not written; the next run builds
it again and asks again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from stripe_netsuite.config.finance import ReviewSettings
from stripe_netsuite.money import format_minor
from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.sync.deposit_blocks import Blocked
from stripe_netsuite.sync.deposit_facts import index_records
from stripe_netsuite.sync.deposit_load import PayoutOutcome
from stripe_netsuite.sync.deposit_load_facts import deposit_ids, read_payout, synced_records
from stripe_netsuite.sync.deposit_records import Deposit
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.deposits import PayoutAction, build_deposit, classify_payout
from stripe_netsuite.sync.load_facts import currency_ids as read_currency_ids

__all__ = ["REJECTED", "ReviewRequest", "adjustment_lines", "preview_deposit", "rejected_outcome",
           "review_requests"]  # fmt: skip

REJECTED = "rejected_in_review"  # the block code of a deposit a reviewer rejected


@dataclass(frozen=True)
class ReviewRequest:
    """One deposit waiting for approval: what the Required Actions page shows."""

    payout_id: str
    currency: str
    amount: int  # minor units
    arrival_date: str
    reasons: tuple[str, ...]
    lines: tuple[tuple[str, str, str], ...]  # (sublist, what, amount as text)

    @property
    def subject(self) -> str:
        return f"Deposit of payout {self.payout_id}: {format_minor(self.amount, self.currency)}"

    @property
    def body(self) -> str:
        """Markdown (Airflow renders a HITL body as Markdown): why, then every line of the deposit."""
        why = "; ".join(self.reasons)
        rows = "\n".join(f"| {kind} | {what.replace('|', '/')} | {amount} |"
                          for kind, what, amount in self.lines)  # fmt: skip
        return (
            f"Payout **{self.payout_id}** arriving {self.arrival_date} needs a review before its NetSuite "
            f"deposit is written: {why}.\n\nApprove to write it as below; reject to leave it unwritten "
            "(reported as blocked, asked again on the next run).\n\n"
            f"| line | what | amount |\n|---|---|---:|\n{rows}\n| **total** | | "
            f"**{format_minor(self.amount, self.currency)}** |\n"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "subject": self.subject, "body": self.body}


def adjustment_lines(deposit: Deposit, settings: DepositSettings) -> int:
    """How many of the deposit's account lines post to the adjustment account."""
    account = settings.adjustment_account_id
    return sum(1 for line in (*deposit.other, *deposit.cashback) if line.account_id == account)


def preview_deposit(engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings, payout_id: str, *,
                    zone: ZoneInfo, currency_ids: Mapping[str, str]) -> Deposit | None:  # fmt: skip
    """The deposit a run would write now for `payout_id`, built and not written; None when it would write
    none (not paid, manual, a reversal, blocked, or its deposit already in NetSuite)."""
    rows = read_payout(engine, payout_id)
    if rows is None:
        return None
    deposit_id = deposit_ids(netsuite, [payout_id]).get(payout_id)
    plan = classify_payout(rows.payout, deposit_id=deposit_id, settings=settings, currency_ids=currency_ids,
                           failed_at=rows.failed_at, zone=zone)  # fmt: skip
    if plan.action is not PayoutAction.DEPOSIT or deposit_id is not None:
        return None  # nothing new to write (a deposit written before review mode stays as it is)
    symbols = {value: key for key, value in currency_ids.items()}
    records = synced_records(engine, netsuite, rows.transactions, symbols)
    built = build_deposit(rows.payout, rows.transactions, index_records(records), settings)
    return None if isinstance(built, Blocked) else built


def _request(deposit: Deposit, reasons: list[str]) -> ReviewRequest:
    money = lambda minor: format_minor(minor, deposit.currency)  # noqa: E731
    lines = [("payment", f"customer payment {p.payment_id} (Stripe {p.stripe_id})", money(p.amount))
             for p in deposit.payments]  # fmt: skip
    lines += [("other", line.memo, money(line.amount)) for line in deposit.other]
    lines += [("cash back", line.memo, money(-line.amount)) for line in deposit.cashback]
    return ReviewRequest(deposit.payout_id, deposit.currency, deposit.total_minor,
                         deposit.tran_date.isoformat(), tuple(reasons), tuple(lines))  # fmt: skip


def review_requests(engine: Engine, netsuite: NetSuiteClient, settings: DepositSettings,
                    review: ReviewSettings, payout_ids: Iterable[str], *,
                    zone: ZoneInfo) -> list[ReviewRequest]:  # fmt: skip
    """The planned payouts whose deposits need approval (none when review mode is off)."""
    if not review.enabled:
        return []
    ids = read_currency_ids(netsuite)
    wanted = []
    for payout_id in payout_ids:
        deposit = preview_deposit(engine, netsuite, settings, payout_id, zone=zone, currency_ids=ids)
        if deposit is None:
            continue
        reasons = review.reasons(deposit.total_minor, deposit.currency, adjustment_lines(deposit, settings))
        if reasons:
            wanted.append(_request(deposit, reasons))
    return wanted


def rejected_outcome(request: Mapping[str, Any], decision: Mapping[str, Any]) -> PayoutOutcome:
    """The report's line for a deposit a reviewer rejected: blocked, not written, who and when."""
    who = (decision.get("responded_by_user") or {}).get("name") or "a reviewer"
    when = str(decision.get("responded_at") or "")[:19]
    return PayoutOutcome(
        payout_id=str(request["payout_id"]), status="blocked", currency=str(request["currency"]),
        amount=int(request["amount"]), arrival_date=str(request["arrival_date"]), code=REJECTED,
        reason=f"rejected in review by {who} {when}: not written; fix what is wrong (in Stripe or NetSuite) "
        "and approve it on a later run",
    )  # fmt: skip
