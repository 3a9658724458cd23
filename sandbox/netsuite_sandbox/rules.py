"""NetSuite's business rules: defaults, apply limits, deposits, currencies, balances and statuses.

Every function works on a connection inside an open transaction; a raised NetSuiteError makes the
caller roll the whole request back, so a refused request writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from . import store
from .errors import user_error
from .fields import RECORD_TYPES, RecordType
from .money import ZERO, decimals_of, quantize, to_decimal, to_text

Doc = dict[str, Any]

# (trantype, status letter) -> (REST id, display). Letters are the ones SuiteQL returns in transaction.status.
STATUSES: dict[tuple[str, str], tuple[str, str]] = {
    ("CustInvc", "A"): ("open", "Open"),
    ("CustInvc", "B"): ("paidInFull", "Paid In Full"),
    ("CustPymt", "B"): ("notDeposited", "Not Deposited"),
    ("CustPymt", "C"): ("deposited", "Deposited"),
    ("CustCred", "A"): ("open", "Open"),
    ("CustCred", "B"): ("fullyApplied", "Fully Applied"),
    ("Journal", "B"): ("approvedForPosting", "Approved for Posting"),
}
TYPE_LABELS = {
    "CustInvc": "Invoice",
    "CustPymt": "Payment",
    "CustCred": "Credit Memo",
    "CustRfnd": "Customer Refund",
    "Deposit": "Deposit",
    "Journal": "Journal",
}
NO_LINES = "You must enter at least one line item for this transaction."


@dataclass
class Outcome:
    """A validated document plus what the rules derived from it for storage."""

    doc: Doc
    entity: int | None = None
    currency: int | None = None
    total: Decimal | None = None
    links: list[tuple[int, str, Decimal]] = field(default_factory=list)


@dataclass(frozen=True)
class TxnSummary:
    type: str
    id: int
    entity: int | None
    currency: int | None
    total: Decimal
    doc: Doc


# ---------------------------------------------------------------- lookups


def ref_id(value: Any) -> int | None:
    if isinstance(value, dict) and value.get("id") is not None:
        return int(value["id"])
    return None


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


def base_currency(conn: sqlite3.Connection) -> int | None:
    value = store.get_meta(conn, "base_currency")
    return int(value) if value else None


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


def customer_balances(conn: sqlite3.Connection, customer_id: int) -> dict[int, Decimal]:
    """A/R per currency: invoices and refunds raise it; payments (applied or not), credit memos lower it."""
    signs = {"invoice": 1, "customerRefund": 1, "customerPayment": -1, "creditMemo": -1}
    balances: dict[int, Decimal] = {}
    rows = conn.execute(
        "SELECT type, currency, total FROM _record WHERE family = 'transaction' AND entity = ?",
        (customer_id,),
    )
    for row in rows:
        sign = signs.get(row["type"])
        if sign is None or row["currency"] is None:
            continue
        balances[int(row["currency"])] = balances.get(int(row["currency"]), ZERO) + sign * to_decimal(
            row["total"]
        )
    return balances


# ---------------------------------------------------------------- helpers for validators


def _amount(value: Any, precision: int, path: str, positive: bool = True) -> Decimal:
    amount = to_decimal(value)
    if decimals_of(amount) > precision:
        raise user_error(
            f"The amount {amount} has more decimal places than the currency allows ({precision}).", path
        )
    if positive and amount <= 0:
        raise user_error(f"The amount must be greater than zero (got {amount}).", path)
    return amount


def _required_ref(doc: Doc, name: str, label: str) -> int:
    value = ref_id(doc.get(name))
    if value is None:
        raise user_error(f"Please enter value(s) for: {label}", name)
    return value


def _transaction_currency(conn: sqlite3.Connection, doc: Doc, customer_id: int) -> int:
    """Default to the customer's primary currency; refuse one the customer may not use."""
    customer = load_doc(conn, "entity", customer_id) or {}
    allowed = customer_currencies(customer)
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


