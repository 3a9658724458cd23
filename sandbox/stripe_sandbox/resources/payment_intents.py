"""PaymentIntents: create, confirm (3-D Secure, declines, off-session, delayed bank debits), capture, update,
cancel, list."""

from __future__ import annotations

import copy
from typing import Any

from .. import bank_accounts, cards, errors, money
from ..bank_accounts import BankAccount
from ..events import emit, public
from ..params import Params, merge_metadata
from ..state import Ctx
from .charges import fail_debit, new_charge, new_debit_charge, settle, succeed_debit
from .crud import list_route
from .intents import authentication_failed
from .mandates import acceptance_from, load_for, new_mandate
from .payment_methods import attach_to_customer, bank_account_of, card_of, resolve_payment_method
from .routing import Route

NOUN = "payment_intent"
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)


PAYMENT_METHOD_TYPES = ("card", "us_bank_account", "sepa_debit")


def check_types(types: list[str], currency: str, param: str = "payment_method_types") -> None:
    """The payment method types the sandbox knows, each in a currency it takes (ACH: usd, SEPA: eur)."""
    for kind in types:
        if kind not in PAYMENT_METHOD_TYPES:
            raise errors.invalid(
                f"The sandbox supports only these payment method types: {', '.join(PAYMENT_METHOD_TYPES)} "
                f"(got '{kind}').",
                param,
            )
        required = bank_accounts.CURRENCY.get(kind)
        if required and currency != required:
            raise errors.invalid(
                f"The currency provided ({currency}) is invalid for one or more payment method types on this "
                f"PaymentIntent. The payment method type {kind} only supports {required}.",
                param,
            )


def payment_method_options(types: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "card": {
            "installments": None,
            "mandate_options": None,
            "network": None,
            "request_three_d_secure": "automatic",
        }
    }
    if "us_bank_account" in types:
        options["us_bank_account"] = {"verification_method": "automatic"}
    if "sepa_debit" in types:
        options["sepa_debit"] = {}
    return options


def check_amount(amount: int, currency: str, param: str = "amount") -> None:
    if currency not in money.SUPPORTED:
        supported = ", ".join(sorted(money.SUPPORTED))
        raise errors.invalid(
            f"Invalid currency: {currency}. Stripe currently supports these currencies: {supported}",
            "currency",
        )
    minimum = money.minimum_charge(currency)
    if amount < minimum:
        raise errors.StripeError(
            400,
            f"Amount must be at least {money.format_amount(minimum, currency)}",
            code="amount_too_small",
            param=param,
        )
    if currency in money.THREE_DECIMAL and amount % 10:
        raise errors.invalid(
            f"Invalid amount: amounts in {currency} must end in 0 (Stripe charges three-decimal currencies "
            "in "
            "multiples of 10 minor units).",
            param,
        )
    if amount > 99_999_999:
        raise errors.invalid("Amount must be no more than $999,999.99", param, "amount_too_large")


def new_payment_intent(
    ctx: Ctx,
    *,
    amount: int,
    currency: str,
    customer: str | None = None,
    metadata: dict[str, str] | None = None,
    description: str | None = None,
    receipt_email: str | None = None,
    setup_future_usage: str | None = None,
    statement_descriptor: str | None = None,
    statement_descriptor_suffix: str | None = None,
    capture_method: str = "automatic",
    automatic_payment_methods: bool = False,
    payment_method_types: list[str] | None = None,
) -> dict[str, Any]:
    pi_id = ctx.new_id("pi")
    pi: dict[str, Any] = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": {"allow_redirects": "always", "enabled": True}
        if automatic_payment_methods
        else None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": capture_method,
        "client_secret": f"{pi_id}_secret_{ctx.new_id('secret')[7:]}",
        "confirmation_method": "automatic",
        "created": ctx.now,
        "currency": currency,
        "customer": customer,
        "customer_account": None,
        "description": description,
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": metadata or {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": payment_method_options(payment_method_types or ["card"]),
        "payment_method_types": payment_method_types or ["card"],
        "processing": None,
        "receipt_email": receipt_email,
        "review": None,
        "setup_future_usage": setup_future_usage,
        "shipping": None,
        "source": None,
        "statement_descriptor": statement_descriptor,
        "statement_descriptor_suffix": statement_descriptor_suffix,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    ctx.insert(pi)
    emit(ctx, "payment_intent.created", pi)
    return pi


