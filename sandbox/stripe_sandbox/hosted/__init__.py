"""The hosted Checkout page at a session's `url` (`/c/pay/<session id>`): card form, 3-D Secure step, bank
account form (ACH / SEPA debit with its mandate) when the session offers one, outcome.

Pay goes through `stripe_sandbox.checkout.complete_checkout_session`, so the objects and events it leaves are
the ones the API creates; this package only renders pages and reads the form.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from ..cards import card_for_number
from ..checkout import (
    BankDebit,
    CheckoutOutcome,
    complete_checkout_session,
    complete_checkout_session_by_bank_debit,
)
from ..state import Sandbox
from .page import CheckoutView, load_view, parse_expiry

# A card waiting for its 3-D Secure answer is kept this long, in memory only (never in a page or the store).
_CHALLENGE_TTL = 15 * 60
_AUTH_FAILED = (
    "We are unable to authenticate your payment method. "
    "Please choose a different payment method and try again."
)
_AUTH_FAILURES = ("payment_intent_authentication_failure", "setup_intent_authentication_failure")
# Nothing on the page may come from elsewhere: it must work offline and leak nothing to third parties.
_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class CardForm:
    """The card form as submitted, checked for completeness (the sandbox judges the card itself)."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str
    name: str
    email: str | None
    save: bool


@dataclass
class _Challenge:
    session_id: str
    card: CardForm
    created: float


