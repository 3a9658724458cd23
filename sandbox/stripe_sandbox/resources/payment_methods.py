"""PaymentMethods: cards (test numbers, `pm_card_*`) and bank debits (`us_bank_account`, `sepa_debit`, their
test accounts and `pm_usBankAccount_*` / `pm_*_de`): create, attach, detach, retrieve, list."""

from __future__ import annotations

from typing import Any

from .. import bank_accounts, cards, errors
from ..bank_accounts import BankAccount
from ..cards import Card
from ..events import emit
from ..listing import list_objects
from ..params import Params, merge_metadata
from ..state import Ctx
from .crud import list_route
from .routing import Route

NOUN = "PaymentMethod"
_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")


def _billing_details(params: Params) -> dict[str, Any]:
    given = params.sub("billing_details")
    address = given.sub("address")
    return {
        "address": {key: address.text(key) for key in _ADDRESS_KEYS},
        "email": given.text("email"),
        "name": given.text("name"),
        "phone": given.text("phone"),
        "tax_id": None,
    }


def card_of(pm: dict[str, Any]) -> Card:
    """The test card behind a stored PaymentMethod."""
    return cards.card_for_number(str(pm.get("_sandbox", {}).get("number", "4242424242424242")))


def bank_account_of(pm: dict[str, Any]) -> BankAccount | None:
    """The test bank account behind a bank debit PaymentMethod (None for a card)."""
    kind = pm.get("type")
    number = str(pm.get("_sandbox", {}).get("number", ""))
    if kind == "us_bank_account":
        return bank_accounts.ACH.get(number, BankAccount(kind, number))
    if kind == "sepa_debit":
        return bank_accounts.SEPA.get(number, BankAccount(kind, number))
    return None


def _empty_billing_details() -> dict[str, Any]:
    return {
        "address": {key: None for key in _ADDRESS_KEYS},
        "email": None,
        "name": None,
        "phone": None,
        "tax_id": None,
    }


def new_bank_payment_method(
    ctx: Ctx,
    account: BankAccount,
    billing_details: dict[str, Any] | None = None,
    metadata: dict[str, str] | None = None,
    *,
    account_holder_type: str | None = "individual",
    account_type: str | None = "checking",
) -> dict[str, Any]:
    """A `us_bank_account` or `sepa_debit` PaymentMethod for a test account."""
    details: dict[str, Any]
    if account.kind == "us_bank_account":
        details = {
            "account_holder_type": account_holder_type,
            "account_type": account_type,
            "bank_name": bank_accounts.BANK_NAME,
            "financial_connections_account": None,
            "fingerprint": account.fingerprint,
            "last4": account.last4,
            "networks": {"preferred": "ach", "supported": ["ach"]},
            "routing_number": bank_accounts.ACH_ROUTING_NUMBER,
            "status_details": {},
        }
    else:
        details = {
            "bank_code": account.bank_code,
            "branch_code": "",
            "country": account.country,
            "fingerprint": account.fingerprint,
            "generated_from": {"charge": None, "setup_attempt": None},
            "last4": account.last4,
        }
    pm: dict[str, Any] = {
        "id": ctx.new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing_details or _empty_billing_details(),
        "created": ctx.now,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": metadata or {},
        "type": account.kind,
        account.kind: details,
        "_sandbox": {"number": account.number},
    }
    return ctx.insert(pm)


