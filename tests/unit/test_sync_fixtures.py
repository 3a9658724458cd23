"""Builders shared by the ledger mapping tests (tests/unit/test_sync_*.py): settings and Stripe objects.

Stripe objects are shaped as Stripe's API returns them (lower-case currency, minor-unit integers, Unix
times, expandable fields as ids). No tests live here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from stripe_netsuite.sync.applications import InvoiceFacts
from stripe_netsuite.sync.customers import CustomerFacts, CustomerMatch
from stripe_netsuite.sync.settings import LedgerSettings

# 2026-10-01 03:00:00 UTC: still 30 September in Los Angeles, already 1 October in Tokyo.
OCT_1_0300_UTC = 1790823600
CURRENCY_IDS = {"USD": "1", "GBP": "2", "CAD": "3", "EUR": "4", "JPY": "5", "KWD": "6"}


def ledger_settings(**overrides: Any) -> LedgerSettings:
    values: dict[str, Any] = {
        "time_zone": "America/Los_Angeles",
        "base_currencies": {"1": "USD"},
        "payment_option_id": "1",
        "undeposited_funds_account_id": "7",
        "clearing_accounts": {"usd": "1", "GBP": "2", "CAD": "3", "EUR": "4", "JPY": "5", "KWD": "6"},
        "unallocated_customer_id": "101",
        "credit_memo_item_id": "1",
    }
    values.update(overrides)
    return LedgerSettings(**values)


def customer(cid: str = "102", currencies: tuple[str, ...] = ("USD", "EUR"), **extra: Any) -> CustomerFacts:
    name = extra.pop("name", f"Customer {cid}")
    return CustomerFacts(cid, name, currencies, extra.pop("subsidiary_id", "1"), **extra)


def matched(
    cid: str = "102", currencies: tuple[str, ...] = ("USD", "EUR"), add: bool = False
) -> CustomerMatch:
    return CustomerMatch(customer(cid, currencies), "charge metadata", add)


def invoice(iid: str, remaining: str, *, customer_id: str = "102", currency: str = "USD",
            day: date = date(2026, 9, 1)) -> InvoiceFacts:
    return InvoiceFacts(iid, f"INV{iid}", customer_id, currency, Decimal(remaining), day)


def charge(amount: int = 150000, currency: str = "usd", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "ch_3PaidOnThePage001",
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "captured": True,
        "currency": currency,
        "created": OCT_1_0300_UTC,
        "status": "succeeded",
        "balance_transaction": "txn_3PaidOnThePage001",
        "payment_intent": "pi_3PaidOnThePage001",
        "customer": "cus_Payer001",
        "billing_details": {"email": None},
        "receipt_email": None,
        "metadata": {},
    }
    base.update(fields)
    return base


def balance_transaction(currency: str = "usd", rate: Any = None, amount: int = -1,
                        **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "txn_1",
        "object": "balance_transaction",
        "amount": amount,
        "currency": currency,
        "exchange_rate": rate,
        "created": OCT_1_0300_UTC,
    }
    base.update(fields)
    return base


def refund(amount: int, rid: str = "re_3Refund001", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": rid,
        "object": "refund",
        "amount": amount,
        "currency": "usd",
        "charge": "ch_3PaidOnThePage001",
        "created": OCT_1_0300_UTC + 86400,
        "status": "succeeded",
        "balance_transaction": "txn_refund",
    }
    base.update(fields)
    return base


def dispute(amount: int, transactions: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "dp_1Dispute001",
        "object": "dispute",
        "amount": amount,
        "currency": "usd",
        "charge": "ch_3PaidOnThePage001",
        "created": OCT_1_0300_UTC + 2 * 86400,
        "status": "lost",
        "reason": "fraudulent",
        "balance_transactions": transactions,
    }
    base.update(fields)
    return base
