"""What the hosted Checkout page calls: pay (or save a card for) an open session, and where "back" goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import bank_accounts, errors
from .events import emit, public
from .params import Params
from .resources.customers import new_customer
from .resources.mandates import new_mandate
from .resources.payment_intents import attempt as attempt_payment
from .resources.payment_intents import authenticate as authenticate_payment
from .resources.payment_intents import new_payment_intent
from .resources.payment_methods import card_from_params, new_bank_payment_method, new_payment_method
from .resources.setup_intents import attempt as attempt_setup
from .resources.setup_intents import fail_authentication as fail_setup_authentication
from .resources.setup_intents import new_setup_intent
from .state import Ctx, Sandbox


@dataclass
class CheckoutOutcome:
    """The result of one submission of the hosted page.

    `status`: "complete" (paid, or card saved in setup mode), "declined" (card refused; the session stays
    open, as on Stripe), or "unavailable" (the session is not open: expired, complete or unknown).
    """

    status: str
    session: dict[str, Any] | None = None
    redirect_url: str | None = None
    error_code: str | None = None
    decline_code: str | None = None
    message: str | None = None
    events: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "complete"


def get_checkout_session(state: Sandbox, session_id: str) -> dict[str, Any] | None:
    """The session's public JSON (whatever account it belongs to), or None."""
    with state.transaction():
        found = state.store.get(session_id, object_type="checkout.session")
    return public(found) if found else None


def get_line_items(state: Sandbox, session_id: str) -> list[dict[str, Any]]:
    """The session's line items in their given order (public JSON of `item` objects)."""
    with state.transaction():
        rows = state.store.select(
            "SELECT * FROM objects WHERE type = 'item' AND source = ? ORDER BY seq", (session_id,)
        )
    return [{k: v for k, v in row.data.items() if k != "created" and not k.startswith("_")} for row in rows]


def cancel_url_for(state: Sandbox, session_id: str) -> str | None:
    """Where the page's "back" link leads: the session's cancel_url (None when it has none or is unknown)."""
    session = get_checkout_session(state, session_id)
    return session.get("cancel_url") if session else None


def success_url_for(session: dict[str, Any]) -> str | None:
    url = session.get("success_url")
    return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None


def complete_checkout_session(
    state: Sandbox,
    session_id: str,
    card_number: str,
    exp_month: int | str,
    exp_year: int | str,
    cvc: str,
    name: str,
    save_payment_method: bool,
    email: str | None = None,
    authenticated: bool = True,
) -> CheckoutOutcome:
    """Submit the hosted page's card form for `session_id`, like a customer pressing Pay.

    `authenticated` is the customer's answer to the 3-D Secure challenge of a card that asks for one
    (ignored for other cards). False records what Stripe records for a failed challenge: the PaymentIntent
    (SetupIntent in setup mode) goes back to requires_payment_method with `last_payment_error`
    (`last_setup_error`) code `payment_intent_authentication_failure`
    (`setup_intent_authentication_failure`) and a `payment_intent.payment_failed`
    (`setup_intent.setup_failed`) event; the outcome is "declined" and the session stays open.
    """
    with state.store.lock:
        row = state.store.row(session_id)
        if row is None or row.type != "checkout.session":
            return CheckoutOutcome("unavailable", message=f"No such checkout.session: '{session_id}'")
        ctx = state.context(row.account)

        def card(ctx: Ctx, billing: dict[str, Any]) -> dict[str, Any]:
            card_params = Params(
                {
                    "card": {
                        "number": card_number,
                        "exp_month": str(exp_month),
                        "exp_year": str(exp_year),
                        "cvc": cvc,
                    }
                }
            )
            found, month, year = card_from_params(ctx, card_params)
            return new_payment_method(ctx, found, month, year, billing)

        try:
            with state.transaction():
                return _complete(ctx, row.data, card, name, save_payment_method, email, authenticated)
        except errors.StripeError as exc:
            if exc.status >= 500:
                raise
            session = get_checkout_session(state, session_id)
            return CheckoutOutcome(
                "declined",
                session=session,
                error_code=exc.code,
                decline_code=exc.decline_code,
                message=exc.message,
                events=list(ctx.events),
            )


@dataclass(frozen=True)
class BankDebit:
    """A bank account as the hosted page collects it: ACH (`us_bank_account`: routing and account number)
    or SEPA (`sepa_debit`: IBAN), with the customer's acceptance of the debit mandate."""

    kind: str
    holder_name: str
    routing_number: str = ""
    account_number: str = ""
    iban: str = ""
    ip_address: str | None = None
    user_agent: str | None = None


def complete_checkout_session_by_bank_debit(
    state: Sandbox, session_id: str, bank: BankDebit, email: str | None = None
) -> CheckoutOutcome:
    """Submit the hosted page's bank account form: the session completes with `payment_status` "unpaid"
    and its PaymentIntent `processing`; the debit settles later on the clock, and the session then gets
    `checkout.session.async_payment_succeeded` or `..._failed`. "declined" when the details are refused
    (nothing is written then)."""
    with state.store.lock:
        row = state.store.row(session_id)
        if row is None or row.type != "checkout.session":
            return CheckoutOutcome("unavailable", message=f"No such checkout.session: '{session_id}'")
        if bank.kind not in row.data.get("payment_method_types", []):
            return CheckoutOutcome("declined", message=f"This session does not accept {bank.kind}.")
        ctx = state.context(row.account)

        def bank_account(ctx: Ctx, billing: dict[str, Any]) -> dict[str, Any]:
            if bank.kind == "sepa_debit":
                account = bank_accounts.sepa_account(bank.iban)
                param = "sepa_debit[iban]"
            else:
                account = bank_accounts.us_bank_account(bank.routing_number, bank.account_number)
                param = "us_bank_account[account_number]"
            if account is None:
                raise errors.invalid("Your bank account details are invalid.", param, "invalid_bank_account")
            pm = new_bank_payment_method(ctx, account, billing)
            acceptance = {
                "accepted_at": ctx.now,
                "online": {"ip_address": bank.ip_address, "user_agent": bank.user_agent},
                "type": "online",
            }
            new_mandate(ctx, pm, acceptance)
            return pm

        try:
            with state.transaction():
                return _complete(ctx, row.data, bank_account, bank.holder_name, False, email, True)
        except errors.StripeError as exc:
            if exc.status >= 500:
                raise
            return CheckoutOutcome(
                "declined",
                session=get_checkout_session(state, session_id),
                error_code=exc.code,
                message=exc.message,
                events=list(ctx.events),
            )


