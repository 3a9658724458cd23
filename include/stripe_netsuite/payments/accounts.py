"""What a payment page shows, read live from NetSuite with ONE SuiteQL query per page.

The customer page needs the customer (name, email, balance, currency) and its open invoices; the invoice page
needs the invoice and its customer's balance in the invoice's currency. Each is one UNION ALL query, extended
with the customer payments whose external id is one of our recent Stripe payments, so the same round trip
tells which of our paid attempts NetSuite already shows (and so are already inside the balance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from stripe_netsuite.money import exponent, normalize_currency

__all__ = [
    "AccountNotFoundError",
    "CustomerAccount",
    "InvoiceAccount",
    "OpenInvoice",
    "SuiteQLRunner",
    "fetch_customer_account",
    "fetch_invoice_account",
    "nominal_minor",
]

# Recorded payments looked for by external id; Stripe ids are [A-Za-z0-9_], checked before quoting.
_MAX_PAYMENT_IDS = 200


class SuiteQLRunner(Protocol):
    """The one method of NetSuiteClient these reads need (a fake in unit tests)."""

    def suiteql(self, query: str, *, page_size: int = ...) -> Iterable[dict[str, str]]: ...


class AccountNotFoundError(LookupError):
    """NetSuite has no such (active) customer or invoice."""


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice as a page shows it; amounts in minor units of the invoice currency."""

    id: str
    number: str
    date: dt.date | None
    due_date: dt.date | None
    remaining_minor: int
    currency: str
    is_open: bool


@dataclass(frozen=True)
class CustomerAccount:
    """A customer's page data: balance and open invoices in the customer's primary currency."""

    customer_id: str
    name: str
    email: str | None
    currency: str
    balance_minor: int
    invoices: tuple[OpenInvoice, ...]
    recorded_payment_ids: frozenset[str]
    fetched_at: datetime


@dataclass(frozen=True)
class InvoiceAccount:
    """An invoice page's data: the invoice and its customer's balance in the invoice currency."""

    invoice: OpenInvoice
    customer_id: str
    customer_name: str
    email: str | None
    balance_minor: int
    recorded_payment_ids: frozenset[str]
    fetched_at: datetime


def nominal_minor(amount: str | Decimal | None, currency: str) -> int:
    """Minor units of a NetSuite amount; unlike money.to_minor it accepts KWD 0.005 (NetSuite does)."""
    value = Decimal(amount or "0").scaleb(exponent(currency))
    if value != value.to_integral_value():
        raise ValueError(f"NetSuite amount {amount!r} has more decimals than {currency} allows")
    return int(value)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _id(value: str) -> str:
    if not value.isdigit():
        raise AccountNotFoundError(value)
    return value


def _payments_clause(payment_ids: Sequence[str], entity: str) -> str:
    ids = [pid for pid in payment_ids if pid.replace("_", "").isalnum()][:_MAX_PAYMENT_IDS]
    if not ids:
        return ""
    quoted = ", ".join(f"'{pid}'" for pid in ids)
    return (
        " UNION ALL SELECT 'payment' AS kind, t.id AS id, t.externalid AS name, NULL AS email,"
        " NULL AS amount, NULL AS currency, NULL AS trandate, NULL AS duedate, t.status AS status,"
        " NULL AS ref FROM transaction t"
        f" WHERE t.entity = {entity} AND t.type = 'CustPymt' AND t.externalid IN ({quoted})"
    )


def _invoice(row: Mapping[str, str]) -> OpenInvoice:
    currency = normalize_currency(row["currency"])
    return OpenInvoice(
        id=row["id"],
        number=row.get("name") or row["id"],
        date=_date(row.get("trandate")),
        due_date=_date(row.get("duedate")),
        remaining_minor=nominal_minor(row.get("amount"), currency),
        currency=currency,
        is_open=row.get("status") == "A",
    )