def _defaults(conn: sqlite3.Connection, doc: Doc, customer_id: int | None) -> None:
    if not doc.get("tranDate"):
        doc["tranDate"] = date.today().isoformat()
    if doc.get("subsidiary") is None:
        customer = load_doc(conn, "entity", customer_id) or {}
        sub = customer.get("subsidiary") or ({"id": "1"} if load_doc(conn, "subsidiary", 1) else None)
        if sub:
            doc["subsidiary"] = sub
    if doc.get("exchangeRate") is None:
        currency = load_doc(conn, "currency", ref_id(doc.get("currency"))) or {}
        doc["exchangeRate"] = currency.get("exchangeRate", "1")


def _line_path(line: Doc, sublist: str, index: int) -> str:
    return f"{sublist}.items[{line.get('_path', index)}]"


def _item_lines(conn: sqlite3.Connection, doc: Doc, precision: int) -> Decimal:
    lines = doc.get("item") or []
    if not lines:
        raise user_error(NO_LINES, "item")
    total = ZERO
    for index, line in enumerate(lines):
        path = _line_path(line, "item", index)
        if ref_id(line.get("item")) is None:
            raise user_error("Please enter value(s) for: Item", path + ".item")
        quantity = to_decimal(line.get("quantity") or "1")
        if line.get("amount") is not None:
            amount = _amount(line["amount"], precision, path + ".amount", positive=False)
        elif line.get("rate") is not None:
            amount = quantize(quantity * to_decimal(line["rate"]), precision)
        else:
            raise user_error("Please enter value(s) for: Rate or Amount", path + ".rate")
        line["quantity"] = to_text(quantity)
        line["amount"] = to_text(amount)
        line["line"] = index + 1
        total += amount
    if total < 0:
        raise user_error("The transaction total cannot be negative.", "item")
    return total


def _apply_lines(
    conn: sqlite3.Connection,
    doc: Doc,
    record_id: int,
    customer_id: int,
    currency: int,
    precision: int,
    allowed_types: tuple[str, ...],
    available: Any,
    budget: Decimal | None,
) -> list[tuple[TxnSummary, Decimal, Doc]]:
    """Check each applied line against what its document still allows, in request order.

    `available(summary)` is the most that may be applied to that document by this record;
    `budget` is the most this record may apply in total (None = no limit, the total follows).
    """
    kept: list[tuple[TxnSummary, Decimal, Doc]] = []
    used = ZERO
    for index, line in enumerate(doc.get("apply") or []):
        if line.get("apply") is False:
            continue
        path = _line_path(line, "apply", index)
        target_id = ref_id(line.get("doc"))
        target = summary(conn, target_id) if target_id is not None else None
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
        limit: Decimal = available(target)
        if line.get("amount") is None:
            amount = limit if budget is None else min(limit, budget - used)
            if amount <= 0:
                raise user_error(f"Nothing is left to apply to document {target_id}.", path + ".amount")
        else:
            amount = _amount(line["amount"], precision, path + ".amount")
        if amount > limit:
            raise user_error(
                f"You cannot apply {amount} to {TYPE_LABELS.get(_trantype(target.type), target.type)} "
                f"{target.doc.get('tranId', target_id)}: only {limit} remains.",
                path + ".amount",
            )
        used += amount
        if budget is not None and used > budget:
            raise user_error(
                f"The total applied ({used}) is more than the amount available ({budget}).", path + ".amount"
            )
        kept.append(
            (target, amount, {"doc": {"id": str(target.id)}, "apply": True, "amount": to_text(amount)})
        )
    doc["apply"] = [entry[2] for entry in kept]
    return kept


def _trantype(record_type: str) -> str:
    return RECORD_TYPES[record_type].trantype or record_type


def _check_bank(conn: sqlite3.Connection, account_id: int | None, path: str) -> Doc:
    account = load_doc(conn, "account", account_id)
    if account is None:
        raise user_error("Please enter value(s) for: Account", path)
    if account.get("acctType") != "Bank":
        raise user_error(f"Account {account_id} is not a bank account.", path)
    return account


