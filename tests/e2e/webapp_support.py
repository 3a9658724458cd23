"""Helpers shared by the webapp's test-client tests and browser tests: settings, apps, links, signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from stripe_netsuite.links import LinkTarget
from stripe_netsuite.store import (
    Consent,
    PaymentAttempt,
    WebhookEvent,
    dispose_engines,
    get_engine,
    session_scope,
)
from tests.conftest import STRIPE_TEST_KEY
from tests.servers import RunningServer

WEBHOOK_SECRET = "whsec_webapp_tests_0123456789"
SECRET_KEY = "webapp-tests-secret-key-0123456789"

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ERROR = re.compile(r'class="error"[^>]*>([^<]*)<')


def webapp_environ(
    netsuite_env: Mapping[str, str], stripe_url: str, database_url: str, **extra: str
) -> dict[str, str]:
    """Every setting the webapp needs, pointed at the test's sandboxes and state DB.

    BUSINESS_NAME is left unset, as in the demo: the pages take the name from the Stripe account.
    """
    return {
        **netsuite_env,
        "STRIPE_API_KEY": STRIPE_TEST_KEY,
        "STRIPE_API_BASE": stripe_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBAPP_SECRET_KEY": SECRET_KEY,
        "PAYMENT_LINK_BASE_URL": "http://localhost",
        "CONNECTOR_DATABASE_URL": database_url,
        "STATEMENT_DESCRIPTOR_SUFFIX": "INVOICES",
        "RECEIPTS": "stripe",
        **extra,
    }


@pytest.fixture
def make_app(
    netsuite_env: dict[str, str], stripe_sandbox: RunningServer, tmp_path: Path
) -> Iterator[Callable[..., Flask]]:
    """A factory of apps on a fresh state DB (one per test); keyword arguments override settings."""
    database_url = f"sqlite:///{tmp_path / 'state.db'}"

    def make(config: Mapping[str, Any] | None = None, **extra: str) -> Flask:
        environ = webapp_environ(netsuite_env, stripe_sandbox.url, database_url, **extra)
        return create_test_app(environ, config)

    yield make
    dispose_engines()


def create_test_app(environ: Mapping[str, str], config: Mapping[str, Any] | None = None) -> Flask:
    from webapp import create_app

    return create_app({"ENVIRON": dict(environ), "TESTING": True, **(config or {})})


def token_for(app: Flask, kind: str, netsuite_id: str) -> str:
    """The link token the app would print for a customer or invoice."""
    with app.app_context():
        from webapp.services import get_links

        return get_links().make_token(LinkTarget(kind, netsuite_id))  # type: ignore[arg-type]


def page_path(app: Flask, kind: str, netsuite_id: str) -> str:
    return f"/pay/{kind[0]}/{token_for(app, kind, netsuite_id)}"


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def errors_of(html: str) -> list[str]:
    return [text.strip() for text in ERROR.findall(html)]


def count(app: Flask, model: type[Any]) -> int:
    url = app.config["SETTINGS"].database_url
    with session_scope(get_engine(url)) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def state_counts(app: Flask) -> tuple[int, int]:
    """(payment attempts, consents) in the app's state DB."""
    return count(app, PaymentAttempt), count(app, Consent)


def attempts(app: Flask) -> list[PaymentAttempt]:
    with session_scope(get_engine(app.config["SETTINGS"].database_url)) as session:
        return list(session.scalars(select(PaymentAttempt).order_by(PaymentAttempt.created_at)))


def consents(app: Flask) -> list[Consent]:
    with session_scope(get_engine(app.config["SETTINGS"].database_url)) as session:
        return list(session.scalars(select(Consent)))


def events_recorded(app: Flask) -> list[WebhookEvent]:
    with session_scope(get_engine(app.config["SETTINGS"].database_url)) as session:
        return list(session.scalars(select(WebhookEvent)))


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value for `payload`, as Stripe computes it."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def event_body(event_type: str, obj: Mapping[str, Any], event_id: str = "evt_test_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "api_version": "2026-10-28.endive",
            "livemode": False,
            "data": {"object": dict(obj)},
        }
    ).encode()
