"""Transaction statuses: the letter SuiteQL stores in transaction.status and the text REST GET shows."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from . import ledger
from .fields import RECORD_TYPES
from .ledger import Doc, TxnSummary

# (trantype, letter) -> display text. SuiteQL returns the letter; REST GET renders the record's status as
# {"id": text, "refName": text}; BUILTIN.DF(status) gives "<type label> : <text>".
STATUSES: dict[tuple[str, str], str] = {
    ("CustInvc", "A"): "Open",
    ("CustInvc", "B"): "Paid In Full",
    ("CustPymt", "B"): "Not Deposited",
    ("CustPymt", "C"): "Deposited",
    ("CustCred", "A"): "Open",
    ("CustCred", "B"): "Fully Applied",
    ("Journal", "B"): "Approved for Posting",
}
TYPE_LABELS = {
    "CustInvc": "Invoice",
    "CustPymt": "Payment",
    "CustCred": "Credit Memo",
    "CustRfnd": "Customer Refund",
    "Deposit": "Deposit",
    "Journal": "Journal",
}


def trantype(record_type: str) -> str:
    return RECORD_TYPES[record_type].trantype or record_type


def status_letter(
    conn: sqlite3.Connection, record_type: str, record_id: int, doc: Doc, total: Decimal
) -> str | None:
    if record_type == "invoice":
        return (
            "A" if ledger.invoice_remaining(conn, _summary(record_type, record_id, total, doc)) > 0 else "B"
        )
    if record_type == "customerPayment":
        deposited = ledger.deposit_of(conn, record_id) is not None or not ledger.is_undeposited(doc)
        return "C" if deposited else "B"
    if record_type == "creditMemo":
        return "A" if ledger.credit_available(conn, _summary(record_type, record_id, total, doc)) > 0 else "B"
    if record_type == "journalEntry":
        return "B"
    return None


def status_text(record_type: str, letter: str) -> str:
    return STATUSES[(trantype(record_type), letter)]


def _summary(record_type: str, record_id: int, total: Decimal, doc: Doc) -> TxnSummary:
    return TxnSummary(record_type, record_id, None, None, total, doc)
