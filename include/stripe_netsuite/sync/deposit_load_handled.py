"""Payouts a person recorded in NetSuite by hand: marking one (who, when, why) ends its report on every run.

Only a payout the deposit loader reported for recording by hand (a manual payout, a debit payout, a payout
that failed before its deposit or without the accounts to reverse it: its deposit sync record is blocked
with code `manual`) can be marked; a blocked automatic payout must have its cause fixed instead, and then
deposits itself. The mark is kept in `handled_payouts` and copied into the payout's sync record (code
`handled`, the sentence as its last error), so status and finance reports show it as handled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.handled_payouts import HandledPayout
from stripe_netsuite.store.pipeline import SyncRecord

__all__ = ["HANDLED", "Handled", "HandledError", "handled_payouts", "mark_handled"]

HANDLED = "handled"
MANUAL = "manual"
NAME_LIMIT = 255
REASON_LIMIT = 2000


class HandledError(ValueError):
    """The mark was refused; nothing was written."""


@dataclass(frozen=True)
class Handled:
    payout_id: str
    handled_by: str
    reason: str
    handled_at: datetime

    @property
    def sentence(self) -> str:
        """What a report shows for the payout."""
        return (f"recorded by hand by {self.handled_by} on {self.handled_at:%Y-%m-%d %H:%M} UTC: "
                f"{self.reason}")


def _text(name: str, value: str, limit: int) -> str:
    text = " ".join(str(value).split())  # one line: reports and notes are single-line tables
    if not text:
        raise HandledError(f"{name} must not be empty")
    if len(text) > limit:
        raise HandledError(f"{name} must be at most {limit} characters, got {len(text)}")
    if not text.isprintable():
        raise HandledError(f"{name} must be printable text")
    return text


def mark_handled(engine: Engine, payout_id: str, *, by: str, reason: str, now: datetime,
                 run_id: str) -> Handled:  # fmt: skip
    """Record that `by` recorded `payout_id` in NetSuite by hand (`reason`: what they did), or refuse."""
    handled = Handled(payout_id, _text("--by", by, NAME_LIMIT), _text("--reason", reason, REASON_LIMIT), now)
    with session_scope(engine) as session:
        earlier = session.get(HandledPayout, payout_id)
        if earlier is not None:
            raise HandledError(f"{payout_id} was already marked handled by {earlier.handled_by} on "
                               f"{earlier.handled_at:%Y-%m-%d %H:%M} UTC")
        record = session.scalars(
            select(SyncRecord).where(
                SyncRecord.stripe_id == payout_id, SyncRecord.netsuite_record_type == "deposit"
            )
        ).first()
        code = (record.detail or {}).get("code") if record is not None else None
        if record is None or record.status != "blocked" or code != MANUAL:
            state = "never processed" if record is None else record.status + (f" ({code})" if code else "")
            raise HandledError(
                f"{payout_id} is not a payout reported for recording by hand (its deposit is {state}): only "
                "manual, debit and failed payouts are; a blocked payout deposits itself once its cause is "
                "fixed"
            )
        session.add(HandledPayout(payout_id=payout_id, handled_by=handled.handled_by, reason=handled.reason,
                                  handled_at=now, run_id=run_id))  # fmt: skip
        record.detail = {**(record.detail or {}), "code": HANDLED, "handled_by": handled.handled_by,
                         "handled_at": now.isoformat()}  # fmt: skip
        record.last_error = handled.sentence
        record.run_id = run_id
    return handled


def handled_payouts(engine: Engine, payout_ids: Iterable[str] | None = None) -> dict[str, Handled]:
    """The payouts marked handled (all, or those among `payout_ids`), by payout id."""
    ids = None if payout_ids is None else sorted(set(payout_ids))
    found: dict[str, Handled] = {}
    with session_scope(engine) as session:
        chunks = [None] if ids is None else [ids[start : start + 500] for start in range(0, len(ids), 500)]
        for chunk in chunks:
            query = select(HandledPayout)
            if chunk is not None:
                query = query.where(HandledPayout.payout_id.in_(chunk))
            for row in session.scalars(query):
                found[row.payout_id] = Handled(row.payout_id, row.handled_by, row.reason, row.handled_at)
    return found
