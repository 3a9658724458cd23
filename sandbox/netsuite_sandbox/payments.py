"""Validators for money received from and returned to customers: customer payments and refunds."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from . import ledger, store
from .checks import (
    NO_LINES,
    Outcome,
    amount,
    apply_lines,
    auto_apply,
    check_bank,
    defaults,
    required_ref,
    transaction_currency,
)
from .errors import user_error
from .ledger import ACCOUNT, UNDEPOSITED, Doc, TxnSummary, ref_id
from .money import ZERO, to_text


def validate_payment(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    customer_id = required_ref(doc, "customer", "Customer")
    currency = transaction_currency(conn, doc, customer_id)
    defaults(conn, doc, customer_id)
    doc.setdefault("tranId", f"PYMT{record_id}")
    precision = ledger.precision_of(conn, currency)
    _payment_account(conn, doc, currency)
    budget = None if doc.get("payment") is None else amount(doc["payment"], precision, "payment")

    def available(target: TxnSummary) -> Decimal:
        return ledger.invoice_remaining(conn, target, exclude_source=record_id)

    auto_apply(conn, doc, customer_id, currency, ("invoice",), available, budget)
    applied = apply_lines(conn, doc, customer_id, currency, precision, ("invoice",), available, budget)
    applied_total = sum((value for _, value in applied), ZERO)
    if budget is None:
        if not applied:
            raise user_error("Please enter value(s) for: Payment Amount", "payment")
        budget = applied_total
    doc["payment"] = to_text(budget)
    refunded = ledger.links_to(conn, record_id, ("refund",))
    if budget - applied_total < refunded:
        raise user_error(
            f"{refunded} of this payment has been refunded; it cannot be reduced below that.", "payment"
        )
    _check_deposited(conn, doc, record_id, budget)
    links = [(target.id, "payment", value) for target, value in applied]
    return Outcome(doc, customer_id, currency, budget, links)


def _check_deposited(conn: sqlite3.Connection, doc: Doc, record_id: int, total: Decimal) -> None:
    """A payment a deposit holds keeps its amount and stays in Undeposited Funds."""
    deposit = ledger.deposit_of(conn, record_id)
    if deposit is None:
        return
    before = ledger.summary(conn, record_id)
    if before is not None and before.total != total:
        raise user_error(f"The payment is in deposit {deposit}; its amount cannot change.", "payment")
    if not ledger.is_undeposited(doc):
        raise user_error(
            f"The payment is in deposit {deposit}; it must stay in Undeposited Funds.", "undepFunds"
        )


def _payment_account(conn: sqlite3.Connection, doc: Doc, currency: int) -> None:
    """undepFunds {"id": "T"} posts to Undeposited Funds; "F" needs a bank account in the payment's currency.

    Left out, it follows `account`: none (or Undeposited Funds itself) means Undeposited Funds.
    """
    undeposited = store.get_meta(conn, "undeposited_account")
    if doc.get("undepFunds") is None:
        to_undeposited = doc.get("account") is None or (
            undeposited is not None and ref_id(doc.get("account")) == int(undeposited)
        )
        doc["undepFunds"] = {"id": UNDEPOSITED if to_undeposited else ACCOUNT}
    if ledger.is_undeposited(doc):
        doc["account"] = {"id": undeposited} if undeposited else None
        return
    account = check_bank(conn, ref_id(doc.get("account")), "account")
    if ref_id(account.get("currency")) not in (None, currency):
        raise user_error("The bank account is in another currency than the payment.", "account")


def validate_refund(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    customer_id = required_ref(doc, "customer", "Customer")
    currency = transaction_currency(conn, doc, customer_id)
    defaults(conn, doc, customer_id)
    doc.setdefault("tranId", f"RFND{record_id}")
    if doc.get("account") is not None:
        check_bank(conn, ref_id(doc["account"]), "account")

    def available(target: TxnSummary) -> Decimal:
        return ledger.credit_available(conn, target, exclude_source=record_id)

    applied = apply_lines(
        conn,
        doc,
        customer_id,
        currency,
        ledger.precision_of(conn, currency),
        ("customerPayment", "creditMemo"),
        available,
        None,
    )
    if not applied:
        raise user_error(NO_LINES, "apply")
    total = sum((value for _, value in applied), ZERO)
    links = [(target.id, "refund", value) for target, value in applied]
    return Outcome(doc, customer_id, currency, total, links)
