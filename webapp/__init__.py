"""The payment pages: a small Flask app (flaskr-style factory and blueprints) over stripe_netsuite.payments.

flask --app webapp run                       # serve (settings from the environment, see README.md)
flask --app webapp links create --customer 106
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from stripe_netsuite.config import Settings

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; settings come from the environment (or test_config["ENVIRON"]) and fail fast by name."""
    from webapp.logs import install_redaction

    install_redaction()  # before anything logs: link tokens never reach a log line
    app = Flask(__name__)
    config = dict(test_config or {})
    environ: Mapping[str, str] = config.pop("ENVIRON", None) or os.environ
    settings = Settings.from_env(environ)
    # Everything the pages and webhooks need must be there at start, named in the error when missing.
    secret, base_url = settings.require("WEBAPP_SECRET_KEY", "PAYMENT_LINK_BASE_URL")
    settings.require("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET")
    app.config.update(
        SECRET_KEY=secret,
        SETTINGS=settings,
        ENVIRON=dict(environ),
        PAYMENT_LINK_KEYS=settings.page.payment_link_keys,
        SESSION_COOKIE_SECURE=urlsplit(base_url).scheme == "https",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="pay_session",
        MAX_CONTENT_LENGTH=1024 * 1024,  # forms are tiny; Stripe events stay well below this
        AUTO_MIGRATE=True,
    )
    app.config.update(config)

    from webapp import brand, cli, errors, i18n, pay, ratelimit, returns, security, services, webhooks

    ratelimit.init_app(app)  # first: its check runs before every other hook (CSRF, body size)
    services.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    brand.init_app(app)
    app.register_blueprint(pay.bp)
    app.register_blueprint(returns.bp)
    app.register_blueprint(webhooks.bp)
    cli.init_app(app)
    proxies = settings.page.webapp_trusted_proxies
    if proxies:
        # Behind N reverse proxies the client address (consents, rate limits) comes from X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    return app