# ---------------------------------------------------------------- validators per record type


def validate(conn: sqlite3.Connection, record: RecordType, doc: Doc, record_id: int) -> Outcome:
    """Apply defaults and business rules to a merged document; raise USER_ERROR when NetSuite would."""
    handler = _VALIDATORS.get(record.name)
    outcome = handler(conn, doc, record_id) if handler else Outcome(doc)
    for sublist_name in record.sublists:
        for line in outcome.doc.get(sublist_name) or []:
            line.pop("_path", None)
    return outcome


def _customer(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    if not doc.get("entityId"):
        doc["entityId"] = f"CUST{record_id}"
    if not (doc.get("companyName") or doc.get("firstName") or doc.get("lastName")):
        raise user_error("Please enter value(s) for: Company Name", "companyName")
    if doc.get("currency") is None:
        base = base_currency(conn)
        if base is None:
            raise user_error("Please enter value(s) for: Currency", "currency")
        doc["currency"] = {"id": str(base)}
    if doc.get("subsidiary") is None and load_doc(conn, "subsidiary", 1):
        doc["subsidiary"] = {"id": "1"}
    primary = ref_id(doc["currency"])
    lines = [line for line in doc.get("currencyList") or [] if ref_id(line.get("currency")) != primary]
    doc["currencyList"] = [{"currency": {"id": str(primary)}}, *lines]
    balances = customer_balances(conn, record_id)
    for cid, balance in balances.items():
        if cid not in customer_currencies(doc) and balance != 0:
            raise user_error(f"Currency {cid} has transactions and cannot be removed.", "currencyList")
    return Outcome(doc)


def _invoice(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    customer_id = _required_ref(doc, "entity", "Customer")
    currency = _transaction_currency(conn, doc, customer_id)
    _defaults(conn, doc, customer_id)
    doc.setdefault("tranId", f"INV{record_id}")
    if doc.get("account") is None and store.get_meta(conn, "ar_account"):
        doc["account"] = {"id": store.get_meta(conn, "ar_account")}
    total = _item_lines(conn, doc, precision_of(conn, currency))
    paid = links_to(conn, record_id, ("payment", "credit"))
    if total < paid:
        raise user_error(
            f"The invoice total ({total}) cannot be less than the amount already paid ({paid}).", "item"
        )
    return Outcome(doc, customer_id, currency, total)


def _payment(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    customer_id = _required_ref(doc, "customer", "Customer")
    currency = _transaction_currency(conn, doc, customer_id)
    _defaults(conn, doc, customer_id)
    doc.setdefault("tranId", f"PYMT{record_id}")
    precision = precision_of(conn, currency)
    _payment_account(conn, doc, currency)
    budget = None if doc.get("payment") is None else _amount(doc["payment"], precision, "payment")
    applied = _apply_lines(
        conn,
        doc,
        record_id,
        customer_id,
        currency,
        precision,
        ("invoice",),
        lambda target: invoice_remaining(conn, target, exclude_source=record_id),
        budget,
    )
    applied_total = sum((amount for _, amount, _ in applied), ZERO)
    if budget is None:
        if not applied:
            raise user_error("Please enter value(s) for: Payment Amount", "payment")
        budget = applied_total
    doc["payment"] = to_text(budget)
    refunded = links_to(conn, record_id, ("refund",))
    if budget - applied_total < refunded:
        raise user_error(
            f"{refunded} of this payment has been refunded; it cannot be reduced below that.", "payment"
        )
    deposit = deposit_of(conn, record_id)
    if deposit is not None:
        before = summary(conn, record_id)
        if before is not None and before.total != budget:
            raise user_error(f"The payment is in deposit {deposit}; its amount cannot change.", "payment")
        if not doc.get("undepFunds"):
            raise user_error(
                f"The payment is in deposit {deposit}; it must stay in Undeposited Funds.", "undepFunds"
            )
    links = [(target.id, "payment", amount) for target, amount, _ in applied]
    return Outcome(doc, customer_id, currency, budget, links)


def _payment_account(conn: sqlite3.Connection, doc: Doc, currency: int) -> None:
    """undepFunds true posts to Undeposited Funds; false needs a bank account in the payment's currency."""
    undeposited = store.get_meta(conn, "undeposited_account")
    if doc.get("undepFunds") is None:
        doc["undepFunds"] = doc.get("account") is None or (
            undeposited is not None and ref_id(doc.get("account")) == int(undeposited)
        )
    if doc["undepFunds"]:
        doc["account"] = {"id": undeposited} if undeposited else None
        return
    account = _check_bank(conn, ref_id(doc.get("account")), "account")
    if ref_id(account.get("currency")) not in (None, currency):
        raise user_error("The bank account is in another currency than the payment.", "account")


def _credit_memo(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    customer_id = _required_ref(doc, "entity", "Customer")
    currency = _transaction_currency(conn, doc, customer_id)
    _defaults(conn, doc, customer_id)
    doc.setdefault("tranId", f"CM{record_id}")
    precision = precision_of(conn, currency)
    total = _item_lines(conn, doc, precision)
    refunded = links_to(conn, record_id, ("refund",))
    applied = _apply_lines(
        conn,
        doc,
        record_id,
        customer_id,
        currency,
        precision,
        ("invoice",),
        lambda target: invoice_remaining(conn, target, exclude_source=record_id),
        total - refunded,
    )
    links = [(target.id, "credit", amount) for target, amount, _ in applied]
    return Outcome(doc, customer_id, currency, total, links)


def _refund(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    customer_id = _required_ref(doc, "customer", "Customer")
    currency = _transaction_currency(conn, doc, customer_id)
    _defaults(conn, doc, customer_id)
    doc.setdefault("tranId", f"RFND{record_id}")
    if doc.get("account") is not None:
        _check_bank(conn, ref_id(doc["account"]), "account")
    applied = _apply_lines(
        conn,
        doc,
        record_id,
        customer_id,
        currency,
        precision_of(conn, currency),
        ("customerPayment", "creditMemo"),
        lambda target: credit_available(conn, target, exclude_source=record_id),
        None,
    )
    if not applied:
        raise user_error(NO_LINES, "apply")
    total = sum((amount for _, amount, _ in applied), ZERO)
    links = [(target.id, "refund", amount) for target, amount, _ in applied]
    return Outcome(doc, customer_id, currency, total, links)


def _deposit(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    account_id = ref_id(doc.get("account"))
    undeposited = store.get_meta(conn, "undeposited_account")
    if undeposited is not None and account_id == int(undeposited):
        raise user_error("A deposit cannot go to Undeposited Funds; choose a bank account.", "account")
    account = _check_bank(conn, account_id, "account")
    account_currency = ref_id(account.get("currency"))
    currency = ref_id(doc.get("currency")) or account_currency or base_currency(conn)
    if account_currency is not None and currency != account_currency:
        raise user_error("The deposit currency must be the bank account's currency.", "currency")
    doc["currency"] = {"id": str(currency)}
    _defaults(conn, doc, None)
    doc.setdefault("tranId", f"DEP{record_id}")
    precision = precision_of(conn, currency)
    total = ZERO
    links: list[tuple[int, str, Decimal]] = []
    kept_payments: list[Doc] = []
    for index, line in enumerate(doc.get("payment") or []):
        if line.get("deposit") is False:
            continue
        path = _line_path(line, "payment", index)
        payment = summary(conn, int(line["id"])) if line.get("id") is not None else None
        if payment is None or payment.type != "customerPayment":
            raise user_error(
                f"Transaction {line.get('id')} is not a payment that can be deposited.", path + ".id"
            )
        if not payment.doc.get("undepFunds"):
            raise user_error(
                f"Payment {payment.id} was not posted to Undeposited Funds and cannot be deposited.",
                path + ".id",
            )
        other_deposit = deposit_of(conn, payment.id)
        if other_deposit is not None and other_deposit != record_id:
            raise user_error(
                f"Payment {payment.id} has already been deposited (deposit {other_deposit}).", path + ".id"
            )
        if payment.currency != currency:
            raise user_error(f"Payment {payment.id} is in another currency than the deposit.", path + ".id")
        total += payment.total
        links.append((payment.id, "deposit", payment.total))
        kept_payments.append({"id": payment.id, "deposit": True})
    doc["payment"] = kept_payments
    for sublist_name, sign in (("other", 1), ("cashBack", -1)):
        for index, line in enumerate(doc.get(sublist_name) or []):
            path = _line_path(line, sublist_name, index)
            if load_doc(conn, "account", ref_id(line.get("account"))) is None:
                raise user_error("Please enter value(s) for: Account", path + ".account")
            amount = _amount(line.get("amount"), precision, path + ".amount")
            line["amount"] = to_text(amount)
            total += sign * amount
    if not links and not doc.get("other") and not doc.get("cashBack"):
        raise user_error(NO_LINES, "payment")
    if total < 0:
        raise user_error(f"The deposit total cannot be negative ({total}).", "cashBack")
    return Outcome(doc, None, currency, total, links)


def _journal(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    if doc.get("currency") is None and base_currency(conn) is not None:
        doc["currency"] = {"id": str(base_currency(conn))}
    _defaults(conn, doc, None)
    doc.setdefault("tranId", f"JE{record_id}")
    precision = precision_of(conn, ref_id(doc.get("currency")))
    debits = credits = ZERO
    lines = doc.get("line") or []
    if not lines:
        raise user_error(NO_LINES, "line")
    for index, line in enumerate(lines):
        path = _line_path(line, "line", index)
        if load_doc(conn, "account", ref_id(line.get("account"))) is None:
            raise user_error("Please enter value(s) for: Account", path + ".account")
        if (line.get("debit") is None) == (line.get("credit") is None):
            raise user_error("Each line needs either a debit or a credit.", path)
        for side in ("debit", "credit"):
            if line.get(side) is not None:
                amount = _amount(line[side], precision, f"{path}.{side}")
                line[side] = to_text(amount)
                if side == "debit":
                    debits += amount
                else:
                    credits += amount
        line["line"] = index
    if debits != credits:
        raise user_error(f"The debits ({debits}) and credits ({credits}) of a journal must be equal.", "line")
    return Outcome(doc, None, ref_id(doc.get("currency")), debits)


def _account(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    if not doc.get("acctName"):
        raise user_error("Please enter value(s) for: Account Name", "acctName")
    doc.setdefault("acctType", "Bank")
    return Outcome(doc, currency=ref_id(doc.get("currency")))


def _currency(conn: sqlite3.Connection, doc: Doc, record_id: int) -> Outcome:
    if not doc.get("symbol"):
        raise user_error("Please enter value(s) for: ISO Code", "symbol")
    doc.setdefault("name", doc["symbol"])
    doc.setdefault("currencyPrecision", 2)
    doc.setdefault("exchangeRate", "1")
    if doc["currencyPrecision"] not in (0, 1, 2, 3):
        raise user_error("Currency precision must be 0 to 3.", "currencyPrecision")
    return Outcome(doc)


_VALIDATORS = {
    "customer": _customer,
    "invoice": _invoice,
    "customerPayment": _payment,
    "creditMemo": _credit_memo,
    "customerRefund": _refund,
    "deposit": _deposit,
    "journalEntry": _journal,
    "account": _account,
    "currency": _currency,
}


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


# ---------------------------------------------------------------- derived (read-only) values


def status_letter(
    conn: sqlite3.Connection, record_type: str, record_id: int, doc: Doc, total: Decimal
) -> str | None:
    if record_type == "invoice":
        return "A" if invoice_remaining(conn, _fake_summary(record_type, record_id, total, doc)) > 0 else "B"
    if record_type == "customerPayment":
        return "C" if deposit_of(conn, record_id) is not None or not doc.get("undepFunds") else "B"
    if record_type == "creditMemo":
        return "A" if credit_available(conn, _fake_summary(record_type, record_id, total, doc)) > 0 else "B"
    if record_type == "journalEntry":
        return "B"
    return None


def _fake_summary(record_type: str, record_id: int, total: Decimal, doc: Doc) -> TxnSummary:
    return TxnSummary(record_type, record_id, None, None, total, doc)


def derived(conn: sqlite3.Connection, record_type: str, record_id: int, doc: Doc) -> Doc:
    """The record's read-only body fields and per-line extras, computed from the current ledger."""
    if record_type == "customer":
        return _derived_customer(conn, record_id, doc)
    txn = summary(conn, record_id)
    if txn is None:
        return {}
    out: Doc = {"total": txn.total}
    trantype = _trantype(record_type)
    letter = status_letter(conn, record_type, record_id, doc, txn.total)
    if letter is not None:
        status_id, display = STATUSES[(trantype, letter)]
        out["status"] = {"id": status_id, "refName": display}
    if record_type == "invoice":
        remaining = invoice_remaining(conn, txn)
        out.update(subtotal=txn.total, amountRemaining=remaining, amountPaid=txn.total - remaining)
    elif record_type in ("customerPayment", "creditMemo"):
        available = credit_available(conn, txn)
        out.update(applied=links_from(conn, record_id, ("payment", "credit")), unapplied=available)
    if record_type in ("customerPayment", "creditMemo", "customerRefund"):
        out["apply"] = [_apply_extras(conn, record_type, line) for line in doc.get("apply") or []]
    if record_type == "deposit":
        out["payment"] = [_deposit_extras(conn, line) for line in doc.get("payment") or []]
    return out


def _apply_extras(conn: sqlite3.Connection, record_type: str, line: Doc) -> Doc:
    target = summary(conn, int(line["doc"]["id"]))
    if target is None:
        return line
    if record_type == "customerRefund":
        due = credit_available(conn, target)
    else:
        due = invoice_remaining(conn, target)
    return {
        **line,
        "total": target.total,
        "due": due,
        "refNum": target.doc.get("tranId"),
        "type": TYPE_LABELS.get(_trantype(target.type)),
        "applyDate": target.doc.get("tranDate"),
        "currency": {"id": str(target.currency)} if target.currency else None,
    }


def _deposit_extras(conn: sqlite3.Connection, line: Doc) -> Doc:
    payment = summary(conn, int(line["id"]))
    if payment is None:
        return line
    return {
        **line,
        "paymentAmount": payment.total,
        "docNumber": payment.doc.get("tranId"),
        "type": TYPE_LABELS["CustPymt"],
        "entity": payment.doc.get("customer"),
        "currency": {"id": str(payment.currency)},
        "tranDate": payment.doc.get("tranDate"),
        "memo": payment.doc.get("memo"),
    }


def _derived_customer(conn: sqlite3.Connection, record_id: int, doc: Doc) -> Doc:
    balances = customer_balances(conn, record_id)
    primary = ref_id(doc.get("currency"))
    unapplied = ZERO
    for row in conn.execute(
        "SELECT id FROM _record WHERE entity = ? AND currency IS ? "
        "AND type IN ('customerPayment', 'creditMemo')",
        (record_id, primary),
    ):
        credit = summary(conn, int(row[0]))
        if credit is not None:
            unapplied += credit_available(conn, credit)
    lines = [
        {**line, "balance": balances.get(ref_id(line.get("currency")) or -1, ZERO)}
        for line in doc.get("currencyList") or []
    ]
    return {"balance": balances.get(primary or -1, ZERO), "unappliedAmount": unapplied, "currencyList": lines}
