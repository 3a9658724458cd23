"""NetSuite's business rules, one validator per record type, run on a merged document before it is stored.

Every validator works on a connection inside an open transaction; a raised NetSuiteError makes the
caller roll the whole request back, so a refused request writes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from . import periods
from .checks import Outcome
from .deposits import validate_deposit
from .entities import validate_account, validate_currency, validate_customer, validate_journal
from .fields import RecordType
from .ledger import Doc
from .payments import validate_payment, validate_refund
from .sales import validate_credit_memo, validate_invoice

__all__ = ["Outcome", "deletion_blocker", "validate"]

_VALIDATORS: dict[str, Callable[[sqlite3.Connection, Doc, int], Outcome]] = {
    "customer": validate_customer,
    "invoice": validate_invoice,
    "customerPayment": validate_payment,
    "creditMemo": validate_credit_memo,
    "customerRefund": validate_refund,
    "deposit": validate_deposit,
    "journalEntry": validate_journal,
    "account": validate_account,
    "currency": validate_currency,
}


def validate(conn: sqlite3.Connection, record: RecordType, doc: Doc, record_id: int) -> Outcome:
    """Apply defaults and business rules to a merged document; raise USER_ERROR when NetSuite would."""
    handler = _VALIDATORS.get(record.name)
    outcome = handler(conn, doc, record_id) if handler else Outcome(doc)
    if record.family == "transaction":
        # After the handler: it fills in the default tranDate the period is chosen by.
        periods.assign(conn, record.name, outcome.doc)
    for sublist_name in record.sublists:
        for line in outcome.doc.get(sublist_name) or []:
            line.pop("_path", None)
    return outcome


def deletion_blocker(conn: sqlite3.Connection, record: RecordType, record_id: int) -> str | None:
    """Why NetSuite would refuse to delete this record, or None."""
    if record.family == "transaction":
        row = conn.execute("SELECT source FROM _link WHERE target = ? LIMIT 1", (record_id,)).fetchone()
        if row is not None:
            return f"This record cannot be deleted because it has dependent records (transaction {row[0]})."
    if record.name == "customer":
        row = conn.execute(
            "SELECT id FROM _record WHERE family = 'transaction' AND entity = ? LIMIT 1", (record_id,)
        ).fetchone()
        if row is not None:
            return f"This record cannot be deleted because it has dependent records (transaction {row[0]})."
    return None
