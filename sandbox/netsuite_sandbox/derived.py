"""Read-only values computed from the ledger: totals, balances, status text and pre-filled sublist lines."""

from __future__ import annotations

import sqlite3

from . import ledger
from .ledger import Doc, TxnSummary, ref_id
from .money import ZERO, to_decimal
from .statuses import TYPE_LABELS, status_letter, status_text, trantype

# Which documents NetSuite pre-fills into a record's keyed `apply` list (at apply: false).
_APPLY_TARGETS = {
    "customerPayment": ("invoice",),
    "creditMemo": ("invoice",),
    "customerRefund": ("customerPayment", "creditMemo"),
}


def derived(
    conn: sqlite3.Connection, record_type: str, record_id: int, doc: Doc, prefill: bool = False
) -> Doc:
    """The record's read-only body fields and per-line extras, computed from the current ledger.

    With `prefill` (REST reads), keyed sublists also list the lines NetSuite offers but the record does not
    use: open documents at `apply: false`, undeposited payments at `deposit: false`.
    """
    if record_type == "customer":
        return _customer(conn, record_id, doc)
    txn = ledger.summary(conn, record_id)
    if txn is None:
        return {}
    out: Doc = {"total": txn.total}
    letter = status_letter(conn, record_type, record_id, doc, txn.total)
    if letter is not None:
        text = status_text(record_type, letter)
        out["status"] = {"id": text, "refName": text}
    if record_type == "invoice":
        remaining = ledger.invoice_remaining(conn, txn)
        out.update(subtotal=txn.total, amountRemaining=remaining, amountPaid=txn.total - remaining)
    elif record_type in ("customerPayment", "creditMemo"):
        available = ledger.credit_available(conn, txn)
        out.update(applied=ledger.links_from(conn, record_id, ("payment", "credit")), unapplied=available)
        if record_type == "creditMemo":
            out["amountRemaining"] = available
    if record_type in _APPLY_TARGETS:
        out["apply"] = _apply_lines(conn, record_type, txn, doc, prefill)
    if record_type == "customerPayment":
        out["deposit"] = _deposit_of_payment(conn, txn)
    if record_type == "deposit":
        out["payment"] = _deposit_lines(conn, doc, prefill)
    return out


def _apply_lines(
    conn: sqlite3.Connection, record_type: str, txn: TxnSummary, doc: Doc, prefill: bool
) -> list[Doc]:
    lines = [_apply_extras(conn, record_type, line) for line in doc.get("apply") or []]
    if not prefill:
        return lines
    used = {ref_id(line.get("doc")) for line in doc.get("apply") or []}
    for target in ledger.open_documents(conn, txn.entity, txn.currency, _APPLY_TARGETS[record_type]):
        if target.id not in used and target.id != txn.id:
            lines.append(
                _apply_extras(
                    conn, record_type, {"doc": {"id": str(target.id)}, "apply": False, "amount": ZERO}
                )
            )
    return lines


def _apply_extras(conn: sqlite3.Connection, record_type: str, line: Doc) -> Doc:
    target = ledger.summary(conn, int(line["doc"]["id"]))
    if target is None:
        return line
    if record_type == "customerRefund":
        due = ledger.credit_available(conn, target)
    else:
        due = ledger.invoice_remaining(conn, target)
    return {
        **line,
        "total": target.total,
        "due": due,
        "refNum": target.doc.get("tranId"),
        "type": TYPE_LABELS.get(trantype(target.type)),
        "applyDate": target.doc.get("tranDate"),
        "currency": ledger.currency_name(conn, target.currency),
    }


def _deposit_lines(conn: sqlite3.Connection, doc: Doc, prefill: bool) -> list[Doc]:
    lines = [_deposit_extras(conn, doc, line) for line in doc.get("payment") or []]
    if prefill:
        for payment in ledger.undeposited_payments(conn):
            lines.append(_deposit_extras(conn, doc, {"id": payment.id, "deposit": False}))
    return lines


def _deposit_extras(conn: sqlite3.Connection, deposit: Doc, line: Doc) -> Doc:
    """A payment line; `paymentAmount` is in the deposit's currency (a pre-filled foreign one converted)."""
    payment = ledger.summary(conn, int(line["id"]))
    if payment is None:
        return line
    currency = ref_id(deposit.get("currency"))
    amount = payment.total
    if payment.currency != currency:
        rate = to_decimal(deposit.get("exchangeRate") or "1")
        amount = ledger.converted_total(payment, rate, ledger.precision_of(conn, currency))
    return {
        "paymentAmount": amount,
        **line,
        "transactionAmount": payment.total,
        "docNumber": payment.doc.get("tranId"),
        "refNum": payment.doc.get("tranId"),
        "docDate": payment.doc.get("tranDate"),
        "type": {"id": "CustPymt", "refName": TYPE_LABELS["CustPymt"]},
        "entity": payment.doc.get("customer"),
        "currency": {"id": str(payment.currency)},
        "paymentMethod": payment.doc.get("paymentOption"),
        "pmtCurrencyPrecision": str(ledger.precision_of(conn, payment.currency)),
        "memo": payment.doc.get("memo"),
    }


def _deposit_of_payment(conn: sqlite3.Connection, payment: TxnSummary) -> list[Doc]:
    """A payment's read-only `deposit` sublist: the deposit that holds it, if any."""
    deposit_id = ledger.deposit_of(conn, payment.id)
    deposit = ledger.summary(conn, deposit_id) if deposit_id is not None else None
    if deposit is None:
        return []
    return [
        {
            "doc": {"id": str(deposit.id)},
            "apply": True,
            "amount": payment.total,
            "total": deposit.total,
            "remaining": ZERO,
            "depositDate": deposit.doc.get("tranDate"),
            "refNum": deposit.doc.get("tranId"),
            "currencyName": ledger.currency_name(conn, deposit.currency),
        }
    ]


def _customer(conn: sqlite3.Connection, record_id: int, doc: Doc) -> Doc:
    fields = customer_balances(conn, record_id, doc)
    unapplied = ledger.customer_unapplied(conn, record_id, ref_id(doc.get("currency")))
    # The order the fields always had (a REST read renders them in it).
    return {
        "balance": fields["balance"],
        "unappliedAmount": unapplied,
        "currencyList": fields["currencyList"],
    }


def customer_balances(conn: sqlite3.Connection, record_id: int, doc: Doc) -> Doc:
    """A customer's `balance` and per-currency `currencyList` balances: what its SuiteQL rows store."""
    balances = ledger.customer_balances(conn, record_id)
    primary = ref_id(doc.get("currency"))
    lines = [
        {**line, "balance": balances.get(ref_id(line.get("currency")) or -1, ZERO)}
        for line in doc.get("currencyList") or []
    ]
    return {"balance": balances.get(primary or -1, ZERO), "currencyList": lines}
