"""The ledger: balance transactions (append-only, settlement currency), the balance, and availability."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..clock import DAY, day_start
from ..events import emit
from ..listing import list_objects
from ..params import Params
from ..state import Ctx, Sandbox
from .routing import Route

NOUN = "balance transaction"


def fee_detail(amount: int, currency: str, description: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "application": None,
        "currency": currency,
        "description": description,
        "type": "stripe_fee",
    }


def add_transaction(
    ctx: Ctx,
    *,
    kind: str,
    reporting_category: str,
    source: str,
    amount: int,
    currency: str,
    description: str | None,
    fee_details: list[dict[str, Any]] | None = None,
    exchange_rate: Decimal | None = None,
    available_on: int | None = None,
    payout: str | None = None,
) -> dict[str, Any]:
    """Record one money movement. Pending until `available_on` (default: now, i.e. available at once)."""
    details = fee_details or []
    fee = sum(int(detail["amount"]) for detail in details)
    available_on = ctx.now if available_on is None else available_on
    pending = available_on > ctx.now
    txn: dict[str, Any] = {
        "id": ctx.new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": available_on,
        "balance_type": "payments",
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "exchange_rate": float(exchange_rate) if exchange_rate is not None else None,
        "fee": fee,
        "fee_details": details,
        "net": amount - fee,
        "reporting_category": reporting_category,
        "source": source,
        "status": "pending" if pending else "available",
        "type": kind,
    }
    ctx.insert(txn, payout=payout, due=available_on if pending else None)
    return txn


def availability_date(ctx: Ctx, instantly: bool) -> int:
    """Funds become available at midnight UTC `availability_days` after the charge (at once for ...0077)."""
    if instantly:
        return ctx.now
    return day_start(ctx.now) + ctx.config.availability_days * DAY


def balance_object(ctx: Ctx) -> dict[str, Any]:
    """Available = unswept available transactions; pending = transactions not yet available."""
    rows = ctx.store.execute(
        "SELECT currency, status, SUM(json_extract(data, '$.net')) AS total FROM objects "
        "WHERE type = 'balance_transaction' AND account = ? AND payout IS NULL GROUP BY currency, status",
        (ctx.account,),
    ).fetchall()
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        totals.setdefault(row["currency"], {"available": 0, "pending": 0})[row["status"]] = int(
            row["total"] or 0
        )
    currencies = sorted(set(totals) | set(ctx.config.payout_currencies()))  # each bank account's, even at 0

    def entries(status: str) -> list[dict[str, Any]]:
        return [
            {
                "amount": totals.get(c, {}).get(status, 0),
                "currency": c,
                "source_types": {"card": totals.get(c, {}).get(status, 0)},
            }
            for c in currencies
        ]

    return {
        "object": "balance",
        "available": entries("available"),
        "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
        "livemode": False,
        "pending": entries("pending"),
    }


def release_due(sandbox: Sandbox, until: int) -> None:
    """Make pending transactions available once their date has come; one balance.available per account."""
    rows = sandbox.store.select(
        "SELECT * FROM objects WHERE due IS NOT NULL AND due <= ? AND type = 'balance_transaction' "
        "ORDER BY seq",
        (until,),
    )
    accounts: list[str] = []
    for row in rows:
        txn = row.data
        txn["status"] = "available"
        sandbox.store.update(txn, due=None)
        if row.account not in accounts:
            accounts.append(row.account)
    for account in accounts:
        ctx = sandbox.context(account, now=until)
        emit(ctx, "balance.available", balance_object(ctx))


def retrieve_balance(ctx: Ctx, params: Params) -> dict[str, Any]:
    return balance_object(ctx)


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "balance_transaction", NOUN)


def list_transactions(ctx: Ctx, params: Params) -> dict[str, Any]:
    payout = params.text("payout")
    if payout:
        # Stripe itemises automatic payouts only.
        found = ctx.load(payout, "payout", "payout", "payout")
        if not found.get("automatic"):
            from .. import errors

            raise errors.invalid(
                "Balance transaction history can only be filtered on automatic transfers, not manual.",
                "payout",
            )
    return list_objects(
        ctx,
        "balance_transaction",
        params,
        "/v1/balance_transactions",
        {
            "payout": payout,
            "kind": params.text("type"),
            "source": params.text("source"),
            "currency": params.text("currency"),
        },
    )


ROUTES = [
    Route("GET", "/v1/balance", retrieve_balance),
    Route("GET", "/v1/balance_transactions", list_transactions),
    Route("GET", "/v1/balance_transactions/{id}", retrieve),
    Route("GET", "/v1/balance/history", list_transactions),
    Route("GET", "/v1/balance/history/{id}", retrieve),
]
