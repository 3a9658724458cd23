"""Browser-test fixtures: the webapp served on 127.0.0.1 (port 0), a Stripe webhook endpoint pointing at it,
and Debian's chromium driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from stripe_netsuite.store import dispose_engines
from tests.e2e.webapp_support import create_test_app, webapp_environ
from tests.servers import RunningServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
DEMO_BUSINESS = {"business_name": "Honeycomb Holdings Inc.", "statement_descriptor": "HONEYCOMB"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveWebapp:
    """The webapp as a real HTTP server, plus its Flask app for reading the state DB."""

    url: str
    app: Flask


class _Late:
    """A WSGI app set after the server has bound its port (the app's settings need that port)."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def live_webapp(
    netsuite_env: dict[str, str],
    stripe_sandbox: RunningServer,
    stripe_client: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveWebapp]:
    # The merchant's public name lives in its Stripe account, as in the demo; the pages take it from there.
    requests.post(f"{stripe_sandbox.url}/_sandbox/config", json=DEMO_BUSINESS, timeout=10).raise_for_status()
    late = _Late()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    endpoint = stripe_client.v1.webhook_endpoints.create(
        {"url": f"{url}/webhooks/stripe", "enabled_events": ["*"]}
    )
    database = f"sqlite:///{tmp_path_factory.mktemp('webapp') / 'state.db'}"
    environ = webapp_environ(
        netsuite_env,
        stripe_sandbox.url,
        database,
        PAYMENT_LINK_BASE_URL=url,
        STRIPE_WEBHOOK_SECRET=endpoint.secret,
    )
    late.app = create_test_app(environ, {"TESTING": False})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveWebapp(url, late.app)
    server.shutdown()
    dispose_engines()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under test-artifacts/e2e/<test>-<step>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, step: str) -> Path:
        name = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")
        path = ARTIFACTS / f"{name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
