"""Deterministic demo data, created through the same rules as REST writes (ids listed in SEED.md)."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from . import periods, writes
from . import store as store_module
from .fields import RECORD_TYPES
from .parse import NameCheck
from .store import Store

# (symbol, name, display symbol, precision, exchange rate to USD); ids 1..6 in this order.
CURRENCIES = [
    ("USD", "US Dollar", "$", 2, "1"),
    ("GBP", "British Pound", "£", 2, "1.27"),
    ("CAD", "Canadian Dollar", "CA$", 2, "0.73"),
    ("EUR", "Euro", "€", 2, "1.08"),
    ("JPY", "Japanese Yen", "¥", 0, "0.0067"),
    ("KWD", "Kuwaiti Dinar", "KD", 3, "3.25"),
]
CURRENCY_ID = {symbol: index for index, (symbol, *_rest) in enumerate(CURRENCIES, start=1)}
BANK_ACCOUNT = dict(CURRENCY_ID)  # bank account id == currency id ("Stripe Clearing <CUR>")
UNDEPOSITED_FUNDS = 7
STRIPE_FEES = 8
ACCOUNTS_RECEIVABLE = 9
SALES = 10
# The company's own bank accounts, where each payout lands (ids 11..16, in currency order): kept apart from
# the Stripe clearing accounts so that the bank moves once per payout and the clearing accounts net to zero.
OPERATING_BANK = {symbol: 10 + currency_id for symbol, currency_id in CURRENCY_ID.items()}
STRIPE_ADJUSTMENTS = 17
STRIPE_PAYMENT_METHOD = 1
UNALLOCATED_CUSTOMER = 101
FIRST_CUSTOMER_ID = 101
FIRST_TRANSACTION_ID = 1001

# (company, email, primary currency, other currencies, invoices)
# invoice = (currency or None for primary, [(item, quantity, rate)], day offset, state, paid amount)
Invoice = tuple[str | None, list[tuple[int, str, str]], int, str, str | None]
CUSTOMERS: list[tuple[str, str, str, list[str], list[Invoice]]] = [
    ("Stripe Unallocated Charges", "unallocated@example.com", "USD", ["GBP", "CAD", "EUR", "JPY", "KWD"], []),
    (
        "Acme Corporation",
        "billing@acme.example",
        "USD",
        ["EUR"],
        [
            (None, [(1, "10", "150.00")], 0, "open", None),
            (None, [(2, "1", "2000.00"), (3, "1", "400.00")], 5, "partial", "1000.00"),
            (None, [(1, "1", "980.50")], 9, "paid", None),
            ("EUR", [(2, "1", "1200.00")], 20, "open", None),
        ],
    ),
    (
        "Globex Ltd",
        "accounts@globex.example",
        "GBP",
        [],
        [
            (None, [(1, "5", "150.00")], 2, "open", None),
            (None, [(2, "1", "1250.00")], 12, "partial", "500.00"),
            (None, [(3, "1", "320.40")], 30, "paid", None),
        ],
    ),
    (
        "Initech Inc",
        "ap@initech.example",
        "USD",
        [],
        [
            (None, [(2, "1", "4999.99")], 3, "open", None),
            (None, [(3, "1", "120.00")], 14, "paid", None),
            (None, [(1, "4", "215.00")], 33, "partial", "430.00"),
            (None, [(3, "1", "45.25")], 60, "open", None),
        ],
    ),
    (
        "Müller Maschinenbau GmbH",
        "buchhaltung@mueller.example",
        "EUR",
        ["USD"],
        [
            (None, [(2, "1", "2100.00")], 4, "open", None),
            (None, [(1, "3", "1050.00")], 18, "partial", "1000.00"),
            (None, [(3, "1", "499.00")], 40, "paid", None),
            ("USD", [(1, "1", "800.00")], 55, "open", None),
        ],
    ),
    (
        "Tanaka Trading K.K.",
        "keiri@tanaka.example",
        "JPY",
        [],
        [
            (None, [(2, "1", "125000")], 6, "open", None),
            (None, [(1, "4", "120000")], 25, "partial", "200000"),
            (None, [(3, "1", "36500")], 50, "paid", None),
        ],
    ),
    (
        "Maple Leaf Supplies Ltd",
        "finance@mapleleaf.example",
        "CAD",
        ["USD"],
        [
            (None, [(2, "1", "1875.50")], 8, "open", None),
            (None, [(1, "2", "320.00")], 28, "partial", "140.00"),
            (None, [(3, "1", "99.99")], 45, "paid", None),
            ("USD", [(1, "1", "300.00")], 70, "open", None),
        ],
    ),
    (
        "Al Noor Trading Co.",
        "accounts@alnoor.example",
        "KWD",
        [],
        [
            (None, [(2, "1", "1250.750")], 10, "open", None),
            (None, [(1, "1", "480.125")], 35, "partial", "200.000"),
            (None, [(3, "1", "75.500")], 65, "paid", None),
        ],
    ),
    (
        "Umbrella Holdings plc",
        "treasury@umbrella.example",
        "USD",
        ["GBP", "EUR"],
        [
            (None, [(2, "1", "10000.00")], 1, "open", None),
            (None, [(1, "1", "2500.00")], 15, "paid", None),
            ("GBP", [(1, "2", "450.00")], 38, "partial", "450.00"),
            ("EUR", [(2, "1", "1400.00")], 75, "open", None),
        ],
    ),
    (
        "Soylent SAS",
        "compta@soylent.example",
        "EUR",
        [],
        [
            (None, [(3, "1", "640.00")], 7, "open", None),
            (None, [(2, "1", "1280.00")], 22, "partial", "640.00"),
            (None, [(1, "1", "210.00")], 48, "paid", None),
            (None, [(3, "3", "111.11")], 80, "open", None),
        ],
    ),
]
START = date(2026, 8, 1)
UNDEPOSITED = {"id": "T"}  # undepFunds is an object in REST: "T" = Undeposited Funds


def _ref(record_id: int) -> dict[str, str]:
    return {"id": str(record_id)}


def _create(conn: sqlite3.Connection, type_name: str, body: dict[str, Any]) -> int:
    # Error mode: a misspelt field in the seed must fail, not vanish.
    return writes.create(conn, RECORD_TYPES[type_name], body, NameCheck("Error"))


def seed(store: Store) -> bool:
    """Create the standard data set in an empty database; returns False if records already exist."""
    if not store.is_empty():
        return False
    with store.write() as conn:
        store_module.set_meta(conn, "base_currency", "1")
        periods.seed_periods(conn)  # before any transaction: each one takes its posting period
        for symbol, name, display, precision, rate in CURRENCIES:
            _create(
                conn,
                "currency",
                {
                    "symbol": symbol,
                    "name": name,
                    "displaySymbol": display,
                    "currencyPrecision": precision,
                    "exchangeRate": rate,
                },
            )
        _create(conn, "subsidiary", {"name": "Honeycomb Holdings Inc.", "currency": _ref(1)})
        for symbol, currency_id in CURRENCY_ID.items():
            _create(
                conn,
                "account",
                {
                    "acctNumber": f"100{currency_id}",
                    "acctName": f"Stripe Clearing {symbol}",
                    "acctType": "Bank",
                    "currency": _ref(currency_id),
                    "subsidiary": _ref(1),
                },
            )
        for number, name, kind in (
            ("1099", "Undeposited Funds", "OthCurrAsset"),
            ("6100", "Stripe Fees", "Expense"),
            ("1100", "Accounts Receivable", "AcctRec"),
            ("4000", "Sales", "Income"),
        ):
            _create(
                conn,
                "account",
                {"acctNumber": number, "acctName": name, "acctType": kind, "subsidiary": _ref(1)},
            )
        for symbol, currency_id in CURRENCY_ID.items():
            created = _create(
                conn,
                "account",
                {
                    "acctNumber": f"101{currency_id}",
                    "acctName": f"Operating Bank {symbol}",
                    "acctType": "Bank",
                    "currency": _ref(currency_id),
                    "subsidiary": _ref(1),
                },
            )
            assert created == OPERATING_BANK[symbol], "SEED.md and .env.example name these ids"
        adjustments = _create(
            conn,
            "account",
            {"acctNumber": "4900", "acctName": "Stripe Adjustments", "acctType": "OthIncome",
             "subsidiary": _ref(1)},
        )
        assert adjustments == STRIPE_ADJUSTMENTS, "SEED.md and .env.example name this id"
        store_module.set_meta(conn, "undeposited_account", str(UNDEPOSITED_FUNDS))
        store_module.set_meta(conn, "ar_account", str(ACCOUNTS_RECEIVABLE))
        _create(conn, "paymentMethod", {"name": "Stripe"})
        for item_id, name in (
            ("Consulting Services", "Consulting services (hours)"),
            ("Annual Subscription", "Annual software subscription"),
            ("Support Plan", "Premium support plan"),
        ):
            _create(conn, "nonInventorySaleItem", {"itemId": item_id, "displayName": name})
        store_module.set_sequence(conn, "entity", FIRST_CUSTOMER_ID)
        store_module.set_sequence(conn, "transaction", FIRST_TRANSACTION_ID)
        to_deposit = _seed_customers(conn)
        _create(
            conn,
            "deposit",
            {
                "account": _ref(BANK_ACCOUNT["USD"]),
                "tranDate": (START + timedelta(days=90)).isoformat(),
                "memo": "Seeded Stripe payout",
                "payment": {"items": [{"id": p, "deposit": True} for p in to_deposit]},
                "cashback": {
                    "items": [{"account": _ref(STRIPE_FEES), "amount": "42.10", "memo": "Stripe fees"}]
                },
            },
        )
    return True


def _seed_customers(conn: sqlite3.Connection) -> list[int]:
    """Customers, invoices and the payments that partly or fully pay them; returns USD payments to deposit."""
    usd_paid: list[int] = []
    for company, email, primary, others, invoices in CUSTOMERS:
        customer = _create(
            conn,
            "customer",
            {
                "companyName": company,
                "email": email,
                "currency": _ref(CURRENCY_ID[primary]),
                "currencyList": {"items": [{"currency": _ref(CURRENCY_ID[c])} for c in others]},
            },
        )
        invoice_ids: list[int] = []
        for currency, lines, offset, state, paid in invoices:
            symbol = currency or primary
            tran_date = START + timedelta(days=offset)
            invoice = _create(
                conn,
                "invoice",
                {
                    "entity": _ref(customer),
                    "currency": _ref(CURRENCY_ID[symbol]),
                    "tranDate": tran_date.isoformat(),
                    "dueDate": (tran_date + timedelta(days=30)).isoformat(),
                    "item": {
                        "items": [
                            {"item": _ref(item), "quantity": qty, "rate": rate} for item, qty, rate in lines
                        ]
                    },
                },
            )
            invoice_ids.append(invoice)
            if state == "open":
                continue
            apply_line: dict[str, Any] = {"doc": _ref(invoice), "apply": True}
            if paid is not None:
                apply_line["amount"] = paid
            payment = _create(
                conn,
                "customerPayment",
                {
                    "customer": _ref(customer),
                    "currency": _ref(CURRENCY_ID[symbol]),
                    "undepFunds": UNDEPOSITED,
                    "paymentOption": _ref(STRIPE_PAYMENT_METHOD),
                    "tranDate": (tran_date + timedelta(days=10)).isoformat(),
                    "apply": {"items": [apply_line]},
                },
            )
            if state == "paid" and symbol == "USD":
                usd_paid.append(payment)
        if company == "Globex Ltd":
            _create(
                conn,
                "creditMemo",
                {
                    "entity": _ref(customer),
                    "tranDate": (START + timedelta(days=40)).isoformat(),
                    "memo": "Goodwill credit",
                    "item": {"items": [{"item": _ref(3), "quantity": "1", "rate": "50.00"}]},
                    "apply": {"items": [{"doc": _ref(invoice_ids[0]), "amount": "50.00"}]},
                },
            )
        if company == "Initech Inc":
            _create(
                conn,
                "customerPayment",
                {
                    "customer": _ref(customer),
                    "payment": "200.00",
                    "undepFunds": UNDEPOSITED,
                    "memo": "Prepayment",
                    "paymentOption": _ref(STRIPE_PAYMENT_METHOD),
                    "tranDate": (START + timedelta(days=70)).isoformat(),
                },
            )
    return usd_paid


def scale(store: Store, customers: int, invoices: int) -> dict[str, int]:
    """Add `customers` USD customers and `invoices` open USD invoices spread over the scale customers."""
    if customers < 0 or invoices < 0:
        raise ValueError("scale counts must not be negative")
    with store.write() as conn:
        existing = [
            int(r[0])
            for r in conn.execute(
                "SELECT id FROM _record WHERE type = 'customer' "
                "AND externalid LIKE 'scale-customer-%' ORDER BY id"
            )
        ]
        for number in range(len(existing) + 1, len(existing) + customers + 1):
            existing.append(
                _create(
                    conn,
                    "customer",
                    {
                        "companyName": f"Scale Customer {number:05d}",
                        "email": f"scale{number:05d}@example.com",
                        "externalId": f"scale-customer-{number:05d}",
                        "currency": _ref(1),
                    },
                )
            )
        if invoices and not existing:
            for number in range(1, max(1, invoices // 50) + 1):
                existing.append(
                    _create(
                        conn,
                        "customer",
                        {
                            "companyName": f"Scale Customer {number:05d}",
                            "email": f"scale{number:05d}@example.com",
                            "externalId": f"scale-customer-{number:05d}",
                            "currency": _ref(1),
                        },
                    )
                )
        made = 0
        for number in range(invoices):
            tran_date = date(2026, 1, 1) + timedelta(days=number % 300)
            _create(
                conn,
                "invoice",
                {
                    "entity": _ref(existing[number % len(existing)]),
                    "tranDate": tran_date.isoformat(),
                    "dueDate": (tran_date + timedelta(days=30)).isoformat(),
                    "item": {
                        "items": [
                            {"item": _ref(1 + number % 3), "quantity": "1", "rate": f"{10 + number % 90}.00"}
                        ]
                    },
                },
            )
            made += 1
    return {"customers_added": customers, "invoices_added": made}