def _bank_from_params(ctx: Ctx, kind: str, params: Params) -> dict[str, Any]:
    """`type=us_bank_account|sepa_debit`: Stripe wants the holder's name (and for SEPA an email) too."""
    billing = _billing_details(params)
    if not billing["name"]:
        raise errors.missing("billing_details[name]")
    if kind == "sepa_debit":
        if not billing["email"]:
            raise errors.missing("billing_details[email]")
        iban = params.sub("sepa_debit").req_text("iban")
        account = bank_accounts.sepa_account(iban)
        if account is None:
            raise errors.invalid(
                "The provided IBAN is invalid.", "sepa_debit[iban]", "invalid_bank_account_iban"
            )
        return new_bank_payment_method(ctx, account, billing, params.metadata())
    given = params.sub("us_bank_account")
    routing = given.req_text("routing_number")
    number = given.req_text("account_number")
    found = bank_accounts.us_bank_account(routing, number)
    if found is None:
        param = "routing_number" if routing.strip() != bank_accounts.ACH_ROUTING_NUMBER else "account_number"
        raise errors.invalid(
            f"Invalid {param.replace('_', ' ')}: test mode accepts routing number "
            f"{bank_accounts.ACH_ROUTING_NUMBER} with Stripe's test account numbers.",
            f"us_bank_account[{param}]",
        )
    return new_bank_payment_method(
        ctx,
        found,
        billing,
        params.metadata(),
        account_holder_type=given.enum("account_holder_type", ["company", "individual"]) or "individual",
        account_type=given.enum("account_type", ["checking", "savings"]) or "checking",
    )


