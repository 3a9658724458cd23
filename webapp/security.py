"""CSRF tokens, security headers (a strict Content-Security-Policy and friends) and the request body limit.

There is no Flask-WTF here: the CSRF token is a random value kept in the signed session cookie and echoed by
every form; a POST without the matching value is refused before any view runs.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request, session

__all__ = ["csrf_token", "init_app", "security_headers"]

CSRF_FIELD = "csrf_token"
# Endpoints that receive POSTs from machines, authenticated by their own signature instead.
CSRF_EXEMPT = {"webhooks.stripe_webhook"}


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def _check_csrf() -> None:
    if request.method != "POST" or request.endpoint in CSRF_EXEMPT:
        return
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, given):
        abort(400, description="csrf")


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _content_security_policy(app: Flask) -> str:
    settings = app.config["SETTINGS"]
    # The pay form answers with a redirect to Checkout; Chrome applies form-action to that redirect too.
    checkout = _origin(settings.stripe.api_base if settings.stripe else None) or "https://checkout.stripe.com"
    images = " ".join(filter(None, ["'self'", _origin(settings.page.brand_logo_url)]))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action 'self' {checkout}"
    )


def security_headers(app: Flask) -> dict[str, str]:
    """The headers every response of the app carries (views, error pages, the server's own errors)."""
    headers = {
        "Content-Security-Policy": _content_security_policy(app),
        "X-Content-Type-Options": "nosniff",
        # Payment links carry their token in the path: never leak it to Stripe or the logo's host.
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        # Nothing here needs a device API; a script injected despite the CSP gets none of them either.
        "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=(), usb=()",
        # The page is opened from e-mails and PDFs: no opener may keep a handle on the payment window.
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if urlsplit(str(app.config["SETTINGS"].page.payment_link_base_url)).scheme == "https":
        # Only when the public URL is https: HSTS over plain http would be ignored, or lock out a test host.
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def _refuse_oversized_body() -> None:
    """413 for a body without Content-Length (chunked) that is larger than MAX_CONTENT_LENGTH.

    Werkzeug refuses a declared Content-Length above the limit itself, but it reads a chunked body only up to
    the limit and parses what it got: the rest of the form would be dropped silently and the cut form
    processed. Reading it here (cached for the form parser and the webhook) makes the limit one rule.
    """
    if request.content_length is not None or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    request.get_data(cache=True)  # at most MAX_CONTENT_LENGTH bytes
    if request.stream.read(1):  # past the limit werkzeug's stream raises 413 itself; this is a backstop
        abort(413)


def init_app(app: Flask) -> None:
    headers = security_headers(app)
    app.before_request(_refuse_oversized_body)
    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.update(headers)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
