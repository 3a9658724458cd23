"""Ledger queries: transactions, what is applied between them, balances and open documents.

Pure reads on a connection inside an open transaction; validators and derived read fields share them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import store
from .money import ZERO, quantize, to_decimal

Doc = dict[str, Any]
UNDEPOSITED = "T"  # undepFunds {"id": "T"}: the payment sits in Undeposited Funds
ACCOUNT = "F"  # undepFunds {"id": "F"}: the payment went straight to `account`


@dataclass(frozen=True)
class TxnSummary:
    type: str
    id: int
    entity: int | None
    currency: int | None
    total: Decimal
    doc: Doc


def ref_id(value: Any) -> int | None:
    if isinstance(value, dict) and value.get("id") is not None:
        return int(value["id"])
    return None


def is_undeposited(doc: Doc) -> bool:
    """Whether a stored customer payment posts to Undeposited Funds (undepFunds is an object {id})."""
    value = doc.get("undepFunds")
    return isinstance(value, dict) and value.get("id") == UNDEPOSITED


def summary(conn: sqlite3.Connection, txn_id: int) -> TxnSummary | None:
    row = conn.execute(
        "SELECT type, id, entity, currency, total, doc FROM _record WHERE family = 'transaction' AND id = ?",
        (txn_id,),
    ).fetchone()
    if row is None:
        return None
    return TxnSummary(
        row["type"],
        int(row["id"]),
        row["entity"],
        row["currency"],
        to_decimal(row["total"] or "0"),
        json.loads(row["doc"]),
    )


def load_doc(conn: sqlite3.Connection, family: str, record_id: int | None) -> Doc | None:
    if record_id is None:
        return None
    record = store.load_record(conn, family, record_id)
    return None if record is None else record.doc


def precision_of(conn: sqlite3.Connection, currency_id: int | None) -> int:
    doc = load_doc(conn, "currency", currency_id)
    if doc is None or doc.get("currencyPrecision") is None:
        return 2
    return int(doc["currencyPrecision"])


def currency_name(conn: sqlite3.Connection, currency_id: int | None) -> str | None:
    doc = load_doc(conn, "currency", currency_id)
    return None if doc is None else str(doc.get("name"))


def base_currency(conn: sqlite3.Connection) -> int | None:
    value = store.get_meta(conn, "base_currency")
    return int(value) if value else None


def converted_total(payment: TxnSummary, to_rate: Decimal, precision: int) -> Decimal:
    """A transaction's total in another currency, at the two currencies' exchange rates to the base."""
    from_rate = to_decimal(payment.doc.get("exchangeRate") or "1")
    return quantize(payment.total * from_rate / to_rate, precision)


def links_to(
    conn: sqlite3.Connection, target: int, kinds: tuple[str, ...], exclude_source: int | None = None
) -> Decimal:
    """Sum of amounts other transactions apply to `target`."""
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        f"SELECT source, amount FROM _link WHERE target = ? AND kind IN ({marks})", (target, *kinds)
    ).fetchall()
    return sum((to_decimal(r["amount"]) for r in rows if r["source"] != exclude_source), ZERO)


def links_from(conn: sqlite3.Connection, source: int, kinds: tuple[str, ...]) -> Decimal:
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        f"SELECT amount FROM _link WHERE source = ? AND kind IN ({marks})", (source, *kinds)
    ).fetchall()
    return sum((to_decimal(r["amount"]) for r in rows), ZERO)


def deposit_of(conn: sqlite3.Connection, payment_id: int) -> int | None:
    row = conn.execute(
        "SELECT source FROM _link WHERE target = ? AND kind = 'deposit'", (payment_id,)
    ).fetchone()
    return None if row is None else int(row[0])


def invoice_remaining(
    conn: sqlite3.Connection, invoice: TxnSummary, exclude_source: int | None = None
) -> Decimal:
    return invoice.total - links_to(conn, invoice.id, ("payment", "credit"), exclude_source)


def credit_available(
    conn: sqlite3.Connection, credit: TxnSummary, exclude_source: int | None = None
) -> Decimal:
    """What a payment or credit memo still has to apply or refund."""
    own_kind = "payment" if credit.type == "customerPayment" else "credit"
    return (
        credit.total
        - links_from(conn, credit.id, (own_kind,))
        - links_to(conn, credit.id, ("refund",), exclude_source)
    )


def customer_currencies(doc: Doc) -> list[int]:
    """The primary currency first, then the currency list (NetSuite always lists the primary one)."""
    result: list[int] = []
    primary = ref_id(doc.get("currency"))
    if primary is not None:
        result.append(primary)
    for line in doc.get("currencyList") or []:
        cid = ref_id(line.get("currency"))
        if cid is not None and cid not in result:
            result.append(cid)
    return result


# A stored total (money.to_text: plain decimal text) as an integer count of millionths, padded and summed by
# SQLite itself: exact, and no Python per transaction (the catch-all customer of a bulk load holds thousands,
# all of distinct amounts, so grouping equal totals saves nothing). `places` is -1 for a whole number. A group
# with a total SQL cannot scale exactly (NULL, not plain decimal text, more than 6 places, too long for 64
# bits) is `odd`, and then the customer is summed in Python instead.
_SCALE = 6
_PLACES = "(length(total) - instr(total || '.', '.'))"
_BALANCE_TERMS = (
    "SELECT type, currency, MAX(" + _PLACES + ") AS places, "
    "SUM(CAST(replace(total, '.', '') || substr('" + "0" * _SCALE + "', 1 + max(" + _PLACES + ", 0)) "
    "AS INTEGER)) AS scaled, "
    "COUNT(*) - COUNT(total) + ifnull(SUM(total GLOB '*[^0-9.-]*' OR total GLOB '?*-*' OR total GLOB '*.*.*' "
    "OR total GLOB '.*' OR total GLOB '-.*' OR length(total) > 12), 0) AS odd "
    "FROM _record WHERE entity = ? AND family = 'transaction' AND currency IS NOT NULL "
    "AND type IN ('invoice', 'customerRefund', 'customerPayment', 'creditMemo') "
    "GROUP BY type, currency"
)
_BALANCE_SIGNS = {"invoice": 1, "customerRefund": 1, "customerPayment": -1, "creditMemo": -1}


def customer_balances(conn: sqlite3.Connection, customer_id: int) -> dict[int, Decimal]:
    """A/R per currency: invoices and refunds raise it; payments (applied or not), credit memos lower it.

    Every write re-syncs its customer's balance, so SQLite sums the totals (an index-only scan of
    `_record_entity_total`, in millionths) instead of Python decoding each transaction. The Decimal is the
    one adding the totals one by one gives: its value, and the exponent of the most precise total.
    """
    try:
        rows = conn.execute(_BALANCE_TERMS, (customer_id,)).fetchall()
    except (sqlite3.OperationalError, OverflowError):  # "integer overflow": a SUM left 64 bits
        rows = None
    if rows is None or any(row["odd"] or row["places"] > _SCALE for row in rows):
        return _customer_balances_decoded(conn, customer_id)
    balances: dict[int, Decimal] = {}
    for row in rows:
        currency, places = int(row["currency"]), max(0, int(row["places"]))
        exact = Decimal(int(row["scaled"])).scaleb(-_SCALE).quantize(Decimal(1).scaleb(-places))
        balances[currency] = balances.get(currency, ZERO) + _BALANCE_SIGNS[row["type"]] * exact
    return dict(sorted(balances.items()))  # by currency id, as the scan of `_record_entity` listed them


def _customer_balances_decoded(conn: sqlite3.Connection, customer_id: int) -> dict[int, Decimal]:
    """customer_balances for totals SQL cannot sum exactly: equal totals grouped, each decoded once."""
    balances: dict[int, Decimal] = {}
    rows = conn.execute(
        "SELECT type, currency, total, COUNT(*) AS n FROM _record "
        "WHERE entity = ? AND family = 'transaction' AND currency IS NOT NULL "
        "AND type IN ('invoice', 'customerRefund', 'customerPayment', 'creditMemo') "
        "GROUP BY type, currency, total",
        (customer_id,),
    )
    for row in rows:
        currency = int(row["currency"])
        amount = _BALANCE_SIGNS[row["type"]] * to_decimal(row["total"]) * row["n"]
        balances[currency] = balances.get(currency, ZERO) + amount
    return dict(sorted(balances.items()))


def customer_unapplied(conn: sqlite3.Connection, customer_id: int, currency: int | None) -> Decimal:
    """The sum of `credit_available` over the customer's payments and credit memos in `currency`.

    Three grouped SQL sums (totals, what they apply, what was refunded from them) rather than a decoded
    summary and two queries per credit: Decimal addition is exact, so the order of the terms does not matter.
    """
    credits = (
        "SELECT id, type FROM _record WHERE entity = ? AND family = 'transaction' AND currency IS ? "
        "AND type IN ('customerPayment', 'creditMemo')"
    )
    totals = conn.execute(
        "SELECT total, COUNT(*) AS n FROM _record WHERE entity = ? AND family = 'transaction' "
        "AND currency IS ? AND type IN ('customerPayment', 'creditMemo') GROUP BY total",
        (customer_id, currency),
    ).fetchall()
    applied = conn.execute(
        f"SELECT l.amount, COUNT(*) AS n FROM ({credits}) c JOIN _link l ON l.source = c.id "
        "WHERE l.kind = CASE c.type WHEN 'customerPayment' THEN 'payment' ELSE 'credit' END "
        "GROUP BY l.amount",
        (customer_id, currency),
    ).fetchall()
    refunded = conn.execute(
        f"SELECT l.amount, COUNT(*) AS n FROM ({credits}) c JOIN _link l ON l.target = c.id "
        "WHERE l.kind = 'refund' GROUP BY l.amount",
        (customer_id, currency),
    ).fetchall()
    result = ZERO
    for rows, sign in ((totals, 1), (applied, -1), (refunded, -1)):
        for row in rows:
            result += sign * to_decimal(row[0] or "0") * row["n"]
    return result


def open_documents(
    conn: sqlite3.Connection, customer_id: int | None, currency: int | None, types: tuple[str, ...]
) -> list[TxnSummary]:
    """The customer's documents of these types in this currency that still have something open, oldest first.

    NetSuite pre-fills a payment's or refund's `apply` list with exactly these, at `apply: false`.
    """
    if customer_id is None or currency is None:
        return []
    marks = ",".join("?" * len(types))
    rows = conn.execute(
        f"SELECT id FROM _record WHERE family = 'transaction' AND entity = ? AND currency = ? "
        f"AND type IN ({marks}) ORDER BY json_extract(doc, '$.tranDate'), id",
        (customer_id, currency, *types),
    ).fetchall()
    result = []
    for row in rows:
        txn = summary(conn, int(row[0]))
        if txn is None:
            continue
        left = invoice_remaining(conn, txn) if txn.type == "invoice" else credit_available(conn, txn)
        if left > 0:
            result.append(txn)
    return result


def undeposited_payments(conn: sqlite3.Connection) -> list[TxnSummary]:
    """Payments in Undeposited Funds that no deposit holds yet: a new deposit's pre-filled `payment` list."""
    rows = conn.execute(
        "SELECT id FROM _record WHERE type = 'customerPayment' "
        "AND json_extract(doc, '$.undepFunds.id') = ? "
        "AND id NOT IN (SELECT target FROM _link WHERE kind = 'deposit') ORDER BY id",
        (UNDEPOSITED,),
    ).fetchall()
    return [txn for txn in (summary(conn, int(r[0])) for r in rows) if txn is not None]
