"""Payouts: the automatic daily sweep of the available balance (a debit when it is negative), and manual
payouts (`POST /v1/payouts`); each goes pending -> in_transit -> paid (or failed).

Stripe itemises automatic payouts only (`balance_transactions?payout=`); a manual payout is one `payout`
transaction drawn from the available balance, which the next automatic sweep then carries. When the available
balance of a currency is negative at the payout run and the pending funds do not cover it, Stripe withdraws
it from the bank: a payout with a negative amount, whose own transaction credits the balance, itemised like
any automatic payout.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import errors, ids, money
from ..clock import DAY, day_start
from ..events import emit
from ..listing import list_objects, range_conditions
from ..params import Params
from ..state import Ctx, Sandbox
from .balance import add_transaction
from .crud import update_route
from .routing import Route

NOUN = "payout"
IN_TRANSIT_AFTER = 3600  # a payout leaves Stripe an hour after it is created


def bank_account_id(ctx: Ctx, currency: str | None = None) -> str:
    """The account's external bank account for `currency` (default: the settlement currency), derived from
    the account id so it never changes; the default one keeps the id it had before other currencies."""
    code = currency or ctx.settlement_currency
    salt = f"ba:{ctx.account}" if code == ctx.settlement_currency else f"ba:{ctx.account}:{code}"
    return "ba_" + ids.derive(ctx.sandbox.seed, 0, salt)[-24:]


def sweep(ctx: Ctx) -> list[dict[str, Any]]:
    """Pay out the whole unswept available balance of the context's account, one payout per currency."""
    rows = ctx.store.execute(
        "SELECT id, currency, json_extract(data, '$.net') AS net FROM objects "
        "WHERE type = 'balance_transaction' AND payout IS NULL AND account = ? AND status = 'available' "
        "ORDER BY seq",
        (ctx.account,),
    ).fetchall()
    by_currency: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        by_currency.setdefault(row["currency"], []).append((row["id"], int(row["net"])))
    created: list[dict[str, Any]] = []
    for currency in sorted(by_currency):
        items = by_currency[currency]
        total = sum(net for _, net in items)
        if total == 0 or (total < 0 and total + _balance(ctx, currency, "pending") >= 0):
            continue  # nothing to pay, or a shortfall the funds on their way will cover
        # Not covered: Stripe takes it from the bank, "a withdrawal with a negative amount".
        created.append(_new_payout(ctx, currency, total, [txn_id for txn_id, _ in items]))
    return created


def _balance(ctx: Ctx, currency: str, status: str) -> int:
    """The unswept available (or pending) balance of the context's account in `currency`."""
    row = ctx.store.execute(
        "SELECT SUM(json_extract(data, '$.net')) FROM objects WHERE type = 'balance_transaction' "
        "AND payout IS NULL AND account = ? AND status = ? AND currency = ?",
        (ctx.account, status, currency),
    ).fetchone()
    return int(row[0] or 0)


def create(ctx: Ctx, params: Params) -> dict[str, Any]:
    """A manual payout of part of the available balance to the account's bank account."""
    amount = params.req_integer("amount", minimum=1)
    currency = params.req_text("currency").lower()
    if currency not in money.SUPPORTED:
        supported = ", ".join(sorted(money.SUPPORTED))
        raise errors.invalid(
            f"Invalid currency: {currency}. Stripe currently supports these currencies: {supported}",
            "currency",
        )
    method = params.enum("method", ["instant", "standard"]) or "standard"
    source_type = params.enum("source_type", ["bank_account", "card", "fpx"]) or "card"
    destination = params.text("destination") or bank_account_id(ctx, currency)
    descriptor = params.text("statement_descriptor")
    metadata = params.metadata() or {}
    description = params.text("description")
    if destination != bank_account_id(ctx, currency):
        raise errors.resource_missing("external account", destination, "destination")
    if descriptor is not None and len(descriptor) > 22:
        raise errors.invalid(
            "The statement descriptor must be at most 22 characters.", "statement_descriptor"
        )
    if method == "instant":
        # The sandbox's external accounts (one per payout currency) are bank accounts without Instant Payouts.
        raise errors.invalid(
            "This bank account is not eligible for Instant Payouts.", "method", "instant_payouts_unsupported"
        )
    if amount > _balance(ctx, currency, "available"):
        raise errors.invalid(
            "You have insufficient funds in your Stripe account. One likely reason you have insufficient "
            "funds is that your funds are automatically being paid out; try enabling manual payouts by going "
            "to https://dashboard.stripe.com/account/payouts.",
            "amount",
            "balance_insufficient",
        )
    return _new_payout(
        ctx,
        currency,
        amount,
        [],
        automatic=False,
        description=description,
        metadata=metadata,
        method=method,
        source_type=source_type,
        statement_descriptor=descriptor,
    )


