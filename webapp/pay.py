"""The `pay` blueprint: customer and invoice payment pages, their forms, and the link's QR code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from stripe_netsuite.links import BadLinkError, LinkKind, LinkTarget, qr_svg
from stripe_netsuite.money import (
    UnsupportedCurrencyError,
    charge_step_minor,
    exponent,
    from_minor,
    minimum_charge_minor,
    normalize_currency,
)
from stripe_netsuite.payments.accounts import AccountNotFoundError, CustomerAccount
from stripe_netsuite.payments.amounts import AmountError, chargeable_minor
from stripe_netsuite.payments.consent import consent_text
from stripe_netsuite.payments.service import (
    PaymentError,
    PaymentRequest,
    customer_view,
    invoice_view,
    start_customer_payment,
    start_invoice_payment,
)
from stripe_netsuite.store.payments import PaymentAttempt
from webapp.i18n import current_locale
from webapp.services import get_links, get_page_settings, get_services, get_settings

__all__ = ["bp", "page_url"]

bp = Blueprint("pay", __name__, url_prefix="/pay")


def _now() -> datetime:
    return datetime.now(UTC)


def _target(token: str, kind: LinkKind) -> LinkTarget:
    try:
        return get_links().read_token(token, kind)
    except BadLinkError:
        abort(404)


def page_url(target: LinkTarget, currency: str | None = None) -> str:
    """Absolute URL of the payment page of a target (what links and Checkout's cancel page point at).

    `currency` opens a customer page on that currency's balance (a payment is in one currency).
    """
    token = get_links().make_token(target)
    if target.kind == "customer":
        return str(get_settings().page.payment_link_base_url) + url_for(
            "pay.customer_page", token=token, currency=currency
        )
    return str(get_settings().page.payment_link_base_url) + url_for("pay.invoice_page", token=token)


def _return_urls(attempt: PaymentAttempt) -> tuple[str, str]:
    """Where Checkout sends the customer back: our result page, or the cancel route (never trusted data)."""
    base = str(get_settings().page.payment_link_base_url)
    return (
        base + url_for("returns.result", attempt_id=attempt.id),
        base + url_for("returns.cancel", attempt_id=attempt.id),
    )


def _plain_amount(minor: int, currency: str) -> str:
    """The amount as the form field shows it: digits and a '.' (what parse_amount reads everywhere)."""
    return str(from_minor(minor, currency))


def _request(amount: str | None, invoices: list[str], currency: str | None = None) -> PaymentRequest:
    return PaymentRequest(
        amount_text=amount,
        invoice_ids=invoices,
        save_payment_method=request.form.get("save_payment_method") == "yes",
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        locale=current_locale(),
        currency=currency,
        shown_text=request.form.get("shown_amount"),
    )


def _form_fields(
    available_minor: int, currency: str, customer_name: str, error: str | None
) -> dict[str, Any]:
    """What both payment forms show alike: the chargeable amount, the amount field (as typed, when a POST is
    shown again with its error), the save-card box, the consent terms and the error.

    `default_amount` is also the form's hidden `shown_amount`: the POST says what the page showed, so a
    payment never takes a sum NetSuite changed after the page was opened (amounts.check_unchanged).
    """
    form = request.form if request.method == "POST" else None
    payable = chargeable_minor(available_minor, currency)
    default_amount = _plain_amount(payable, currency)
    amount = form.get("amount", default_amount) if form else default_amount
    if form and amount == form.get("shown_amount"):
        amount = default_amount  # the customer kept the full amount: shown again, it is the new full amount
    return {
        "payable_minor": payable,
        "rounding_left": available_minor - payable,  # only Stripe's charge step (KWD: 0.010) leaves any
        "default_amount": default_amount,
        "amount": amount,
        "save_checked": bool(form and form.get("save_payment_method") == "yes"),
        "terms": consent_text(get_page_settings().business_name, customer_name),
        "error": error,
    }


Start = Callable[..., tuple[PaymentAttempt, str]]
Render = Callable[[str, int, str], Any]


def _pay(
    token: str,
    kind: LinkKind,
    start: Start,
    render: Render,
    invoices: list[str] | None = None,
    currency: str | None = None,
) -> Any:
    """Start the payment the form asks for and send the customer to Stripe Checkout (303). An amount the
    rules refuse shows the page again with the reason (422); an unknown link or account is a 404, Stripe or
    NetSuite failing a 502."""
    target = _target(token, kind)
    payment = _request(request.form.get("amount"), invoices or [], currency)
    try:
        _attempt, url = start(
            get_services(), target.netsuite_id, payment, get_page_settings(), _return_urls, _now()
        )
    except AccountNotFoundError:
        abort(404)
    except AmountError as error:
        return render(token, 422, str(error))
    except PaymentError:
        abort(502)
    return redirect(url, 303)


def _chosen_currency() -> str | None:
    """The customer page's currency from its address (`?currency=EUR`); None = the customer's primary one.

    A payment is in one currency, so each currency the customer owes in has its own view of the page; the
    service checks the currency is one of the customer's (404 otherwise), so it is never simply trusted.
    """
    text = request.args.get("currency")
    if text is None:
        return None
    try:
        return normalize_currency(text)
    except UnsupportedCurrencyError:
        abort(404)


# ------------------------------------------------------------------------------------------ customer page


def _customer_url(endpoint: str, token: str, account: CustomerAccount, currency: str) -> str:
    """The customer page (or its form) in `currency`; the primary currency's address has no `?currency=`."""
    return url_for(endpoint, token=token, currency=None if currency == account.primary_currency else currency)


def _render_customer(token: str, status: int = 200, error: str | None = None) -> Any:
    target = _target(token, "customer")
    try:
        view = customer_view(get_services(), target.netsuite_id, _now(), currency=_chosen_currency())
    except AccountNotFoundError:
        abort(404)
    account = view.account
    return render_template(
        "customer.html",
        token=token,
        view=view,
        account=account,
        tabs=[
            (entry, _customer_url("pay.customer_page", token, account, entry.currency))
            for entry in account.payable_balances
        ],
        action=_customer_url("pay.pay_customer", token, account, account.currency),
        chosen=set(request.form.getlist("invoice")) if request.method == "POST" else set(),
        exponent=exponent(account.currency),
        charge_step=charge_step_minor(account.currency),
        minimum_minor=minimum_charge_minor(account.currency),
        **_form_fields(view.available_minor, account.currency, account.name, error),
    ), status


@bp.get("/c/<token>")
def customer_page(token: str) -> Any:
    return _render_customer(token)


@bp.post("/c/<token>")
def pay_customer(token: str) -> Any:
    invoices = request.form.getlist("invoice")
    return _pay(token, "customer", start_customer_payment, _render_customer, invoices, _chosen_currency())


# ------------------------------------------------------------------------------------------- invoice page


def _render_invoice(token: str, status: int = 200, error: str | None = None) -> Any:
    target = _target(token, "invoice")
    try:
        view = invoice_view(get_services(), target.netsuite_id, _now())
    except AccountNotFoundError:
        abort(404)
    invoice = view.account.invoice
    if view.is_paid:
        return render_template(
            "paid.html", view=view, invoice=invoice
        ), 409 if request.method == "POST" else 200
    return render_template(
        "invoice.html",
        token=token,
        view=view,
        invoice=invoice,
        partial=get_page_settings().allow_partial_invoice_payment,
        **_form_fields(view.available_minor, invoice.currency, view.account.customer_name, error),
    ), status


@bp.get("/i/<token>")
def invoice_page(token: str) -> Any:
    return _render_invoice(token)


@bp.post("/i/<token>")
def pay_invoice(token: str) -> Any:
    # The invoice is the link's own: the service takes it from the link, never from the form. A refused
    # amount on an invoice paid meanwhile shows its Paid page instead (409).
    return _pay(token, "invoice", start_invoice_payment, _render_invoice)


# ------------------------------------------------------------------------------------------------ QR code


@bp.get("/<any(c, i):kind>/<token>/qr.svg")
def qr_code(kind: str, token: str) -> Response:
    target = _target(token, "customer" if kind == "c" else "invoice")
    svg = qr_svg(page_url(target))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"})
