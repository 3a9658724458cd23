"""Rate limits of the payment pages, one count across every worker and host (Flask-Limiter).

The counts live in RATE_LIMIT_STORAGE_URI: Redis (docker-compose) is shared by all gunicorn workers and
replicas; memory:// counts inside one process, so gunicorn.conf.py refuses it with more than one worker.
Three limits, so that neither a script on one link nor a hunt for links gets far:
  - RATE_LIMIT_PAY      POSTs to one link from one address (each creates Stripe objects);
  - RATE_LIMIT_PAGE     page views of one link from one address (each may read NetSuite);
  - RATE_LIMIT_BAD_LINK refused requests from one address over all links: unknown links (404) and forms
                        without a valid CSRF token (400), so guessing tokens, by GET or POST, soon stops.
They are checked before anything else runs, so refused CSRF tokens and bad links count too.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Flask, Response, request
from flask_limiter import Limiter

from stripe_netsuite.config import PageConfig

__all__ = ["init_app"]

log = logging.getLogger(__name__)


def _client() -> str:
    return request.remote_addr or "-"


def _client_and_link() -> str:
    # The path holds the link's token, a credential: the storage sees only a digest of it.
    digest = hashlib.sha256(request.path.encode()).hexdigest()[:32]
    return f"{_client()}|{digest}"


def _refused(response: Response) -> bool:
    return response.status_code in (400, 404)


def init_app(app: Flask) -> Limiter:
    """Create the app's limiter; call before other before_request hooks so that it runs first."""
    settings: PageConfig = app.config["SETTINGS"].page
    limiter = Limiter(
        _client,
        app=app,
        storage_uri=settings.rate_limit_storage_uri,
        strategy="moving-window",  # exact over any 60 s, no double burst at a window's edge
        headers_enabled=True,  # Retry-After (and X-RateLimit-*) on every limited response
        key_prefix="pay",
        enabled=settings.rate_limit_enabled,
        # A storage outage must not take the payment pages down: count in memory until it is back.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    from webapp import pay, returns, webhooks

    limiter.limit(settings.rate_limit_pay, key_func=_client_and_link, methods=["POST"], scope="pay-post")(
        pay.bp
    )
    limiter.limit(settings.rate_limit_page, key_func=_client_and_link, methods=["GET"], scope="pay-view")(
        pay.bp
    )
    refused = limiter.shared_limit(  # shared: one count over every route of both blueprints
        settings.rate_limit_bad_link, scope="refused", key_func=_client, deduct_when=_refused
    )
    refused(pay.bp)
    refused(returns.bp)
    limiter.exempt(webhooks.bp)  # signed by Stripe, retried by Stripe: never refused for volume
    return limiter
