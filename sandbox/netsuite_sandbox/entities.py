"""Validators for the records transactions refer to (customers, accounts, currencies) and for journals."""

from __future__ import annotations

import sqlite3

from . import ledger
from .checks import NO_LINES, Outcome, amount, defaults, line_path
from .errors import user_error
from .ledger import Doc, ref_id
from .money import ZERO, to_text


def validate_customer(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    if not doc.get("entityId"):
        doc["entityId"] = f"CUST{record_id}"
    if not (doc.get("companyName") or doc.get("firstName") or doc.get("lastName")):
        raise user_error("Please enter value(s) for: Company Name", "companyName")
    if doc.get("currency") is None:
        base = ledger.base_currency(conn)
        if base is None:
            raise user_error("Please enter value(s) for: Currency", "currency")
        doc["currency"] = {"id": str(base)}
    if doc.get("subsidiary") is None and ledger.load_doc(conn, "subsidiary", 1):
        doc["subsidiary"] = {"id": "1"}
    primary = ref_id(doc["currency"])
    lines = [line for line in doc.get("currencyList") or [] if ref_id(line.get("currency")) != primary]
    doc["currencyList"] = [{"currency": {"id": str(primary)}}, *lines]
    balances = ledger.customer_balances(conn, record_id)
    for cid, balance in balances.items():
        if cid not in ledger.customer_currencies(doc) and balance != 0:
            raise user_error(f"Currency {cid} has transactions and cannot be removed.", "currencyList")
    return Outcome(doc)


def validate_account(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    if not doc.get("acctName"):
        raise user_error("Please enter value(s) for: Account Name", "acctName")
    doc.setdefault("acctType", "Bank")
    return Outcome(doc, currency=ref_id(doc.get("currency")))


def validate_currency(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    if not doc.get("symbol"):
        raise user_error("Please enter value(s) for: ISO Code", "symbol")
    doc.setdefault("name", doc["symbol"])
    doc.setdefault("currencyPrecision", 2)
    doc.setdefault("exchangeRate", "1")
    if doc["currencyPrecision"] not in (0, 1, 2, 3):
        raise user_error("Currency precision must be 0 to 3.", "currencyPrecision")
    return Outcome(doc)


def validate_journal(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    if doc.get("currency") is None and ledger.base_currency(conn) is not None:
        doc["currency"] = {"id": str(ledger.base_currency(conn))}
    defaults(conn, doc, None)
    doc.setdefault("tranId", f"JE{record_id}")
    precision = ledger.precision_of(conn, ref_id(doc.get("currency")))
    debits = credits = ZERO
    lines = doc.get("line") or []
    if not lines:
        raise user_error(NO_LINES, "line")
    for index, line in enumerate(lines):
        path = line_path(line, "line", index)
        if ledger.load_doc(conn, "account", ref_id(line.get("account"))) is None:
            raise user_error("Please enter value(s) for: Account", path + ".account")
        if (line.get("debit") is None) == (line.get("credit") is None):
            raise user_error("Each line needs either a debit or a credit.", path)
        for side in ("debit", "credit"):
            if line.get(side) is not None:
                value = amount(line[side], precision, f"{path}.{side}")
                line[side] = to_text(value)
                if side == "debit":
                    debits += value
                else:
                    credits += value
        line["line"] = index
    if debits != credits:
        raise user_error(f"The debits ({debits}) and credits ({credits}) of a journal must be equal.", "line")
    return Outcome(doc, None, ref_id(doc.get("currency")), debits)