def _complete(
    ctx: Ctx,
    session: dict[str, Any],
    make_payment_method: Callable[[Ctx, dict[str, Any]], dict[str, Any]],
    name: str,
    save: bool,
    email: str | None,
    authenticated: bool,
) -> CheckoutOutcome:
    if session["status"] != "open" or session["expires_at"] <= ctx.now:
        return CheckoutOutcome(
            "unavailable",
            session=public(session),
            message=f"This Checkout Session is no longer open (status {session['status']}).",
        )
    email = email or session.get("customer_email")
    if not email and session.get("customer"):
        customer_row = ctx.find(session["customer"])
        email = customer_row.get("email") if customer_row else None
    billing = {
        "address": {
            "city": None,
            "country": None,
            "line1": None,
            "line2": None,
            "postal_code": None,
            "state": None,
        },
        "email": email,
        "name": name or None,
        "phone": None,
        "tax_id": None,
    }
    pm = make_payment_method(ctx, billing)
    notes = session.get("_sandbox", {})
    intent_data: dict[str, Any] = dict(notes.get("payment_intent_data", {}))
    if save and not intent_data.get("setup_future_usage"):
        intent_data["setup_future_usage"] = "off_session"
    customer = session.get("customer")
    needs_customer = (
        session.get("customer_creation") == "always"
        or session["mode"] == "setup"
        or bool(intent_data.get("setup_future_usage"))
    )
    if not customer and needs_customer:
        customer = new_customer(ctx, email=email, name=name or None)["id"]
        session["customer"] = customer
    if session["mode"] == "payment":
        pi = _pay(ctx, session, pm, customer, intent_data, authenticated)
        # A bank debit is still processing: paid only when it settles (async_payment_succeeded).
        session["payment_status"] = "unpaid" if pi["status"] == "processing" else "paid"
    else:
        setup_data = notes.get("setup_intent_data", {})
        intent = new_setup_intent(
            ctx,
            customer=customer,
            metadata=setup_data.get("metadata"),
            description=setup_data.get("description"),
            payment_method=pm["id"],
        )
        session["setup_intent"] = intent["id"]
        ctx.save(session)
        attempt_setup(ctx, intent, authenticated=authenticated)
        if intent["status"] == "requires_action":
            fail_setup_authentication(ctx, intent)
            raise _authentication_failed(intent["last_setup_error"])
    session["status"] = "complete"
    session["url"] = None
    session["customer_details"] = {
        "address": billing["address"],
        "email": email,
        "name": name or None,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }
    ctx.save(session, due=None)
    emit(ctx, "checkout.session.completed", session, None)
    return CheckoutOutcome(
        "complete", session=public(session), redirect_url=success_url_for(session), events=list(ctx.events)
    )


def _authentication_failed(error: dict[str, Any]) -> errors.StripeError:
    """The failed challenge as the error the page reports; what was recorded stands (commit)."""
    return errors.StripeError(402, error["message"], code=error["code"], commit=True)


def _pay(
    ctx: Ctx,
    session: dict[str, Any],
    pm: dict[str, Any],
    customer: str | None,
    intent_data: dict[str, Any],
    authenticated: bool,
) -> dict[str, Any]:
    """Create the session's PaymentIntent once and confirm it with this payment method.

    A card that asks for 3-D Secure stops in requires_action; the customer's answer (`authenticated`)
    then completes the payment or records the failed authentication, as the challenge page does.
    """
    pi = ctx.find(session["payment_intent"]) if session.get("payment_intent") else None
    if pi is None:
        pi = new_payment_intent(
            ctx,
            amount=session["amount_total"],
            currency=session["currency"],
            customer=customer,
            metadata=dict(intent_data.get("metadata") or {}),
            description=intent_data.get("description"),
            receipt_email=intent_data.get("receipt_email") or session.get("customer_email"),
            setup_future_usage=intent_data.get("setup_future_usage"),
            statement_descriptor=intent_data.get("statement_descriptor"),
            statement_descriptor_suffix=intent_data.get("statement_descriptor_suffix"),
            capture_method="manual" if intent_data.get("capture_method") == "manual" else "automatic",
            payment_method_types=list(session.get("payment_method_types") or ["card"]),
        )
        session["payment_intent"] = pi["id"]
    elif customer and not pi.get("customer"):
        pi["customer"] = customer
    pi["payment_method"] = pm["id"]
    pi["status"] = "requires_confirmation"
    ctx.save(pi)
    ctx.save(session)
    attempt_payment(ctx, pi)
    if pi["status"] == "requires_action":
        authenticate_payment(ctx, pi, authenticated)
        if not authenticated:
            raise _authentication_failed(pi["last_payment_error"])
    return pi
