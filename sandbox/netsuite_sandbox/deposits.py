"""The deposit validator: undeposited payments (in any currency) plus other lines minus cash back.

A deposit's currency is its bank account's. A payment line's `paymentAmount` is in that currency: for a
payment in the same currency it is the payment's total; for a foreign-currency payment it is what the
bank received (NetSuite books the difference as realised gain/loss), by default the payment converted
at the two exchange rates. Total = payments + other - cashback, never negative.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from . import ledger, store
from .checks import NO_LINES, Outcome, amount, check_bank, defaults, line_path
from .errors import user_error
from .ledger import Doc, TxnSummary, ref_id
from .money import ZERO, to_decimal, to_text


def validate_deposit(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    account_id = ref_id(doc.get("account"))
    undeposited = store.get_meta(conn, "undeposited_account")
    if undeposited is not None and account_id == int(undeposited):
        raise user_error("A deposit cannot go to Undeposited Funds; choose a bank account.", "account")
    account = check_bank(conn, account_id, "account")
    account_currency = ref_id(account.get("currency"))
    currency = ref_id(doc.get("currency")) or account_currency or ledger.base_currency(conn)
    if account_currency is not None and currency != account_currency:
        raise user_error("The deposit currency must be the bank account's currency.", "currency")
    doc["currency"] = {"id": str(currency)}
    defaults(conn, doc, None)
    doc.setdefault("tranId", f"DEP{record_id}")
    precision = ledger.precision_of(conn, currency)
    rate = to_decimal(doc["exchangeRate"])
    total = ZERO
    links: list[tuple[int, str, Decimal]] = []
    kept: list[Doc] = []
    for index, line in enumerate(doc.get("payment") or []):
        # The list is pre-filled with every undeposited payment at deposit: false; only true deposits.
        if line.get("deposit") is not True:
            continue
        path = line_path(line, "payment", index)
        payment = _depositable(conn, line, record_id, path)
        deposited = _payment_amount(conn, line, payment, currency, rate, precision, path)
        total += deposited
        links.append((payment.id, "deposit", deposited))
        kept.append({"id": payment.id, "deposit": True, "paymentAmount": to_text(deposited)})
    doc["payment"] = kept
    for sublist_name, sign in (("other", 1), ("cashback", -1)):
        for index, line in enumerate(doc.get(sublist_name) or []):
            path = line_path(line, sublist_name, index)
            if ledger.load_doc(conn, "account", ref_id(line.get("account"))) is None:
                raise user_error("Please enter value(s) for: Account", path + ".account")
            value = amount(line.get("amount"), precision, path + ".amount")
            line["amount"] = to_text(value)
            total += sign * value
    if not links and not doc.get("other") and not doc.get("cashback"):
        raise user_error(NO_LINES, "payment")
    if total < 0:
        raise user_error(f"The total can not be negative ({total}).", "cashback")
    return Outcome(doc, None, currency, total, links)


def _depositable(conn: sqlite3.Connection, line: Doc, record_id: int, path: str) -> TxnSummary:
    """The payment a line names, if it sits in Undeposited Funds and no other deposit holds it."""
    payment = ledger.summary(conn, int(line["id"])) if line.get("id") is not None else None
    if payment is None or payment.type != "customerPayment":
        raise user_error(
            f"Transaction {line.get('id')} is not a payment that can be deposited.", path + ".id"
        )
    if not ledger.is_undeposited(payment.doc):
        raise user_error(
            f"Payment {payment.id} was not posted to Undeposited Funds and cannot be deposited.", path + ".id"
        )
    other_deposit = ledger.deposit_of(conn, payment.id)
    if other_deposit is not None and other_deposit != record_id:
        raise user_error(
            f"Payment {payment.id} has already been deposited (deposit {other_deposit}).", path + ".id"
        )
    return payment


def _payment_amount(
    conn: sqlite3.Connection,
    line: Doc,
    payment: TxnSummary,
    currency: int | None,
    rate: Decimal,
    precision: int,
    path: str,
) -> Decimal:
    """The line's amount in the deposit's currency."""
    given = line.get("paymentAmount")
    if payment.currency == currency:
        if given is not None and to_decimal(given) != payment.total:
            raise user_error(
                f"Payment {payment.id} is deposited in full: paymentAmount must be {payment.total}.",
                path + ".paymentAmount",
            )
        return payment.total
    if given is not None:
        return amount(given, precision, path + ".paymentAmount")
    return ledger.converted_total(payment, rate, precision)