def _new_payout(
    ctx: Ctx,
    currency: str,
    amount: int,
    txn_ids: list[str],
    *,
    automatic: bool = True,
    description: str | None = "STRIPE PAYOUT",
    metadata: dict[str, str] | None = None,
    method: str = "standard",
    source_type: str = "card",
    statement_descriptor: str | None = None,
) -> dict[str, Any]:
    payout_id = ctx.new_id("po")
    fail = ctx.config.fail_next_payout
    if fail:
        ctx.sandbox.set_config(
            type(ctx.config).from_json({**ctx.config.to_json(), "fail_next_payout": False})
        )
    for txn_id in txn_ids:
        ctx.store.set_columns(txn_id, payout=payout_id)
    txn = add_transaction(
        ctx,
        kind="payout",
        reporting_category="payout",
        source=payout_id,
        amount=-amount,
        currency=currency,
        description=description,
        # An automatic payout itemises what it swept, its own transaction included; a manual one's
        # transaction stays in the balance it was drawn from.
        payout=payout_id if automatic else None,
    )
    payout: dict[str, Any] = {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": day_start(ctx.now) + DAY,
        "automatic": automatic,
        "balance_transaction": txn["id"],
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "destination": bank_account_id(ctx, currency),
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": metadata or {},
        "method": method,
        "original_payout": None,
        "payout_method": None,
        # Stripe can list what a payout holds for automatic payouts only.
        "reconciliation_status": "in_progress" if automatic else "not_applicable",
        "reversed_by": None,
        "source_type": source_type,
        "statement_descriptor": statement_descriptor,
        "status": "pending",
        "trace_id": {"status": "pending", "value": None},
        "type": "bank_account",
        "_sandbox": {"fail": fail},
    }
    ctx.insert(payout, due=ctx.now + IN_TRANSIT_AFTER)
    emit(ctx, "payout.created", payout)
    return payout


def advance(ctx: Ctx, payout: dict[str, Any]) -> None:
    """The payout's next scheduled step: leave Stripe, then arrive (or bounce)."""
    before = copy.deepcopy(payout)
    if payout["status"] == "pending":
        payout["status"] = "in_transit"
        ctx.save(payout, due=max(payout["arrival_date"], ctx.now))
        emit(ctx, "payout.updated", payout, before)
    elif payout["status"] == "in_transit":
        if payout.get("_sandbox", {}).get("fail"):
            fail(ctx, payout)
            return
        payout["status"] = "paid"
        if payout["automatic"]:
            payout["reconciliation_status"] = "completed"
        payout["trace_id"] = {"status": "supported", "value": f"TRACE{payout['id'][-12:].upper()}"}
        ctx.save(payout, due=None)
        emit(ctx, "payout.paid", payout)
        emit(ctx, "payout.updated", payout, before)
    else:
        ctx.save(payout, due=None)


def fail(ctx: Ctx, payout: dict[str, Any]) -> dict[str, Any]:
    """The bank refused the payout: its funds return to the balance through a payout_failure transaction."""
    if payout["status"] in ("failed", "canceled"):
        raise errors.invalid(f"Payout {payout['id']} has already {payout['status']}.")
    before = copy.deepcopy(payout)
    txn = add_transaction(
        ctx,
        kind="payout_failure",
        reporting_category="payout_reversal",
        source=payout["id"],
        amount=payout["amount"],
        currency=payout["currency"],
        description="STRIPE PAYOUT FAILURE",
    )
    payout["status"] = "failed"
    payout["failure_balance_transaction"] = txn["id"]
    payout["failure_code"] = "account_closed"
    payout["failure_message"] = "The bank account has been closed."
    payout["reconciliation_status"] = "not_applicable"
    ctx.save(payout, due=None)
    emit(ctx, "payout.failed", payout)
    emit(ctx, "payout.updated", payout, before)
    return payout


def run_automatic(sandbox: Sandbox, at: int) -> list[dict[str, Any]]:
    """The daily payout run for every account with an available balance."""
    accounts = [
        row[0]
        for row in sandbox.store.execute(
            "SELECT DISTINCT account FROM objects WHERE type = 'balance_transaction' AND payout IS NULL "
            "AND status = 'available' ORDER BY account"
        ).fetchall()
    ]
    made: list[dict[str, Any]] = []
    for account in accounts:
        made.extend(sweep(sandbox.context(account, now=at)))
    return made


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "payout", NOUN, "payout")


def list_payouts(ctx: Ctx, params: Params) -> dict[str, Any]:
    return list_objects(
        ctx,
        "payout",
        params,
        "/v1/payouts",
        {"status": params.text("status")},
        conditions=range_conditions("arrival_date", params.range_filter("arrival_date")),
    )


ROUTES = [
    Route("POST", "/v1/payouts", create),
    Route("GET", "/v1/payouts", list_payouts),
    Route("GET", "/v1/payouts/{id}", retrieve),
    update_route("/v1/payouts/{id}", "payout", NOUN, "payout"),
]