def _card_error(
    ctx: Ctx, pi: dict[str, Any], pm: dict[str, Any], charge: dict[str, Any] | None, decline_code: str
) -> dict[str, Any]:
    code, message = cards.decline_error(decline_code)
    error: dict[str, Any] = {
        "code": code,
        "decline_code": decline_code,
        "doc_url": errors.DOCS + code,
        "message": message,
        "payment_method": public(pm),
        "type": "card_error",
    }
    if charge is not None:
        error["charge"] = charge["id"]
    if code in ("incorrect_cvc", "expired_card"):
        error["param"] = "cvc" if code == "incorrect_cvc" else "exp_month"
    return error


def _fail(
    ctx: Ctx, pi: dict[str, Any], before: dict[str, Any], pm: dict[str, Any], decline_code: str
) -> errors.StripeError:
    """A refused payment: failed charge, PaymentIntent back to requires_payment_method, 402 with details."""
    card = card_of(pm)
    charge = new_charge(ctx, pi, pm, card, decline_code=decline_code)
    emit(ctx, "charge.failed", charge)
    pi["last_payment_error"] = _card_error(ctx, pi, pm, charge, decline_code)
    pi["latest_charge"] = charge["id"]
    pi["payment_method"] = None
    pi["status"] = "requires_payment_method"
    pi["next_action"] = None
    ctx.save(pi)
    emit(ctx, "payment_intent.payment_failed", pi, before)
    error = pi["last_payment_error"]
    extra = {"charge": charge["id"], "payment_intent": public(pi), "payment_method": error["payment_method"]}
    return errors.StripeError(
        402,
        error["message"],
        type="card_error",
        code=error["code"],
        decline_code=decline_code,
        param=error.get("param"),
        commit=True,
        extra=extra,
    )


def needs_authentication(pm: dict[str, Any], off_session: bool) -> bool:
    card = card_of(pm)
    if card.three_ds == "required":
        return True
    if card.three_ds == "on_session":
        return not (off_session and pm.get("_sandbox", {}).get("off_session_ready"))
    return False


def attempt(
    ctx: Ctx,
    pi: dict[str, Any],
    *,
    off_session: bool = False,
    authenticated: bool = False,
    return_url: str | None = None,
) -> dict[str, Any]:
    """Run a confirmation of `pi` with its payment method; raises the card error on a decline."""
    before = copy.deepcopy(pi)
    pm = ctx.load(pi["payment_method"], "payment_method", "PaymentMethod", "payment_method")
    account = bank_account_of(pm)
    if account is not None:
        return _start_debit(ctx, pi, before, pm, account, off_session)
    card = card_of(pm)
    if needs_authentication(pm, off_session) and not authenticated:
        if off_session:
            raise _fail(ctx, pi, before, pm, "authentication_required")
        pi["status"] = "requires_action"
        pi["next_action"] = _next_action(ctx, pi, return_url)
        ctx.save(pi)
        emit(ctx, "payment_intent.requires_action", pi, before)
        return pi
    if card.decline:
        raise _fail(ctx, pi, before, pm, card.decline)
    capture = pi["capture_method"] == "automatic"
    charge = new_charge(ctx, pi, pm, card, capture=capture)
    emit(ctx, "charge.succeeded", charge)
    pi["latest_charge"] = charge["id"]
    pi["next_action"] = None
    pi["last_payment_error"] = None
    if capture:
        pi["status"] = "succeeded"
        pi["amount_received"] = pi["amount"]
    else:
        pi["status"] = "requires_capture"
        pi["amount_capturable"] = pi["amount"]
    if pi.get("customer") and (pi.get("setup_future_usage") or (pm.get("customer") is None and off_session)):
        attach_to_customer(
            ctx, pm, pi["customer"], for_off_session=pi.get("setup_future_usage") == "off_session"
        )
    ctx.save(pi)
    emit(
        ctx, "payment_intent.succeeded" if capture else "payment_intent.amount_capturable_updated", pi, before
    )
    if card.dispute and capture:
        from .disputes import open_dispute

        open_dispute(ctx, charge)
    return pi


