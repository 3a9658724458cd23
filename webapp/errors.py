"""Error pages: plain words, the same 404 for every bad link, never a stack trace in the browser."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from stripe_netsuite.netsuite import NetSuiteError

__all__ = ["init_app"]

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


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return _page(error.code or 500)

    @app.errorhandler(NetSuiteError)
    def netsuite_down(error: NetSuiteError) -> tuple[str, int]:
        log.warning("NetSuite unavailable for a payment page: %s", type(error).__name__)
        return _page(503)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error on a payment page")
        return _page(500)
