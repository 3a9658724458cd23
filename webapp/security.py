"""CSRF protection (Flask-WTF), security headers (a strict Content-Security-Policy and friends), body limit.

CSRF is Flask-WTF's CSRFProtect: a random value kept in the signed session cookie, echoed (signed) by every
form as `csrf_token`; a POST without the matching value is a 400 before any view runs. Two of its defaults
are changed in init_app, each for the reason written there.

The headers stay hand-written (one dict, set after every request): flask-talisman, the usual library, sets no
Cross-Origin-Opener-Policy (its issue #26, open since 2022), sends HSTS by the request's scheme rather than by
the configured public URL, rewrites SESSION_COOKIE_SECURE on every request, and has had no release since 1.1.0
(2023). It would add configuration of the same strings, not code we could drop.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, request
from flask_wtf.csrf import CSRFProtect

__all__ = ["csrf", "init_app", "security_headers"]

csrf = CSRFProtect()


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def _check_origin() -> None:
    """Refuse a form POST whose Origin header names another site, even with a valid token (defence in depth).

    Runs after CSRFProtect, which sets g.csrf_valid only on requests it checked (never the exempt webhook).
    Our own forms send `Origin: null` (under `Referrer-Policy: no-referrer` browsers hide a POST's origin),
    and a client that sends no Origin is judged by the token alone.
    """
    given = request.headers.get("Origin")
    if not g.get("csrf_valid") or given is None or given == "null":
        return
    public_url = str(current_app.config["SETTINGS"].page.payment_link_base_url)
    if _origin(given) not in {_origin(request.host_url), _origin(public_url)}:
        abort(400, description="cross-origin form post")


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
    # Hook order matters: the body limit before anything parses the form (CSRFProtect does).
    app.before_request(_refuse_oversized_body)
    # Our pages send `Referrer-Policy: no-referrer`, so browsers send no Referer, and Flask-WTF's https-only
    # Referer check would refuse every real payment; the Origin check below takes its place.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    # A token lives as long as the browser session (as before Flask-WTF): a page left open still pays.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)  # also gives templates csrf_token()
    app.before_request(_check_origin)
    from webapp import webhooks

    csrf.exempt(webhooks.bp)  # Stripe signs its events (Stripe-Signature); it cannot know a form token

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.update(headers)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