class _Challenges:
    """Cards between "Pay" and the customer's answer on the 3-D Secure step, by one-time token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, _Challenge] = {}

    def put(self, session_id: str, card: CardForm) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._items = {k: v for k, v in self._items.items() if now - v.created < _CHALLENGE_TTL}
            self._items[token] = _Challenge(session_id, card, now)
        return token

    def take(self, token: str, session_id: str) -> CardForm | None:
        with self._lock:
            found = self._items.pop(token, None)
        if (
            found is None
            or found.session_id != session_id
            or time.monotonic() - found.created > _CHALLENGE_TTL
        ):
            return None
        return found.card


def read_card_form(view: CheckoutView) -> tuple[CardForm | None, str | None, str | None]:
    """(form, None, None) when complete, else (None, message, field) naming the first incomplete field."""
    form = request.form
    email = (form.get("email") or "").strip() or None
    if view.email_locked:
        email = view.email
    if not email or "@" not in email:
        return None, "Your email address is incomplete.", "email"
    number = "".join((form.get("cardnumber") or "").split())
    if not number:
        return None, "Your card number is incomplete.", "cardnumber"
    if not number.isdigit():
        return None, "Your card number is invalid.", "cardnumber"
    expiry = parse_expiry(form.get("exp-date") or "")
    if expiry is None:
        return None, "Your card's expiration date is incomplete.", "exp-date"
    cvc = (form.get("cvc") or "").strip()
    if not cvc:
        return None, "Your card's security code is incomplete.", "cvc"
    name = (form.get("name") or "").strip()
    if not name:
        return None, "Please enter the name on your card.", "name"
    save = view.save == "required" or (view.save == "optional" and form.get("save") == "on")
    return CardForm(number, expiry[0], expiry[1], cvc, name, email, save), None, None


def read_bank_form(view: CheckoutView) -> tuple[BankDebit | None, str | None, str | None]:
    """The bank account form, checked for completeness like the card form (the sandbox judges the account):
    (details, None, email) when complete, else (None, message, field) naming the first incomplete field."""
    form = request.form
    email = (form.get("email") or "").strip() or None
    if view.email_locked:
        email = view.email
    if not email or "@" not in email:
        return None, "Your email address is incomplete.", "email"
    holder = (form.get("account-holder") or "").strip()
    if not holder:
        return None, "Please enter the account holder's name.", "account-holder"
    kind = view.bank_kind or "us_bank_account"
    agent = request.headers.get("User-Agent")
    if kind == "sepa_debit":
        iban = "".join((form.get("iban") or "").split()).upper()
        if not iban:
            return None, "Your IBAN is incomplete.", "iban"
        bank = BankDebit(kind, holder, iban=iban, ip_address=request.remote_addr, user_agent=agent)
    else:
        routing = (form.get("routing-number") or "").strip()
        if not (routing.isdigit() and len(routing) == 9):
            return None, "Your routing number must have 9 digits.", "routing-number"
        number = (form.get("account-number") or "").strip()
        if not (number.isdigit() and 4 <= len(number) <= 17):
            return None, "Your account number is incomplete.", "account-number"
        if (form.get("account-number-confirm") or "").strip() != number:
            return None, "The account numbers do not match.", "account-number-confirm"
        bank = BankDebit(
            kind,
            holder,
            routing_number=routing,
            account_number=number,
            ip_address=request.remote_addr,
            user_agent=agent,
        )
    if form.get("mandate") != "accepted":
        return None, "Please accept the debit authorisation to pay by bank account.", "mandate"
    return bank, None, email


def _ink_on(color: str) -> str:
    """Black or white text, whichever contrasts more with `color` (#rrggbb), by WCAG relative luminance."""

    def channel(pair: str) -> float:
        value = int(pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    light = 0.2126 * channel(color[1:3]) + 0.7152 * channel(color[3:5]) + 0.0722 * channel(color[5:7])
    return "#000000" if (light + 0.05) / 0.05 > 1.05 / (light + 0.05) else "#ffffff"


def _page(template: str, status: int, **context: object) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def create_blueprint(sandbox: Sandbox) -> Blueprint:
    bp = Blueprint(
        "hosted_checkout",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/c/static",
    )
    challenges = _Challenges()

    def closed(view: CheckoutView | None, session_id: str) -> Response:
        if view is None:
            return _page("hosted/unavailable.html", 404, view=None, session_id=session_id)
        return _page("hosted/unavailable.html", 410 if view.status == "expired" else 200, view=view)

    def form_page(
        view: CheckoutView, status: int = 200, error: str | None = None, error_field: str | None = None
    ) -> Response:
        kept = ("email", "name", "method", "account-holder", "routing-number", "iban")
        values = {key: request.form.get(key, "") for key in kept} if request.method == "POST" else {}
        return _page(
            "hosted/checkout.html", status, view=view, error=error, error_field=error_field, values=values
        )

    def pay(view: CheckoutView, card: CardForm, authenticated: bool = True) -> BaseResponse:
        outcome = complete_checkout_session(
            sandbox,
            view.session_id,
            card.number,
            card.exp_month,
            card.exp_year,
            card.cvc,
            card.name,
            card.save,
            email=card.email,
            authenticated=authenticated,
        )
        return answer(view, outcome)

    def pay_by_bank(view: CheckoutView) -> BaseResponse:
        bank, message, email_or_field = read_bank_form(view)
        if bank is None:
            return form_page(view, 400, message, email_or_field)
        outcome = complete_checkout_session_by_bank_debit(sandbox, view.session_id, bank, email_or_field)
        if outcome.status == "declined":
            fresh = load_view(sandbox, view.session_id) or view
            field = "iban" if bank.kind == "sepa_debit" else "account-number"
            return form_page(fresh, 402, outcome.message or "Your bank account was refused.", field)
        return answer(view, outcome)

    def answer(view: CheckoutView, outcome: CheckoutOutcome) -> BaseResponse:
        if outcome.ok:
            if outcome.redirect_url:
                return redirect(outcome.redirect_url, code=303)
            done = load_view(sandbox, view.session_id)
            return _page("hosted/unavailable.html", 200, view=done)
        if outcome.status == "unavailable":
            return closed(load_view(sandbox, view.session_id), view.session_id)
        fresh = load_view(sandbox, view.session_id) or view
        field = {
            "incorrect_cvc": "cvc",
            "invalid_cvc": "cvc",
            "expired_card": "exp-date",
            "invalid_expiry_month": "exp-date",
            "invalid_expiry_year": "exp-date",
            "incorrect_number": "cardnumber",
        }.get(outcome.error_code or "", "cardnumber")
        message = outcome.message or "Your card was declined."
        if outcome.error_code in _AUTH_FAILURES:
            message = _AUTH_FAILED  # Checkout's wording, not the API's
        return form_page(fresh, 402, message, field)

    @bp.get("/c/brand.css")
    def brand() -> Response:
        """The account's branding colour (settings.branding.primary_color) on the buttons, as Checkout."""
        color = sandbox.config.brand_color
        css = f":root {{ --accent: {color}; --accent-ink: {_ink_on(color)}; }}\n" if color else ""
        return Response(css, mimetype="text/css", headers={"Cache-Control": "no-cache"})

    @bp.get("/c/pay/<session_id>")
    def show(session_id: str) -> Response:
        view = load_view(sandbox, session_id)
        if view is None or not view.open:
            return closed(view, session_id)
        return form_page(view)

    @bp.post("/c/pay/<session_id>")
    def submit(session_id: str) -> BaseResponse:
        view = load_view(sandbox, session_id)
        if view is None or not view.open:
            return closed(view, session_id)
        method = request.form.get("method") or ("card" if view.offers_card else view.bank_kind)
        if method != "card" and method == view.bank_kind:
            return pay_by_bank(view)
        card, message, field = read_card_form(view)
        if card is None:
            return form_page(view, 400, message, field)
        if card_for_number(card.number).three_ds is not None:
            # A one-time payment with a 3-D Secure card stops at the issuer's challenge first.
            token = challenges.put(session_id, card)
            return _page("hosted/authenticate.html", 200, view=view, token=token, last4=card.number[-4:])
        return pay(view, card)

    @bp.post("/c/pay/<session_id>/authenticate")
    def authenticate(session_id: str) -> BaseResponse:
        view = load_view(sandbox, session_id)
        if view is None or not view.open:
            return closed(view, session_id)
        card = challenges.take(request.form.get("token", ""), session_id)
        if card is None:
            return form_page(view, 400, "Your authentication expired. Please enter your card details again.")
        # Either answer goes to Stripe: a failed challenge is recorded on the intent, as on Stripe.
        return pay(view, card, authenticated=request.form.get("result") == "complete")

    return bp


def register(app: Flask, sandbox: Sandbox) -> None:
    """Called by `stripe_sandbox.app.create_app`: serve the hosted pages from the sandbox's own address."""
    app.register_blueprint(create_blueprint(sandbox))
