"""The platform account (GET /v1/account) and connected accounts seen through `Stripe-Account`."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..params import Params
from ..state import Ctx
from .payouts import bank_account_id
from .routing import Route

_EMPTY_REQUIREMENTS: dict[str, Any] = {
    "alternatives": [],
    "current_deadline": None,
    "currently_due": [],
    "disabled_reason": None,
    "errors": [],
    "eventually_due": [],
    "past_due": [],
    "pending_verification": [],
}
_ADDRESS = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


def _bank(ctx: Ctx, currency: str) -> dict[str, Any]:
    """The account's external bank account in `currency`, the default for payouts in it."""
    bank_id = bank_account_id(ctx, currency)
    return {
        "id": bank_id,
        "object": "bank_account",
        "account": ctx.account,
        "account_holder_name": None,
        "account_holder_type": None,
        "account_type": None,
        "available_payout_methods": ["standard"],
        "bank_name": "STRIPE TEST BANK",
        "country": ctx.config.country,
        "currency": currency,
        "default_for_currency": True,
        "fingerprint": bank_id[-16:],
        "last4": "6789",
        "metadata": {},
        "routing_number": "110000000",
        "status": "new",
    }


def account_object(ctx: Ctx) -> dict[str, Any]:
    config = ctx.config
    currency = config.settlement_currency
    account_id = ctx.account
    banks = [_bank(ctx, code) for code in config.payout_currencies()]
    return {
        "id": account_id,
        "object": "account",
        "business_profile": {
            "annual_revenue": None,
            "estimated_worker_count": None,
            "mcc": "5734",
            "name": config.business_name,
            "product_description": None,
            "support_address": dict(_ADDRESS),
            "support_email": config.email,
            "support_phone": None,
            "support_url": None,
            "url": None,
        },
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True,
        "controller": {"type": "account"},
        "country": config.country,
        "created": int(ctx.store.meta("created", 0) or 0),
        "default_currency": currency,
        "details_submitted": True,
        "email": config.email,
        "external_accounts": {
            "object": "list",
            "data": banks,
            "has_more": False,
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": dict(_EMPTY_REQUIREMENTS),
        "metadata": {},
        "payouts_enabled": True,
        "requirements": dict(_EMPTY_REQUIREMENTS),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {
                "icon": None,
                "logo": None,
                "primary_color": config.brand_color or None,
                "secondary_color": None,
            },
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": True},
                "statement_descriptor_prefix": config.statement_descriptor[:10],
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": config.business_name, "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": "offer"},
            "payments": {
                "statement_descriptor": config.statement_descriptor,
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {
                    "delay_days": config.availability_days,
                    "interval": "daily" if config.payout_schedule else "manual",
                },
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": "standard",
    }


def retrieve_own(ctx: Ctx, params: Params) -> dict[str, Any]:
    return account_object(ctx)


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    if id == ctx.account:
        return account_object(ctx)
    if ctx.account == ctx.sandbox.platform_account:
        known = ctx.store.execute("SELECT 1 FROM objects WHERE account = ? LIMIT 1", (id,)).fetchone()
        if known is not None:
            return account_object(ctx.sandbox.context(id, now=ctx.now))
    raise errors.StripeError(
        403 if ctx.account != ctx.sandbox.platform_account else 404,
        f"The provided key does not have access to account '{id}' (or that account does not exist). "
        "Application access may have been revoked.",
        code="account_invalid",
        param="account",
    )


ROUTES = [
    Route("GET", "/v1/account", retrieve_own),
    Route("GET", "/v1/accounts/{id}", retrieve),
]