def fetch_customer_account(
    netsuite: SuiteQLRunner, customer_id: str, payment_ids: Sequence[str], now: datetime
) -> CustomerAccount:
    """The customer page's data in one SuiteQL round trip; AccountNotFoundError for unknown/inactive."""
    entity = _id(customer_id)
    query = (
        "SELECT 'customer' AS kind, c.id AS id, c.companyname AS name, c.email AS email, c.balance AS amount,"
        " cur.symbol AS currency, NULL AS trandate, NULL AS duedate, c.isinactive AS status,"
        " c.entityid AS ref"
        f" FROM customer c JOIN currency cur ON cur.id = c.currency WHERE c.id = {entity}"
        " UNION ALL SELECT 'invoice', t.id, t.tranid, NULL, t.foreignamountremaining, cur.symbol,"
        " TO_CHAR(t.trandate, 'YYYY-MM-DD'), TO_CHAR(t.duedate, 'YYYY-MM-DD'), t.status, NULL"
        " FROM transaction t JOIN customer c ON c.id = t.entity JOIN currency cur ON cur.id = t.currency"
        f" WHERE t.entity = {entity} AND t.type = 'CustInvc' AND t.status = 'A' AND t.currency = c.currency"
        + _payments_clause(payment_ids, entity)
    )
    rows = list(netsuite.suiteql(query))
    customers = [row for row in rows if row.get("kind") == "customer"]
    if not customers or customers[0].get("status") == "T":
        raise AccountNotFoundError(customer_id)
    customer = customers[0]
    currency = normalize_currency(customer["currency"])
    invoices = sorted(
        (_invoice(row) for row in rows if row.get("kind") == "invoice"),
        key=lambda inv: (inv.due_date or date.max, int(inv.id)),
    )
    return CustomerAccount(
        customer_id=entity,
        name=customer.get("name") or customer.get("ref") or entity,
        email=customer.get("email") or None,
        currency=currency,
        balance_minor=nominal_minor(customer.get("amount"), currency),
        invoices=tuple(invoices),
        recorded_payment_ids=frozenset(row["name"] for row in rows if row.get("kind") == "payment"),
        fetched_at=now,
    )


def fetch_invoice_account(
    netsuite: SuiteQLRunner,
    invoice_id: str,
    customer_id: str | None,
    payment_ids: Sequence[str],
    now: datetime,
) -> InvoiceAccount:
    """The invoice page's data in one SuiteQL round trip; a known `customer_id` adds recorded payments."""
    tran = _id(invoice_id)
    query = (
        "SELECT 'invoice' AS kind, t.id AS id, t.tranid AS name, c.email AS email,"
        " t.foreignamountremaining AS amount, cur.symbol AS currency,"
        " TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate,"
        " TO_CHAR(t.duedate, 'YYYY-MM-DD') AS duedate, t.status AS status, c.id AS ref"
        " FROM transaction t JOIN customer c ON c.id = t.entity JOIN currency cur ON cur.id = t.currency"
        f" WHERE t.id = {tran} AND t.type = 'CustInvc'"
        " UNION ALL SELECT 'customer', c.id, c.companyname, NULL, b.balance, NULL, NULL, NULL,"
        " c.isinactive, NULL"
        " FROM transaction t JOIN customer c ON c.id = t.entity"
        " LEFT JOIN customercurrencybalance b ON b.customer = c.id AND b.currency = t.currency"
        f" WHERE t.id = {tran} AND t.type = 'CustInvc'"
        + (_payments_clause(payment_ids, _id(customer_id)) if customer_id else "")
    )
    rows = list(netsuite.suiteql(query))
    invoices = [row for row in rows if row.get("kind") == "invoice"]
    customers = [row for row in rows if row.get("kind") == "customer"]
    if not invoices or not customers or customers[0].get("status") == "T":
        raise AccountNotFoundError(invoice_id)
    invoice = _invoice(invoices[0])
    return InvoiceAccount(
        invoice=invoice,
        customer_id=invoices[0]["ref"],
        customer_name=customers[0].get("name") or invoices[0]["ref"],
        email=invoices[0].get("email") or None,
        balance_minor=nominal_minor(customers[0].get("amount"), invoice.currency),
        recorded_payment_ids=frozenset(row["name"] for row in rows if row.get("kind") == "payment"),
        fetched_at=now,
    )
