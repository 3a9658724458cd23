"""What a payment page shows, read live from NetSuite with ONE SuiteQL query per page.

The customer page needs the customer (name, email), its balance in each of its currencies and its open
invoices (NetSuite keeps each invoice in its own currency, and a payment is in one currency); the invoice page
needs the invoice and its customer's balance in the invoice's currency. Each is one UNION ALL query, extended
with the customer payments whose external id is one of our recent Stripe payments, so the same round trip
tells which of our paid attempts NetSuite already shows (and so are already inside the balance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from stripe_netsuite.money import exponent, normalize_currency

__all__ = [
    "AccountNotFoundError",
    "CurrencyBalance",
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
class CurrencyBalance:
    """What the customer owes in one currency (NetSuite's per-currency balance) and its open invoices."""

    currency: str
    balance_minor: int
    invoices: tuple[OpenInvoice, ...]


@dataclass(frozen=True)
class CustomerAccount:
    """A customer's page data in one currency (`currency`), with every currency the customer owes in.

    `currency`, `balance_minor` and `invoices` are those of one entry of `balances`: the primary currency
    as fetched, another through `in_currency`. A payment is always in that one currency.
    """

    customer_id: str
    name: str
    email: str | None
    currency: str
    balance_minor: int
    invoices: tuple[OpenInvoice, ...]
    recorded_payment_ids: frozenset[str]
    fetched_at: datetime
    primary_currency: str = ""
    balances: tuple[CurrencyBalance, ...] = ()

    def in_currency(self, currency: str | None) -> CustomerAccount:
        """The same account seen in `currency` (None: unchanged); AccountNotFoundError if it is not one."""
        if currency is None or currency == self.currency:
            return self
        for entry in self.balances:
            if entry.currency == currency:
                return replace(
                    self, currency=currency, balance_minor=entry.balance_minor, invoices=entry.invoices
                )
        raise AccountNotFoundError(f"customer {self.customer_id} has no {currency} balance")

    @property
    def payable_balances(self) -> tuple[CurrencyBalance, ...]:
        """The currencies a page offers: the primary one always, others while something is owed in them."""
        return tuple(
            entry
            for entry in self.balances
            if entry.currency == self.primary_currency or entry.balance_minor > 0 or entry.invoices
        )


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
        " UNION ALL SELECT 'balance', b.currency, NULL, NULL, b.balance, cur.symbol, NULL, NULL, NULL, NULL"
        " FROM customercurrencybalance b JOIN currency cur ON cur.id = b.currency"
        f" WHERE b.customer = {entity}"
        " UNION ALL SELECT 'invoice', t.id, t.tranid, NULL, t.foreignamountremaining, cur.symbol,"
        " TO_CHAR(t.trandate, 'YYYY-MM-DD'), TO_CHAR(t.duedate, 'YYYY-MM-DD'), t.status, NULL"
        " FROM transaction t JOIN currency cur ON cur.id = t.currency"
        f" WHERE t.entity = {entity} AND t.type = 'CustInvc' AND t.status = 'A'"
        + _payments_clause(payment_ids, entity)
    )
    rows = list(netsuite.suiteql(query))
    customers = [row for row in rows if row.get("kind") == "customer"]
    if not customers or customers[0].get("status") == "T":
        raise AccountNotFoundError(customer_id)
    customer = customers[0]
    primary = normalize_currency(customer["currency"])
    balances = _balances(rows, primary, nominal_minor(customer.get("amount"), primary))
    return CustomerAccount(
        customer_id=entity,
        name=customer.get("name") or customer.get("ref") or entity,
        email=customer.get("email") or None,
        currency=primary,
        balance_minor=balances[0].balance_minor,
        invoices=balances[0].invoices,
        recorded_payment_ids=frozenset(row["name"] for row in rows if row.get("kind") == "payment"),
        fetched_at=now,
        primary_currency=primary,
        balances=balances,
    )


def _balances(
    rows: Sequence[Mapping[str, str]], primary: str, primary_balance_minor: int
) -> tuple[CurrencyBalance, ...]:
    """Per-currency balances with their open invoices, the primary currency first, then by code."""
    owed = {primary: primary_balance_minor}
    for row in rows:
        if row.get("kind") == "balance" and row.get("currency"):
            code = normalize_currency(row["currency"])
            owed[code] = nominal_minor(row.get("amount"), code)
    invoices: dict[str, list[OpenInvoice]] = {}
    for row in rows:
        if row.get("kind") == "invoice":
            invoice = _invoice(row)
            invoices.setdefault(invoice.currency, []).append(invoice)
            owed.setdefault(invoice.currency, 0)
    order = [primary, *sorted(code for code in owed if code != primary)]
    return tuple(
        CurrencyBalance(
            code,
            owed[code],
            tuple(sorted(invoices.get(code, []), key=lambda inv: (inv.due_date or date.max, int(inv.id)))),
        )
        for code in order
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
