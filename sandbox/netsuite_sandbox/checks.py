"""Checks the record validators share: amounts, required references, defaults, item and apply lines."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from . import ledger
from .errors import user_error
from .ledger import Doc, TxnSummary, ref_id
from .money import ZERO, decimals_of, quantize, to_decimal, to_text
from .statuses import TYPE_LABELS, trantype

NO_LINES = "You must enter at least one line item for this transaction."


@dataclass
class Outcome:
    """A validated document plus what the rules derived from it for storage."""

    doc: Doc
    entity: int | None = None
    currency: int | None = None
    total: Decimal | None = None
    links: list[tuple[int, str, Decimal]] = field(default_factory=list)


def amount(value: Any, precision: int, path: str, positive: bool = True) -> Decimal:
    result = to_decimal(value)
    if decimals_of(result) > precision:
        raise user_error(
            f"The amount {result} has more decimal places than the currency allows ({precision}).", path
        )
    if positive and result <= 0:
        raise user_error(f"The amount must be greater than zero (got {result}).", path)
    return result


def required_ref(doc: Doc, name: str, label: str) -> int:
    value = ref_id(doc.get(name))
    if value is None:
        raise user_error(f"Please enter value(s) for: {label}", name)
    return value


def transaction_currency(conn: sqlite3.Connection, doc: Doc, customer_id: int) -> int:
    """Default to the customer's primary currency; refuse one the customer may not use."""
    customer = ledger.load_doc(conn, "entity", customer_id) or {}
    allowed = ledger.customer_currencies(customer)
    currency = ref_id(doc.get("currency"))
    if currency is None:
        if not allowed:
            raise user_error("The customer has no currency.", "currency")
        currency = allowed[0]
        doc["currency"] = {"id": str(currency)}
    if currency not in allowed:
        raise user_error(
            f"The currency {currency} is not one of the customer's currencies "
            f"({', '.join(map(str, allowed))}).",
            "currency",
        )
    return currency


def defaults(conn: sqlite3.Connection, doc: Doc, customer_id: int | None) -> None:
    if not doc.get("tranDate"):
        doc["tranDate"] = date.today().isoformat()
    if doc.get("subsidiary") is None:
        customer = ledger.load_doc(conn, "entity", customer_id) or {}
        sub = customer.get("subsidiary") or ({"id": "1"} if ledger.load_doc(conn, "subsidiary", 1) else None)
        if sub:
            doc["subsidiary"] = sub
    if doc.get("exchangeRate") is None:
        currency = ledger.load_doc(conn, "currency", ref_id(doc.get("currency"))) or {}
        doc["exchangeRate"] = currency.get("exchangeRate", "1")


def line_path(line: Doc, sublist: str, index: int) -> str:
    return f"{sublist}.items[{line.get('_path', index)}]"


def item_lines(conn: sqlite3.Connection, doc: Doc, precision: int) -> Decimal:
    lines = doc.get("item") or []
    if not lines:
        raise user_error(NO_LINES, "item")
    total = ZERO
    for index, line in enumerate(lines):
        path = line_path(line, "item", index)
        if ref_id(line.get("item")) is None:
            raise user_error("Please enter value(s) for: Item", path + ".item")
        quantity = to_decimal(line.get("quantity") or "1")
        if line.get("amount") is not None:
            value = amount(line["amount"], precision, path + ".amount", positive=False)
        elif line.get("rate") is not None:
            value = quantize(quantity * to_decimal(line["rate"]), precision)
        else:
            raise user_error("Please enter value(s) for: Rate or Amount", path + ".rate")
        line["quantity"] = to_text(quantity)
        line["amount"] = to_text(value)
        line["line"] = index + 1
        total += value
    if total < 0:
        raise user_error("The transaction total cannot be negative.", "item")
    return total


def is_unapplied(line: Doc) -> bool:
    """Oracle documents two ways to unapply a line: `"apply": false` or `"amount": 0`."""
    if line.get("apply") is False:
        return True
    return line.get("amount") is not None and to_decimal(line["amount"]) == 0


def apply_lines(
    conn: sqlite3.Connection,
    doc: Doc,
    customer_id: int,
    currency: int,
    precision: int,
    allowed_types: tuple[str, ...],
    available: Callable[[TxnSummary], Decimal],
    budget: Decimal | None,
) -> list[tuple[TxnSummary, Decimal]]:
    """Check each applied line against what its document still allows, in request order.

    `available(summary)` is the most that may be applied to that document by this record;
    `budget` is the most this record may apply in total (None = no limit, the total follows).
    Unapplied lines are dropped: they return to the pre-filled `apply: false` state.
    """
    kept: list[tuple[TxnSummary, Decimal]] = []
    used = ZERO
    for index, line in enumerate(doc.get("apply") or []):
        if is_unapplied(line):
            continue
        path = line_path(line, "apply", index)
        target_id = ref_id(line.get("doc"))
        target = ledger.summary(conn, target_id) if target_id is not None else None
        if target is None or target.type not in allowed_types:
            raise user_error(
                f"The document {target_id} cannot be applied: "
                f"it is not an open {' or '.join(allowed_types)}.",
                path + ".doc",
            )
        if target.entity != customer_id:
            raise user_error(f"The document {target_id} belongs to another customer.", path + ".doc")
        if target.currency != currency:
            raise user_error(f"The document {target_id} is in another currency.", path + ".doc")
        limit = available(target)
        if line.get("amount") is None:
            value = limit if budget is None else min(limit, budget - used)
            if value <= 0:
                raise user_error(f"Nothing is left to apply to document {target_id}.", path + ".amount")
        else:
            value = amount(line["amount"], precision, path + ".amount")
        if value > limit:
            raise user_error(
                f"You cannot apply {value} to {TYPE_LABELS.get(trantype(target.type), target.type)} "
                f"{target.doc.get('tranId', target_id)}: only {limit} remains.",
                path + ".amount",
            )
        used += value
        if budget is not None and used > budget:
            raise user_error(
                f"The total applied ({used}) is more than the amount available ({budget}).", path + ".amount"
            )
        kept.append((target, value))
    doc["apply"] = [
        {"doc": {"id": str(target.id)}, "apply": True, "amount": to_text(value)} for target, value in kept
    ]
    return kept


def auto_apply(
    conn: sqlite3.Connection,
    doc: Doc,
    customer_id: int,
    currency: int,
    types: tuple[str, ...],
    available: Callable[[TxnSummary], Decimal],
    budget: Decimal | None,
) -> None:
    """autoApply with no line chosen: NetSuite applies to the oldest open documents first, up to `budget`."""
    if not doc.get("autoApply") or any(not is_unapplied(line) for line in doc.get("apply") or []):
        return
    lines: list[Doc] = []
    left = budget
    for txn in ledger.open_documents(conn, customer_id, currency, types):
        value = available(txn) if left is None else min(available(txn), left)
        if value <= 0:
            continue
        lines.append({"doc": {"id": str(txn.id)}, "apply": True, "amount": to_text(value)})
        if left is not None:
            left -= value
            if left <= 0:
                break
    doc["apply"] = lines


def check_bank(conn: sqlite3.Connection, account_id: int | None, path: str) -> Doc:
    account = ledger.load_doc(conn, "account", account_id)
    if account is None:
        raise user_error("Please enter value(s) for: Account", path)
    if account.get("acctType") != "Bank":
        raise user_error(f"Account {account_id} is not a bank account.", path)
    return account
