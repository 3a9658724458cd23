"""Error pages: plain words, the same 404 for every bad link, never a stack trace in the browser.

A page that fails because Stripe or NetSuite did is logged here, once, with what the service answered (status,
error code, request id): the one place an operator finds why a customer saw a 502 or 503.
"""

from __future__ import annotations

import logging

import stripe
from flask import Flask, Response, render_template
from werkzeug.exceptions import HTTPException

from stripe_netsuite.netsuite import NetSuiteError
from stripe_netsuite.payments.service import PaymentError

__all__ = ["describe_upstream_failure", "error_response", "init_app"]

log = logging.getLogger(__name__)

_MESSAGES = {
    400: ("This form has expired", "Reload the page and try again. Nothing was charged."),
    404: (
        "Link not found",
        "This payment link is not valid. Please use the latest link you received, or "
        "contact us for a new one.",
    ),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too much data", "The request was too large."),
    429: ("Too many attempts", "Please wait a minute before trying again. Nothing was charged."),
    500: (
        "Something went wrong",
        "We could not finish your request. Nothing was charged; please try again later.",
    ),
    502: (
        "Payment service unavailable",
        "We could not reach our payment provider. Nothing was charged; please try again in a few minutes.",
    ),
    503: (
        "Temporarily unavailable",
        "We cannot show your balance right now. Please try again in a few minutes.",
    ),
}


def _page(status: int) -> tuple[str, int]:
    title, message = _MESSAGES.get(status, _MESSAGES[500])
    return render_template("error.html", title=title, message=message, status=status), status


def _causes(error: BaseException | None) -> list[BaseException]:
    """The error and what it was raised from or while handling (abort(502) inside `except PaymentError`)."""
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def describe_upstream_failure(error: BaseException) -> str | None:
    """What Stripe or NetSuite answered, for the log: status, code, request id; None if neither failed."""
    for cause in _causes(error):
        if isinstance(cause, stripe.StripeError):
            # stripe-python sets some fields only on the exception, others only on its error object.
            details = cause.error
            code = cause.code or getattr(details, "code", None)
            param = getattr(cause, "param", None) or getattr(details, "param", None)
            message = getattr(details, "message", None) or cause.user_message or ""
            return (
                f"Stripe {type(cause).__name__}: status={cause.http_status} code={code} "
                f"request_id={cause.request_id} param={param} message={message[:300]!r}"
            )
        if isinstance(cause, NetSuiteError):
            # NetSuite's REST errors carry no request id; the failed call ("METHOD /path") identifies it.
            return (
                f"NetSuite {type(cause).__name__}: status={cause.status} code={cause.code} "
                f"request={cause.request} detail={cause.detail[:300]!r}"
            )
    return None


def _log_upstream(status: int, error: BaseException) -> None:
    described = describe_upstream_failure(error)
    if described:
        # Messages never hold secrets (Stripe masks keys); link tokens are redacted by webapp.logs.
        log.error("HTTP %s page: %s", status, described)


def error_response(app: Flask, status: int) -> Response:
    """The app's own error page with every header a view's response gets (for errors the server answers)."""
    with app.test_request_context("/"):
        response = app.make_response(_page(status))
        return app.process_response(response)


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        status = error.code or 500
        if status >= 500:
            _log_upstream(status, error)
        return _page(status)

    @app.errorhandler(PaymentError)
    @app.errorhandler(stripe.StripeError)  # a Stripe call outside the payment service (e.g. cancel)
    def payment_failed(error: Exception) -> tuple[str, int]:
        _log_upstream(502, error)
        return _page(502)

    @app.errorhandler(NetSuiteError)
    def netsuite_down(error: NetSuiteError) -> tuple[str, int]:
        _log_upstream(503, error)
        return _page(503)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error on a payment page")
        return _page(500)