def _start_debit(
    ctx: Ctx,
    pi: dict[str, Any],
    before: dict[str, Any],
    pm: dict[str, Any],
    account: BankAccount,
    off_session: bool,
) -> dict[str, Any]:
    """Submit a bank debit: a pending charge, the PaymentIntent `processing` until the debit settles.

    The scheduler settles it when the clock reaches the business day the account's scheme takes
    (`settle_debit`); an account that never settles (ACH 000000000009) stays processing.
    """
    mandate = pm.get("_sandbox", {}).get("mandate")
    if not mandate:
        raise errors.invalid(
            f"A mandate is required to confirm a PaymentIntent with a {account.kind} PaymentMethod: pass "
            "`mandate_data[customer_acceptance]` (or `mandate`).",
            "mandate_data",
        )
    settles_at = bank_accounts.settles_at(account.kind, ctx.now)
    charge = new_debit_charge(ctx, pi, pm, account, mandate, settles_at)
    emit(ctx, "charge.pending", charge)
    pi["status"] = "processing"
    pi["latest_charge"] = charge["id"]
    pi["next_action"] = None
    pi["last_payment_error"] = None
    if pi.get("customer") and (pi.get("setup_future_usage") or (pm.get("customer") is None and off_session)):
        attach_to_customer(ctx, pm, pi["customer"])
    ctx.save(pi, due=None if account.never_settles else settles_at)
    emit(ctx, "payment_intent.processing", pi, before)
    return pi


def settle_debit(ctx: Ctx, pi: dict[str, Any]) -> dict[str, Any]:
    """The clock reached a debit's settlement: it succeeds, or fails with its account's return code."""
    ctx.save(pi, due=None)
    if pi["status"] != "processing":
        return pi  # canceled meanwhile
    before = copy.deepcopy(pi)
    charge = ctx.load(pi["latest_charge"], "charge", "charge")
    pm = ctx.load(charge["payment_method"], "payment_method", "PaymentMethod")
    account = bank_account_of(pm)
    failure = account.failure if account is not None else None
    if failure:
        fail_debit(ctx, charge, failure)
        pi["status"] = "requires_payment_method"
        pi["payment_method"] = None
        pi["last_payment_error"] = {
            "code": failure,
            "doc_url": errors.DOCS + failure,
            "message": bank_accounts.failure_message(failure),
            "payment_method": public(pm),
            "type": "invalid_request_error",
        }
        ctx.save(pi)
        emit(ctx, "payment_intent.payment_failed", pi, before)
    else:
        succeed_debit(ctx, charge)
        pi["status"] = "succeeded"
        pi["amount_received"] = pi["amount"]
        ctx.save(pi)
        emit(ctx, "payment_intent.succeeded", pi, before)
    from .checkout_settlement import async_payment_result

    async_payment_result(ctx, pi, succeeded=not failure)
    return pi


def use_mandate(ctx: Ctx, pi: dict[str, Any], params: Params) -> None:
    """`mandate_data` / `mandate` on a confirmation with a bank debit PaymentMethod: record the mandate."""
    if not pi.get("payment_method"):
        return
    pm = ctx.load(pi["payment_method"], "payment_method", "PaymentMethod", "payment_method")
    if bank_account_of(pm) is None:
        return
    if params.text("mandate"):
        load_for(ctx, str(params.text("mandate")), pm)
        return
    acceptance = acceptance_from(ctx, params)
    if acceptance is not None:
        new_mandate(ctx, pm, acceptance)


def _next_action(ctx: Ctx, pi: dict[str, Any], return_url: str | None) -> dict[str, Any]:
    url = f"{ctx.base_url}/_sandbox/authenticate/{pi['id']}"
    if return_url:
        return {"redirect_to_url": {"return_url": return_url, "url": url}, "type": "redirect_to_url"}
    return {
        "type": "use_stripe_sdk",
        "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url, "source": pi["id"]},
    }


def _apply_common(ctx: Ctx, pi: dict[str, Any], params: Params) -> None:
    for key in ("description", "receipt_email", "statement_descriptor", "statement_descriptor_suffix"):
        if key in params:
            pi[key] = params.text(key) or None
    if "setup_future_usage" in params:
        pi["setup_future_usage"] = params.enum("setup_future_usage", ["off_session", "on_session"]) or None
    if "payment_method_types" in params:
        types = params.strings("payment_method_types")
        check_types(types, pi["currency"])
        pi["payment_method_types"] = types or ["card"]
        pi["payment_method_options"] = payment_method_options(pi["payment_method_types"])
    pi["metadata"] = merge_metadata(pi["metadata"], params.metadata())


