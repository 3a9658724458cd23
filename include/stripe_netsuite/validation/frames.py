"""The batch to validate: pending rows of one table as a DataFrame, plus facts from related rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import Session

from stripe_netsuite.store.stripe_objects import BalanceTransaction, Charge, Refund, StripeObject
from stripe_netsuite.validation.checks import Related
from stripe_netsuite.validation.rules import REFUND_COUNTED_STATUSES, RULES, row_from_raw

CHUNK = 500  # ids per IN (...) clause: well under every database's bound-parameter limit
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_pending(session: Session, model: type[StripeObject]) -> pd.DataFrame:
    """Pending rows as checked columns (from the raw JSON) + account and content_hash; may be empty.

    The columns and the related facts are those the type's entry in the rule table declares.
    """
    object_type = model.stripe_object
    query = select(model.account, model.content_hash, model.raw).where(model.validation_status == "pending")
    rows: list[dict[str, Any]] = [
        {**row_from_raw(object_type, raw or {}), "account": account, "content_hash": digest}
        for account, digest, raw in session.execute(query)
    ]
    # object dtype everywhere: pandas would turn an int column holding None into float (500 -> 500.0).
    frame = pd.DataFrame(rows, dtype="object")
    if frame.empty:
        return frame
    for related in RULES[object_type].related:
        frame = _FACTS[related](session, frame)
    return frame


def _pairs(frame: pd.DataFrame, column: str) -> list[tuple[str, str]]:
    return sorted({(a, k) for a, k in zip(frame["account"], frame[column], strict=True) if k})


def _with_charge_totals(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """charge_amount and charge_refunded_total (refunds not failed or canceled) for each refund's charge."""
    amounts: dict[tuple[str, str], int] = {}
    totals: dict[tuple[str, str], int] = {}
    for chunk in chunks(_pairs(frame, "charge")):
        ids = [charge for _, charge in chunk]
        for account, charge_id, amount in session.execute(
            select(Charge.account, Charge.id, Charge.amount).where(Charge.id.in_(ids))
        ):
            amounts[(account, charge_id)] = amount
        for account, charge_id, total in session.execute(
            select(Refund.account, Refund.charge, func.sum(Refund.amount))
            .where(Refund.charge.in_(ids), Refund.status.in_(REFUND_COUNTED_STATUSES))
            .group_by(Refund.account, Refund.charge)
        ):
            totals[(account, charge_id)] = int(total)
    keys = list(zip(frame["account"], frame["charge"], strict=True))
    frame["charge_amount"] = pd.Series([amounts.get(key) for key in keys], dtype="object")
    frame["charge_refunded_total"] = pd.Series(
        [totals.get(key) if key in amounts else None for key in keys], dtype="object"
    )
    return frame


def _with_itemised_nets(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    """itemised_net: for a paid automatic payout, the sum of its transactions' nets (its own excluded)."""
    paid = frame[(frame["status"] == "paid") & frame["automatic"].astype(bool)]
    pairs = sorted(set(zip(paid["account"], paid["id"], strict=True)))
    sums: dict[tuple[str, str], int] = {pair: 0 for pair in pairs}
    txn = BalanceTransaction
    for chunk in chunks(pairs):
        ids = [payout for _, payout in chunk]
        own = and_(txn.type == "payout", txn.source == txn.payout)  # the payout's own debit
        for account, payout_id, total in session.execute(
            select(txn.account, txn.payout, func.sum(txn.net))
            .where(txn.payout.in_(ids), not_(own))
            .group_by(txn.account, txn.payout)
        ):
            if (account, payout_id) in sums:
                sums[(account, payout_id)] = int(total or 0)
    keys: Iterable[tuple[str, str]] = zip(frame["account"], frame["id"], strict=True)
    frame["itemised_net"] = pd.Series([sums.get(key) for key in keys], dtype="object")
    return frame


# How each kind of related fact is read from the state DB (rules.Related names the columns each adds).
_FACTS: dict[Related, Callable[[Session, pd.DataFrame], pd.DataFrame]] = {
    Related.CHARGE_REFUNDS: _with_charge_totals,
    Related.PAYOUT_ITEMS: _with_itemised_nets,
}
