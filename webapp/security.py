"""CSRF tokens, security headers (a strict Content-Security-Policy) and a small rate limiter.

There is no Flask-WTF here: the CSRF token is a random value kept in the signed session cookie and echoed by
every form; a POST without the matching value is refused before any view runs.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request, session

__all__ = ["RateLimiter", "csrf_token", "init_app"]

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
    checkout = _origin(settings.stripe_api_base) or "https://checkout.stripe.com"
    images = " ".join(filter(None, ["'self'", _origin(settings.brand_logo_url)]))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action 'self' {checkout}"
    )


class RateLimiter:
    """At most `limit` hits per key in any `window` seconds, in this process (sliding window).

    In-process on purpose: it blunts a script hammering one link from one address. Several gunicorn workers
    each keep their own count, so the effective limit is limit x workers; a shared store (Redis) would make
    it exact and is the next step for a large deployment.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, *key: str) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._hits) > 10_000:  # forget idle keys so memory stays bounded
                self._hits = {k: v for k, v in self._hits.items() if v and now - v[-1] < self.window}
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True


def rate_limit(key: str) -> None:
    """Abort with 429 when this client has posted to this link too often."""
    limiter: RateLimiter = current_app.extensions["rate_limiter"]
    if not limiter.allow(request.remote_addr or "-", key):
        abort(429)


def init_app(app: Flask) -> None:
    policy = _content_security_policy(app)
    limit, window = app.config["PAY_RATE_LIMIT"]
    app.extensions["rate_limiter"] = RateLimiter(limit, window)
    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Payment links carry their token in the path: never leak it to Stripe or the logo's host.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