def _use_payment_method(ctx: Ctx, pi: dict[str, Any], params: Params) -> None:
    reference = params.text("payment_method")
    if not reference:
        return
    pm = resolve_payment_method(ctx, reference)
    if pm["type"] in bank_accounts.CURRENCY:
        check_types([pm["type"]], pi["currency"], "payment_method")
    if pi.get("automatic_payment_methods") is None and pm["type"] not in pi["payment_method_types"]:
        raise errors.invalid(
            f"The PaymentMethod provided ({pm['type']}) is not allowed for this PaymentIntent. Please attach "
            f"a PaymentMethod of one of the following types: {', '.join(pi['payment_method_types'])}.",
            "payment_method",
            "payment_intent_incompatible_payment_method",
        )
    if pm.get("customer") and pi.get("customer") and pm["customer"] != pi["customer"]:
        raise errors.invalid(
            f"The provided PaymentMethod {pm['id']} belongs to another customer.", "payment_method"
        )
    pi["payment_method"] = pm["id"]
    if pi["status"] == "requires_payment_method":
        pi["status"] = "requires_confirmation"


def create(ctx: Ctx, params: Params) -> dict[str, Any]:
    from .lookup import load_customer

    amount = params.req_integer("amount")
    currency = params.req_text("currency").lower()
    check_amount(amount, currency)
    customer = params.text("customer")
    if customer:
        load_customer(ctx, customer)
    confirm = bool(params.flag("confirm", False))
    off_session = bool(params.flag("off_session", False)) if "off_session" in params else False
    if "off_session" in params and params.raw("off_session") in ("one_off", "recurring"):
        off_session = True
    if off_session and not confirm:
        raise errors.invalid("You may only specify `off_session` when `confirm` is true.", "off_session")
    types = params.strings("payment_method_types")
    check_types(types, currency)
    automatic = bool(params.sub("automatic_payment_methods").flag("enabled", False))
    if automatic and types:
        raise errors.invalid(
            "You may only specify one of these parameters: automatic_payment_methods, payment_method_types.",
            "automatic_payment_methods",
        )
    capture_method = params.enum(
        "capture_method", ["automatic", "automatic_async", "manual"], default="automatic"
    )
    pi = new_payment_intent(
        ctx,
        amount=amount,
        currency=currency,
        customer=customer,
        metadata=params.metadata(),
        description=params.text("description"),
        receipt_email=params.text("receipt_email"),
        setup_future_usage=params.enum("setup_future_usage", ["off_session", "on_session"]),
        statement_descriptor=params.text("statement_descriptor"),
        statement_descriptor_suffix=params.text("statement_descriptor_suffix"),
        capture_method="manual" if capture_method == "manual" else "automatic",
        automatic_payment_methods=automatic or not types,
        payment_method_types=types or None,
    )
    _use_payment_method(ctx, pi, params)
    ctx.save(pi)
    if confirm:
        use_mandate(ctx, pi, params)
        return _confirm(ctx, pi, off_session, params.text("return_url"))
    return pi


def _confirm(ctx: Ctx, pi: dict[str, Any], off_session: bool, return_url: str | None) -> dict[str, Any]:
    if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise errors.state_error(
            f"This PaymentIntent's status is {pi['status']}, but must be one of requires_payment_method, "
            "requires_confirmation, requires_action to be confirmed.",
            payment_intent=public(pi),
        )
    if not pi.get("payment_method"):
        raise errors.state_error(
            "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the "
            "PaymentIntent with a PaymentMethod, specify `payment_method`.",
            payment_intent=public(pi),
        )
    return attempt(ctx, pi, off_session=off_session, return_url=return_url)


def confirm(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    pi = ctx.load(id, "payment_intent", NOUN, "intent")
    if pi["status"] in ("succeeded", "canceled", "processing", "requires_capture"):
        return _confirm(ctx, pi, False, None)
    _apply_common(ctx, pi, params)
    _use_payment_method(ctx, pi, params)
    use_mandate(ctx, pi, params)
    off_session = (
        bool(params.flag("off_session", False))
        if params.raw("off_session") in (None, "true", "false")
        else True
    )
    return _confirm(ctx, pi, off_session, params.text("return_url"))


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "payment_intent", NOUN, "intent")