def new_payment_method(
    ctx: Ctx,
    card: Card,
    exp_month: int,
    exp_year: int,
    billing_details: dict[str, Any] | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    pm: dict[str, Any] = {
        "id": ctx.new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing_details
        or {
            "address": {key: None for key in _ADDRESS_KEYS},
            "email": None,
            "name": None,
            "phone": None,
            "tax_id": None,
        },
        "card": {
            "brand": card.brand,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "unchecked",
            },
            "country": card.country,
            "display_brand": card.brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": card.fingerprint,
            "funding": card.funding,
            "generated_from": None,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": ctx.now,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": metadata or {},
        "type": "card",
        "_sandbox": {"number": card.number},
    }
    return ctx.insert(pm)


def resolve_payment_method(ctx: Ctx, reference: str, param: str = "payment_method") -> dict[str, Any]:
    """A stored PaymentMethod, or a fresh one for a `pm_card_*` test id, as Stripe does in test mode."""
    shortcut = cards.card_for_shortcut(reference)
    if shortcut is not None:
        return new_payment_method(ctx, shortcut, 12, _year(ctx) + 5)
    bank = bank_accounts.SHORTCUTS.get(reference)
    if bank is not None:
        holder = {**_empty_billing_details(), "name": "Jenny Rosen", "email": "jenny@example.com"}
        return new_bank_payment_method(ctx, bank, holder)
    return ctx.load(reference, "payment_method", NOUN, param)


def _year(ctx: Ctx) -> int:
    import datetime

    return datetime.datetime.fromtimestamp(ctx.now, datetime.UTC).year


def card_from_params(ctx: Ctx, params: Params) -> tuple[Card, int, int]:
    """Validate `card[...]` the way Stripe does for test numbers (402 card errors, 400 for missing parts)."""
    given = params.sub("card")
    token = given.text("token")
    if token:
        card = cards.card_for_shortcut(token)
        if card is None:
            raise errors.resource_missing("token", token, "card[token]")
        return card, 12, _year(ctx) + 5
    number = given.req_text("number").replace(" ", "")
    exp_month = given.req_integer("exp_month")
    exp_year = given.req_integer("exp_year")
    if not cards.luhn_valid(number):
        raise errors.StripeError(
            402,
            "Your card number is incorrect.",
            type="card_error",
            code="incorrect_number",
            param="card[number]",
        )
    if not 1 <= exp_month <= 12:
        raise errors.StripeError(
            402,
            "Your card's expiration month is invalid.",
            type="card_error",
            code="invalid_expiry_month",
            param="card[exp_month]",
        )
    if exp_year < 100:
        exp_year += 2000
    if (exp_year, exp_month) < (_year(ctx), 1) or exp_year > _year(ctx) + 50:
        raise errors.StripeError(
            402,
            "Your card's expiration year is invalid.",
            type="card_error",
            code="invalid_expiry_year",
            param="card[exp_year]",
        )
    cvc = given.text("cvc")
    if cvc is not None and not (cvc.isdigit() and len(cvc) in (3, 4)):
        raise errors.StripeError(
            402,
            "Your card's security code is invalid.",
            type="card_error",
            code="invalid_cvc",
            param="card[cvc]",
        )
    return cards.card_for_number(number), exp_month, exp_year


def create(ctx: Ctx, params: Params) -> dict[str, Any]:
    kind = params.req_text("type")
    if kind in ("us_bank_account", "sepa_debit"):
        return _bank_from_params(ctx, kind, params)
    if kind != "card":
        raise errors.invalid(
            f"The sandbox supports only card, us_bank_account and sepa_debit PaymentMethods (got type "
            f"'{kind}').",
            "type",
            "parameter_invalid_string",
        )
    card, exp_month, exp_year = card_from_params(ctx, params)
    return new_payment_method(ctx, card, exp_month, exp_year, _billing_details(params), params.metadata())


def attach_to_customer(
    ctx: Ctx, pm: dict[str, Any], customer_id: str, *, for_off_session: bool = False
) -> dict[str, Any]:
    """Attach (and record whether it was set up for off-session use, which some 3DS cards need)."""
    if for_off_session:
        pm["_sandbox"] = {**pm.get("_sandbox", {}), "off_session_ready": True}
    if pm.get("customer") == customer_id:
        ctx.save(pm)
        return pm
    if pm.get("customer"):
        raise errors.invalid(
            "The payment method you provided has already been attached to a customer.",
            "payment_method",
            "payment_method_unexpected_state",
        )
    before = dict(pm)
    pm["customer"] = customer_id
    ctx.save(pm)
    emit(ctx, "payment_method.attached", pm, before)
    return pm


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return resolve_payment_method(ctx, id, "payment_method")


def update(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    pm = ctx.load(id, "payment_method", NOUN, "payment_method")
    before = dict(pm)
    pm["metadata"] = merge_metadata(pm["metadata"], params.metadata())
    if "billing_details" in params:
        pm["billing_details"] = _billing_details(params)
    if "allow_redisplay" in params:
        pm["allow_redisplay"] = params.enum("allow_redisplay", ["always", "limited", "unspecified"])
    if pm != before:
        ctx.save(pm)
        emit(ctx, "payment_method.updated", pm, before)
    return pm


def attach(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    from .lookup import load_customer

    customer_id = params.req_text("customer")
    pm = resolve_payment_method(ctx, id, "payment_method")
    load_customer(ctx, customer_id)
    card = card_of(pm)
    if pm["type"] == "card" and card.decline and card.attach_declines:
        code, message = cards.decline_error(card.decline)
        raise errors.StripeError(402, message, type="card_error", code=code, decline_code=card.decline)
    return attach_to_customer(ctx, pm, customer_id)


def detach(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    pm = ctx.load(id, "payment_method", NOUN, "payment_method")
    if not pm.get("customer"):
        raise errors.invalid(
            "The payment method you provided is not attached to a customer so detachment is impossible.",
            None,
            "payment_method_unexpected_state",
        )
    before = dict(pm)
    pm["customer"] = None
    ctx.save(pm)
    emit(ctx, "payment_method.detached", pm, before)
    return pm


def list_customer_payment_methods(ctx: Ctx, params: Params, customer: str) -> dict[str, Any]:
    from .lookup import load_customer

    load_customer(ctx, customer, "customer")
    return list_objects(
        ctx,
        "payment_method",
        params,
        f"/v1/customers/{customer}/payment_methods",
        {"customer": customer, "kind": params.text("type")},
    )


def retrieve_customer_payment_method(ctx: Ctx, params: Params, customer: str, id: str) -> dict[str, Any]:
    pm = ctx.load(id, "payment_method", NOUN, "payment_method")
    if pm.get("customer") != customer:
        raise errors.resource_missing(NOUN, id, "payment_method")
    return pm


ROUTES = [
    Route("POST", "/v1/payment_methods", create),
    list_route("/v1/payment_methods", "payment_method", "customer", type="kind"),
    Route("GET", "/v1/payment_methods/{id}", retrieve),
    Route("POST", "/v1/payment_methods/{id}", update),
    Route("POST", "/v1/payment_methods/{id}/attach", attach),
    Route("POST", "/v1/payment_methods/{id}/detach", detach),
    Route("GET", "/v1/customers/{customer}/payment_methods", list_customer_payment_methods),
    Route("GET", "/v1/customers/{customer}/payment_methods/{id}", retrieve_customer_payment_method),
]
