"""Charges: made by PaymentIntent confirmation (succeeded or failed; a bank debit pending until it settles),
read, listed, metadata updated."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from .. import bank_accounts, cards, money
from ..bank_accounts import BankAccount
from ..cards import Card
from ..clock import DAY, day_start
from ..events import emit
from ..params import Params
from ..state import Ctx
from .balance import add_transaction, availability_date, fee_detail
from .crud import list_route, update_route
from .routing import Route

NOUN = "charge"


def _descriptor(ctx: Ctx, pi: dict[str, Any]) -> str:
    if pi.get("statement_descriptor"):
        return str(pi["statement_descriptor"])
    base = ctx.config.statement_descriptor
    suffix = pi.get("statement_descriptor_suffix")
    return f"{base}* {suffix}"[:22] if suffix else base


def _card_details(pm: dict[str, Any], card: Card, amount: int, captured: bool) -> dict[str, Any]:
    source = pm["card"]
    return {
        "card": {
            "amount_authorized": amount,
            "authorization_code": None,
            "brand": source["brand"],
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "fail" if card.decline == "incorrect_cvc" else "pass",
            },
            "country": source["country"],
            "exp_month": source["exp_month"],
            "exp_year": source["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": source["fingerprint"],
            "funding": source["funding"],
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": source["last4"],
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": source["brand"],
            "network_token": {"used": False},
            "network_transaction_id": None,
            "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
            "regulated_status": "unregulated",
            "three_d_secure": None,
            "wallet": None,
        },
        "type": "card",
    }


def _outcome(decline_code: str | None) -> dict[str, Any]:
    if decline_code is None:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 20,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "advice_code": "do_not_try_again"
        if decline_code in ("lost_card", "stolen_card")
        else "try_again_later",
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": decline_code,
        "risk_level": "normal",
        "risk_score": 20,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def _charge_object(ctx: Ctx, pi: dict[str, Any], pm: dict[str, Any], charge_id: str) -> dict[str, Any]:
    """The fields a card charge and a bank debit charge for `pi` take alike (Stripe's Charge object); each
    maker adds what its payment method decides (capture, outcome, status, details)."""
    return {
        "id": charge_id,
        "object": "charge",
        "amount": pi["amount"],
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": _descriptor(ctx, pi),
        "created": ctx.now,
        "currency": pi["currency"],
        "customer": pi.get("customer"),
        "description": pi.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(pi.get("metadata") or {}),
        "on_behalf_of": None,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "receipt_email": pi.get("receipt_email"),
        "receipt_number": None,
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": pi.get("statement_descriptor"),
        "statement_descriptor_suffix": pi.get("statement_descriptor_suffix"),
        "transfer_data": None,
        "transfer_group": None,
    }


def _receipt_url(charge_id: str) -> str:
    return f"https://pay.stripe.com/receipts/payment/{charge_id}"


def new_charge(
    ctx: Ctx,
    pi: dict[str, Any],
    pm: dict[str, Any],
    card: Card,
    *,
    decline_code: str | None = None,
    capture: bool = True,
) -> dict[str, Any]:
    """Record a charge for `pi` paid with `pm`; a captured success gets its balance transaction."""
    succeeded = decline_code is None
    charge_id = ctx.new_id("ch")
    failure = cards.decline_error(decline_code) if decline_code else None
    charge: dict[str, Any] = {
        **_charge_object(ctx, pi, pm, charge_id),
        "amount_captured": pi["amount"] if succeeded and capture else 0,
        "captured": succeeded and capture,
        "failure_code": failure[0] if failure else None,
        "failure_message": failure[1] if failure else None,
        "outcome": _outcome(decline_code),
        "paid": succeeded,
        "payment_method_details": _card_details(pm, card, pi["amount"], capture),
        "receipt_url": _receipt_url(charge_id) if succeeded else None,
        "status": "succeeded" if succeeded else "failed",
        "_sandbox": {"card_country": card.country, "instantly_available": card.instantly_available},
    }
    if succeeded and capture:
        charge["balance_transaction"] = settle(ctx, charge, pi["amount"])["id"]
    ctx.insert(charge)
    return charge


def settle(ctx: Ctx, charge: dict[str, Any], amount: int) -> dict[str, Any]:
    """The charge's balance transaction: converted to the settlement currency, fees taken."""
    config = ctx.config
    conversion = money.convert(amount, charge["currency"], ctx.settles_in(charge["currency"]), ctx.now)
    notes = charge.get("_sandbox", {})
    international = notes.get("card_country", config.country) != config.country
    fee = money.processing_fee(config, conversion.amount, international, conversion.exchange_rate is not None)
    return add_transaction(
        ctx,
        kind="charge",
        reporting_category="charge",
        source=charge["id"],
        amount=conversion.amount,
        currency=conversion.currency,
        description=charge.get("description"),
        fee_details=[fee_detail(fee, conversion.currency, "Stripe processing fees")],
        exchange_rate=conversion.exchange_rate,
        available_on=availability_date(ctx, bool(notes.get("instantly_available"))),
    )


def _debit_details(pm: dict[str, Any], account: BankAccount, mandate: str | None) -> dict[str, Any]:
    source = pm[account.kind]
    if account.kind == "us_bank_account":
        details = {
            "account_holder_type": source["account_holder_type"],
            "account_type": source["account_type"],
            "bank_name": source["bank_name"],
            "fingerprint": source["fingerprint"],
            "last4": source["last4"],
            "mandate": mandate,
            "payment_reference": None,
            "routing_number": source["routing_number"],
        }
    else:
        details = {
            "bank_code": source["bank_code"],
            "branch_code": source["branch_code"],
            "country": source["country"],
            "fingerprint": source["fingerprint"],
            "last4": source["last4"],
            "mandate": mandate,
        }
    return {account.kind: details, "type": account.kind}


def new_debit_charge(
    ctx: Ctx,
    pi: dict[str, Any],
    pm: dict[str, Any],
    account: BankAccount,
    mandate: str | None,
    settles_at: int,
) -> dict[str, Any]:
    """A bank debit submitted to the network: a `py_` charge, `pending` until `settles_at`.

    As Stripe does since its 2024 change for debit methods, the balance transaction (type `payment`) is
    written now, pending, with the `available_on` it would have had on success; a failure reverses it.
    """
    charge_id = ctx.new_id("py")
    charge: dict[str, Any] = {
        **_charge_object(ctx, pi, pm, charge_id),
        "amount_captured": pi["amount"],
        "captured": True,
        "outcome": {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "not_assessed",
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": False,
        "payment_method_details": _debit_details(pm, account, mandate),
        "receipt_url": _receipt_url(charge_id),
        "status": "pending",
    }
    conversion = money.convert(pi["amount"], pi["currency"], ctx.settles_in(pi["currency"]), ctx.now)
    fee = bank_accounts.debit_fee(conversion.amount)
    charge["balance_transaction"] = add_transaction(
        ctx,
        kind="payment",
        reporting_category="charge",
        source=charge_id,
        amount=conversion.amount,
        currency=conversion.currency,
        description=pi.get("description"),
        fee_details=[fee_detail(fee, conversion.currency, "Stripe processing fees")],
        exchange_rate=conversion.exchange_rate,
        available_on=day_start(settles_at) + ctx.config.availability_days * DAY,
    )["id"]
    ctx.insert(charge)
    return charge


def succeed_debit(ctx: Ctx, charge: dict[str, Any]) -> dict[str, Any]:
    """The bank paid: the charge succeeds (its balance transaction becomes available on its own date)."""
    before = copy.deepcopy(charge)
    charge["status"] = "succeeded"
    charge["paid"] = True
    ctx.save(charge)
    emit(ctx, "charge.succeeded", charge, before)
    return charge


def fail_debit(ctx: Ctx, charge: dict[str, Any], failure_code: str | None) -> dict[str, Any]:
    """The bank returned the debit: the charge fails and a `payment_failure_refund` transaction reverses the
    pending `payment` one (amount and fee), available on the same date so the two never part."""
    before = copy.deepcopy(charge)
    original = ctx.load(charge["balance_transaction"], "balance_transaction", "balance transaction")
    reversal = add_transaction(
        ctx,
        kind="payment_failure_refund",
        reporting_category="charge_failure",
        source=charge["id"],
        amount=-original["amount"],
        currency=original["currency"],
        description=f"Payment failure refund for {charge['id']}",
        fee_details=[{**detail, "amount": -int(detail["amount"])} for detail in original["fee_details"]],
        exchange_rate=Decimal(str(original["exchange_rate"])) if original["exchange_rate"] else None,
        available_on=max(ctx.now, int(original["available_on"])),
    )
    charge["status"] = "failed"
    charge["paid"] = False
    charge["failure_code"] = failure_code
    charge["failure_message"] = (
        bank_accounts.failure_message(failure_code)
        if failure_code
        else "The PaymentIntent was canceled before the debit settled."
    )
    charge["failure_balance_transaction"] = reversal["id"]
    charge["outcome"] = {
        **charge["outcome"],
        "network_status": "declined_by_network",
        "reason": None,
        "seller_message": "The bank returned this debit.",
        "type": "issuer_declined",
    }
    ctx.save(charge)
    emit(ctx, "charge.failed", charge, before)
    return charge


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "charge", NOUN, "charge")


ROUTES = [
    list_route("/v1/charges", "charge", "customer", "payment_intent"),
    Route("GET", "/v1/charges/{id}", retrieve),
    update_route("/v1/charges/{id}", "charge", NOUN, "charge", texts=("description", "receipt_email")),
]