def update(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    from .lookup import load_customer

    pi = ctx.load(id, "payment_intent", NOUN, "intent")
    finished = pi["status"] in ("succeeded", "canceled")
    money_keys = ("amount", "currency", "customer", "payment_method", "setup_future_usage")
    if finished and any(key in params for key in money_keys):
        raise errors.state_error(
            f"This PaymentIntent's amount could not be updated because it has a status of {pi['status']}. "
            "You may only update the amount of a PaymentIntent with one of the following statuses: "
            "requires_payment_method, requires_confirmation, requires_action.",
            payment_intent=public(pi),
        )
    before = copy.deepcopy(pi)
    if "amount" in params or "currency" in params:
        amount = params.integer("amount") or pi["amount"]
        currency = (params.text("currency") or pi["currency"]).lower()
        check_amount(amount, currency)
        pi["amount"], pi["currency"] = amount, currency
    if "customer" in params:
        customer = params.text("customer") or None
        if customer:
            load_customer(ctx, customer)
        pi["customer"] = customer
    _apply_common(ctx, pi, params)
    _use_payment_method(ctx, pi, params)
    if pi != before:
        ctx.save(pi)
    return pi


def cancel(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    pi = ctx.load(id, "payment_intent", NOUN, "intent")
    if pi["status"] not in CANCELABLE:
        raise errors.state_error(
            f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. Only a "
            f"PaymentIntent with one of the following statuses may be canceled: {', '.join(CANCELABLE)}.",
            payment_intent=public(pi),
        )
    before = copy.deepcopy(pi)
    if pi["status"] == "processing" and pi.get("latest_charge"):
        # A debit canceled before it settles (ACH 000000000009): its money must not stay in the balance.
        charge = ctx.load(pi["latest_charge"], "charge", "charge")
        if charge["status"] == "pending":
            fail_debit(ctx, charge, None)
        ctx.save(pi, due=None)
    pi["status"] = "canceled"
    pi["canceled_at"] = ctx.now
    pi["cancellation_reason"] = params.enum(
        "cancellation_reason", ["abandoned", "duplicate", "fraudulent", "requested_by_customer"]
    )
    pi["next_action"] = None
    pi["amount_capturable"] = 0
    ctx.save(pi)
    emit(ctx, "payment_intent.canceled", pi, before)
    return pi


def capture(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    pi = ctx.load(id, "payment_intent", NOUN, "intent")
    if pi["status"] != "requires_capture":
        raise errors.state_error(
            f"This PaymentIntent could not be captured because it has a status of {pi['status']}. Only a "
            "PaymentIntent with one of the following statuses may be captured: requires_capture.",
            payment_intent=public(pi),
        )
    amount = params.integer("amount_to_capture") or pi["amount_capturable"]
    if amount > pi["amount_capturable"]:
        raise errors.invalid(
            "The amount to capture is greater than the capturable amount.",
            "amount_to_capture",
            "amount_too_large",
        )
    before = copy.deepcopy(pi)
    charge = ctx.load(pi["latest_charge"], "charge", "charge")
    charge_before = copy.deepcopy(charge)
    charge["captured"] = True
    charge["amount_captured"] = amount
    charge["balance_transaction"] = settle(ctx, charge, amount)["id"]
    if amount < charge["amount"]:
        charge["amount_refunded"] = charge["amount"] - amount
    ctx.save(charge)
    emit(ctx, "charge.captured", charge, charge_before)
    pi["status"] = "succeeded"
    pi["amount_received"] = amount
    pi["amount_capturable"] = 0
    pi["metadata"] = merge_metadata(pi["metadata"], params.metadata())
    ctx.save(pi)
    emit(ctx, "payment_intent.succeeded", pi, before)
    return pi


def authenticate(ctx: Ctx, pi: dict[str, Any], succeed: bool) -> dict[str, Any]:
    """The customer's answer to a 3-D Secure challenge (a control route stands in for the bank's page)."""
    if pi["status"] != "requires_action":
        raise errors.state_error(f"PaymentIntent {pi['id']} does not require action (status {pi['status']}).")
    if succeed:
        return attempt(ctx, pi, authenticated=True)
    return authentication_failed(
        ctx,
        pi,
        error_field="last_payment_error",
        code="payment_intent_authentication_failure",
        message="The provided PaymentMethod has failed authentication. You can provide payment_method_data "
        "or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
        event="payment_intent.payment_failed",
    )


ROUTES = [
    Route("POST", "/v1/payment_intents", create),
    list_route("/v1/payment_intents", "payment_intent", "customer"),
    Route("GET", "/v1/payment_intents/{id}", retrieve),
    Route("POST", "/v1/payment_intents/{id}", update),
    Route("POST", "/v1/payment_intents/{id}/confirm", confirm),
    Route("POST", "/v1/payment_intents/{id}/cancel", cancel),
    Route("POST", "/v1/payment_intents/{id}/capture", capture),
]
