"""Validators for the documents that raise or lower what a customer owes: invoices and credit memos."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from . import ledger, store
from .checks import Outcome, apply_lines, auto_apply, defaults, item_lines, required_ref, transaction_currency
from .errors import user_error
from .ledger import Doc, TxnSummary


def validate_invoice(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    customer_id = required_ref(doc, "entity", "Customer")
    currency = transaction_currency(conn, doc, customer_id)
    defaults(conn, doc, customer_id)
    doc.setdefault("tranId", f"INV{record_id}")
    if doc.get("account") is None and store.get_meta(conn, "ar_account"):
        doc["account"] = {"id": store.get_meta(conn, "ar_account")}
    total = item_lines(conn, doc, ledger.precision_of(conn, currency))
    paid = ledger.links_to(conn, record_id, ("payment", "credit"))
    if total < paid:
        raise user_error(
            f"The invoice total ({total}) cannot be less than the amount already paid ({paid}).", "item"
        )
    return Outcome(doc, customer_id, currency, total)


def validate_credit_memo(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    customer_id = required_ref(doc, "entity", "Customer")
    currency = transaction_currency(conn, doc, customer_id)
    defaults(conn, doc, customer_id)
    doc.setdefault("tranId", f"CM{record_id}")
    precision = ledger.precision_of(conn, currency)
    total = item_lines(conn, doc, precision)
    refunded = ledger.links_to(conn, record_id, ("refund",))

    def available(target: TxnSummary) -> Decimal:
        return ledger.invoice_remaining(conn, target, exclude_source=record_id)

    auto_apply(conn, doc, customer_id, currency, ("invoice",), available, total - refunded)
    applied = apply_lines(
        conn, doc, customer_id, currency, precision, ("invoice",), available, total - refunded
    )
    links = [(target.id, "credit", amount) for target, amount in applied]
    return Outcome(doc, customer_id, currency, total, links)
