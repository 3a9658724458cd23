"""Keep the SuiteQL-shaped tables in step with the records, inside the writing transaction."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

from . import derived, ledger, store
from .fields import RECORD_TYPES
from .money import ZERO, to_decimal
from .statuses import status_letter

_TABLE_OF_FAMILY = {
    "currency": "currency",
    "subsidiary": "subsidiary",
    "account": "account",
    "paymentmethod": "paymentmethod",
    "item": "item",
    "entity": "customer",
    "transaction": "transaction",
    "accountingperiod": "accountingperiod",
}


def _tf(value: Any) -> str:
    return "T" if value else "F"


def _num(value: Any) -> float | int | None:
    """SQLite NUMERIC value of an exact amount (SuiteQL renders it back as text)."""
    if value is None:
        return None
    amount = to_decimal(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _rid(value: Any) -> int | None:
    return ledger.ref_id(value)


def remove(conn: sqlite3.Connection, family: str, record_id: int) -> None:
    table = _TABLE_OF_FAMILY[family]
    conn.execute(f'DELETE FROM "{table}" WHERE id = ?', (record_id,))
    if family == "entity":
        conn.execute("DELETE FROM customercurrencybalance WHERE customer = ?", (record_id,))
    if family == "transaction":
        conn.execute('DELETE FROM transactionline WHERE "transaction" = ?', (record_id,))
        conn.execute("DELETE FROM nexttransactionlinelink WHERE nextdoc = ?", (record_id,))


def sync(conn: sqlite3.Connection, family: str, record_id: int) -> None:
    """Rewrite the SuiteQL rows of one record from its stored document and the ledger."""
    remove(conn, family, record_id)
    record = store.load_record(conn, family, record_id)
    if record is None:
        return
    doc, eid = record.doc, record.externalid
    if family == "currency":
        conn.execute(
            "INSERT INTO currency VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record_id,
                doc.get("name"),
                doc.get("symbol"),
                doc.get("displaySymbol"),
                doc.get("currencyPrecision"),
                _num(doc.get("exchangeRate")),
                _tf(store.get_meta(conn, "base_currency") == str(record_id)),
                _tf(doc.get("isInactive")),
                eid,
            ),
        )
    elif family == "subsidiary":
        conn.execute(
            "INSERT INTO subsidiary VALUES (?, ?, ?, ?, ?)",
            (record_id, doc.get("name"), _rid(doc.get("currency")), _tf(doc.get("isInactive")), eid),
        )
    elif family == "account":
        number, name = doc.get("acctNumber"), doc.get("acctName")
        display = f"{number} {name}" if number else name
        conn.execute(
            "INSERT INTO account VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record_id,
                number,
                display,
                display,
                name,
                name,
                doc.get("acctType"),
                _rid(doc.get("currency")),
                _rid(doc.get("subsidiary")),
                doc.get("description"),
                _tf(doc.get("isInactive")),
                "F",
                eid,
            ),
        )
    elif family == "paymentmethod":
        conn.execute(
            "INSERT INTO paymentmethod VALUES (?, ?, ?, ?)",
            (record_id, doc.get("name"), _tf(doc.get("isInactive")), eid),
        )
    elif family == "item":
        conn.execute(
            "INSERT INTO item VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record_id,
                doc.get("itemId"),
                doc.get("displayName"),
                doc.get("description"),
                "NonInvtPart",
                _tf(doc.get("isInactive")),
                eid,
            ),
        )
    elif family == "accountingperiod":
        conn.execute(
            "INSERT INTO accountingperiod VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record_id,
                doc.get("periodName"),
                doc.get("startDate"),
                doc.get("endDate"),
                _tf(doc.get("isQuarter")),
                _tf(doc.get("isYear")),
                _tf(doc.get("isAdjust")),
                _tf(doc.get("isPosting")),
                _tf(doc.get("isInactive")),
                _rid(doc.get("parent")),
                _tf(doc.get("closed")),
                doc.get("closedOnDate"),
                _tf(doc.get("apLocked")),
                _tf(doc.get("arLocked")),
                _tf(doc.get("allLocked")),
                _tf(doc.get("allowNonGLChanges")),
                eid,
                record.modified,
            ),
        )
    elif family == "entity":
        _sync_customer(conn, record_id, doc, eid, record.created, record.modified)
    elif family == "transaction":
        _sync_transaction(conn, record.type, record_id, doc, eid, record.created, record.modified)


def _sync_customer(
    conn: sqlite3.Connection,
    record_id: int,
    doc: dict[str, Any],
    eid: str | None,
    created: str,
    modified: str,
) -> None:
    # Only the balances: every write re-syncs its customer, and the row holds no unapplied amount.
    extra = derived.customer_balances(conn, record_id, doc)
    conn.execute(
        "INSERT INTO customer VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record_id,
            doc.get("entityId"),
            doc.get("companyName"),
            doc.get("companyName") or " ".join(filter(None, [doc.get("firstName"), doc.get("lastName")])),
            _tf(doc.get("isPerson")),
            doc.get("firstName"),
            doc.get("lastName"),
            doc.get("email"),
            doc.get("phone"),
            doc.get("comments"),
            _num(extra["balance"]),
            0,
            _rid(doc.get("currency")),
            _rid(doc.get("subsidiary")),
            _tf(doc.get("isInactive")),
            eid,
            doc.get("custentity_stripe_payment_link"),
            created,
            modified,
        ),
    )
    for line in extra["currencyList"]:
        conn.execute(
            "INSERT INTO customercurrencybalance VALUES (?, ?, ?)",
            (record_id, _rid(line.get("currency")), _num(line.get("balance"))),
        )


def _sync_transaction(
    conn: sqlite3.Connection,
    record_type: str,
    record_id: int,
    doc: dict[str, Any],
    eid: str | None,
    created: str,
    modified: str,
) -> None:
    trantype = RECORD_TYPES[record_type].trantype
    txn = ledger.summary(conn, record_id)
    total = txn.total if txn else ZERO
    extra = derived.derived(conn, record_type, record_id, doc)
    remaining: Decimal | None = None
    used: Decimal | None = None
    unused: Decimal | None = None
    if record_type == "invoice":
        remaining = extra["amountRemaining"]
    elif record_type in ("customerPayment", "creditMemo"):
        used, unused = extra["applied"], extra["unapplied"]
        remaining = unused
    entity = txn.entity if txn else None
    conn.execute(
        f'INSERT INTO "transaction" VALUES ({", ".join("?" * 23)})',
        (
            record_id,
            doc.get("tranId"),
            trantype,
            record_type.lower(),
            entity,
            txn.currency if txn else None,
            _num(doc.get("exchangeRate")),
            _num(total),
            _num(remaining),
            _num(remaining),
            _num(used),
            _num(unused),
            status_letter(conn, record_type, record_id, doc, total),
            doc.get("tranDate"),
            doc.get("dueDate"),
            eid,
            doc.get("memo"),
            doc.get("custbody_stripe_payment_link"),
            _rid(doc.get("subsidiary")),
            _rid(doc.get("paymentOption")),
            created,
            modified,
            _rid(doc.get("postingPeriod")),
        ),
    )
    lines: list[tuple[Any, ...]] = [
        _line(record_id, 0, mainline=True, account=_rid(doc.get("account")), entity=entity,
              memo=doc.get("memo"), amount=_num(total)),
    ]
    for number, line in enumerate(doc.get("item") or [], start=1):
        lines.append(_line(
            record_id, number, item=_rid(line.get("item")), entity=entity, memo=line.get("description"),
            quantity=_num(line.get("quantity")), rate=_num(line.get("rate")), amount=_num(line.get("amount")),
        ))
    for number, line in enumerate(doc.get("line") or [], start=1):
        lines.append(_line(
            record_id, number, account=_rid(line.get("account")), entity=_rid(line.get("entity")),
            memo=line.get("memo"), amount=_num(line.get("debit") or line.get("credit")),
            debit=_num(line.get("debit")), credit=_num(line.get("credit")),
        ))
    if record_type == "deposit":
        number = 0
        undeposited = store.get_meta(conn, "undeposited_account")
        for line in extra["payment"]:
            number += 1
            lines.append(_line(
                record_id, number, account=int(undeposited) if undeposited else None,
                entity=_rid(line.get("entity")), memo=line.get("memo"),
                amount=_num(line.get("paymentAmount")),
            ))
        for name, sign in (("other", 1), ("cashback", -1)):
            for line in doc.get(name) or []:
                number += 1
                lines.append(_line(
                    record_id, number, account=_rid(line.get("account")), entity=_rid(line.get("entity")),
                    memo=line.get("memo"), amount=_num(sign * to_decimal(line["amount"])),
                ))
    conn.executemany("INSERT INTO transactionline VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)
    kinds = {
        "payment": "Payment",
        "credit": "Credit Memo Application",
        "refund": "Refund",
        "deposit": "Deposit",
    }
    for row in conn.execute(
        "SELECT target, kind, amount FROM _link WHERE source = ?", (record_id,)
    ).fetchall():
        conn.execute(
            "INSERT INTO nexttransactionlinelink VALUES (?, ?, ?, ?)",
            (row["target"], record_id, kinds[row["kind"]], _num(row["amount"])),
        )


def _line(
    record_id: int, number: int, *, mainline: bool = False, item: Any = None, account: Any = None,
    entity: Any = None, memo: Any = None, quantity: Any = None, rate: Any = None, amount: Any = None,
    debit: Any = None, credit: Any = None,
) -> tuple[Any, ...]:
    """One `transactionline` row in column order (line id doubles as its sequence number; no tax lines)."""
    return (record_id, number, number, "T" if mainline else "F", "F", item, account, entity, memo, quantity,
            rate, amount, debit, credit)
