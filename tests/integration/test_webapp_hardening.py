"""Hostile input and operations logging of the payment pages (issue 8), through Flask's test client.

What only a real gunicorn shows (chunked bodies, request-line limits, the access log, workers sharing one
rate limit) is in test_webapp_gunicorn.py.
"""

from __future__ import annotations

import logging
from typing import Any

import itsdangerous
import pytest
import requests
import stripe
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import STRIPE_TEST_KEY
from tests.e2e import webapp_support
from tests.e2e.webapp_support import csrf_of, page_path, state_counts, token_for
from tests.servers import RunningServer

make_app = webapp_support.make_app  # the shared fixture, registered in this module


def open_form(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return csrf_of(response.get_data(as_text=True))


# --- amounts of any length ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency_customer"),
    [("9" * 27, "102"), ("9" * 27 + ".00", "102"), ("9" * 29, "106"), ("1" * 400_000, "102")],
    ids=["27-digits-usd", "27-digits-and-cents", "29-digits-jpy", "400k-digits"],
)
def test_absurd_amounts_are_a_422_with_a_message_and_write_nothing(
    make_app: Any, amount: str, currency_customer: str
) -> None:
    app = make_app()
    client = app.test_client()
    path = page_path(app, "customer", currency_customer)
    csrf = open_form(client, path)
    response = client.post(path, data={"csrf_token": csrf, "amount": amount})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "You can pay at most" in html or "not an amount" in html or "too large" in html
    assert state_counts(app) == (0, 0)


# --- security headers -----------------------------------------------------------------------------------


def test_every_response_has_the_hardening_headers(make_app: Any) -> None:
    app = make_app()
    client = app.test_client()
    for response in (
        client.get(page_path(app, "customer", "102")),
        client.get("/pay/c/not-a-link"),
        client.get("/brand.css"),
    ):
        assert response.headers["Permissions-Policy"].startswith("camera=()")
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # plain http: HSTS would be ignored


def test_hsts_when_the_public_url_is_https(make_app: Any) -> None:
    app = make_app(PAYMENT_LINK_BASE_URL="https://pay.example.com")
    client = app.test_client()
    for path in (page_path(app, "customer", "102"), "/pay/i/not-a-link"):
        assert client.get(path).headers["Strict-Transport-Security"] == "max-age=31536000"


# --- CSRF (Flask-WTF) -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "forged"], ids=["missing", "forged"])
def test_a_refused_form_is_the_apps_400_page_with_its_headers(make_app: Any, token: str | None) -> None:
    app = make_app()
    client = app.test_client()
    path = page_path(app, "customer", "102")
    open_form(client, path)
    response = client.post(path, data={"amount": "10.00"} | ({"csrf_token": token} if token else {}))
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert state_counts(app) == (0, 0)


def test_an_https_form_posted_without_a_referer_pays(make_app: Any) -> None:
    # Our pages send Referrer-Policy: no-referrer, so browsers post the form with no Referer; a Referer check
    # on https (Flask-WTF's default WTF_CSRF_SSL_STRICT) would refuse every real payment.
    app = make_app(PAYMENT_LINK_BASE_URL="https://pay.example.com")
    client = app.test_client()
    path = page_path(app, "customer", "102")
    page = client.get(path, base_url="https://pay.example.com")
    assert page.status_code == 200
    response = client.post(
        path, base_url="https://pay.example.com", headers={"Origin": "null"},
        data={"csrf_token": csrf_of(page.get_data(as_text=True)), "amount": "10.00"},
    )
    assert response.status_code == 303
    assert state_counts(app)[0] == 1


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("https://evil.example", 400),
        ("http://localhost.evil.example", 400),
        ("null", 303),
        ("http://localhost", 303),
    ],
    ids=["other-site", "lookalike", "hidden-origin", "same-origin"],
)
def test_a_form_posted_from_another_site_is_refused_even_with_a_valid_token(
    make_app: Any, origin: str, status: int
) -> None:
    app = make_app()  # PAYMENT_LINK_BASE_URL=http://localhost, as the test client's host
    client = app.test_client()
    path = page_path(app, "customer", "102")
    csrf = open_form(client, path)
    response = client.post(path, headers={"Origin": origin}, data={"csrf_token": csrf, "amount": "10.00"})
    assert response.status_code == status
    assert state_counts(app)[0] == (1 if status == 303 else 0)


def test_a_form_token_outlives_the_hour_within_the_browser_session(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As before Flask-WTF: a customer who leaves the page open over lunch can still pay (no 1-hour limit).
    app = make_app()
    client = app.test_client()
    path = page_path(app, "customer", "102")
    csrf = open_form(client, path)
    signed_at = itsdangerous.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.TimestampSigner, "get_timestamp", lambda self: signed_at(self) + 3 * 3600
    )
    assert client.post(path, data={"csrf_token": csrf, "amount": "10.00"}).status_code == 303


# --- rate limits ----------------------------------------------------------------------------------------


def test_the_429_says_when_to_retry(make_app: Any) -> None:
    app = make_app(RATE_LIMIT_PAY="2/minute")
    client = app.test_client()
    path = page_path(app, "customer", "102")
    csrf = open_form(client, path)
    codes = [client.post(path, data={"csrf_token": csrf, "amount": "0"}) for _ in range(3)]
    assert [response.status_code for response in codes] == [422, 422, 429]
    retry_after = int(codes[-1].headers["Retry-After"])
    assert 0 < retry_after <= 60
    assert "Too many attempts" in codes[-1].get_data(as_text=True)
    assert codes[-1].headers["Content-Security-Policy"]


def test_page_views_are_limited_per_link(make_app: Any) -> None:
    app = make_app(RATE_LIMIT_PAGE="3/minute")
    client = app.test_client()
    path = page_path(app, "customer", "102")
    assert [client.get(path).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(page_path(app, "customer", "103")).status_code == 200  # another link: its own count


def test_bad_links_are_limited_per_address_whatever_the_token(make_app: Any) -> None:
    app = make_app(RATE_LIMIT_BAD_LINK="4/minute")
    client = app.test_client()
    codes = [client.get(f"/pay/c/guess-{n}").status_code for n in range(2)]
    codes += [client.post(f"/pay/i/guess-{n}", data={"amount": "1"}).status_code for n in range(2, 4)]
    codes += [client.get("/pay/i/guess-4").status_code]
    assert codes == [404, 404, 400, 400, 429]  # a POST without the form's CSRF token is refused first
    # The address is now refused on real links too, until the window passes.
    assert client.get(page_path(app, "customer", "102")).status_code == 429


# --- logs -----------------------------------------------------------------------------------------------


def configure_faults(stripe_sandbox: RunningServer, **config: Any) -> None:
    requests.post(stripe_sandbox.url + "/_sandbox/config", json=config, timeout=30).raise_for_status()


def test_a_stripe_failure_behind_the_502_is_logged_once_with_status_code_and_request_id(
    make_app: Any, stripe_sandbox: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    app: Flask = make_app()
    client = app.test_client()
    path = page_path(app, "customer", "102")
    csrf = open_form(client, path)
    caplog.clear()
    # Stripe answers every API call 429 (rate_limit), which stripe-python does not retry.
    configure_faults(stripe_sandbox, fault_rate=1.0, fault_kinds=["429"])
    try:
        with caplog.at_level(logging.INFO):
            response = client.post(path, data={"csrf_token": csrf, "amount": "100.00"})
    finally:
        configure_faults(stripe_sandbox, fault_rate=0.0, fault_kinds=["500"])
    assert response.status_code == 502
    failures = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(failures) == 1
    line = failures[0].getMessage()
    assert "Stripe RateLimitError" in line and "status=429" in line and "code=rate_limit" in line
    assert "request_id=req_" in line
    everything = caplog.text
    assert token_for(app, "customer", "102") not in everything
    assert STRIPE_TEST_KEY not in everything and "whsec_" not in everything


def test_a_netsuite_failure_behind_the_503_is_logged_with_status_and_code(
    make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(NETSUITE_TOKEN_SECRET="not-the-sandbox-secret")  # the sandbox answers 401
    with caplog.at_level(logging.INFO):
        response = app.test_client().get(page_path(app, "customer", "102"))
    assert response.status_code == 503
    failures = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(failures) == 1
    assert "NetSuite NetSuiteAuthError" in failures[0] and "status=401" in failures[0]
    assert "not-the-sandbox-secret" not in caplog.text


def test_link_tokens_are_redacted_from_every_log_record(make_app: Any) -> None:
    app = make_app()
    token = token_for(app, "customer", "102")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("some.library")
    logger.addHandler(handler)
    try:
        logger.warning("GET /pay/c/%s HTTP/1.1", token)
        try:
            raise ValueError(f"bad link /pay/i/{token}/qr.svg")
        except ValueError:
            logger.exception("failed on %s", f"http://x/pay/c/{token}?currency=USD")
    finally:
        logger.removeHandler(handler)
    formatter = logging.Formatter()
    lines = [formatter.format(record) for record in records]
    assert len(lines) == 2
    assert all(token not in line for line in lines)
    assert "/pay/c/[redacted]" in lines[0] and "/pay/i/[redacted]/qr.svg" in lines[1]


def test_a_stripe_error_outside_the_payment_service_is_a_logged_502(
    make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app: Flask = make_app()

    @app.get("/pay/return/boom")
    def boom() -> str:
        raise stripe.InvalidRequestError(
            "No such checkout.session: 'cs_1'", "id", code="resource_missing", http_status=404
        )

    with caplog.at_level(logging.INFO):
        response = app.test_client().get("/pay/return/boom")
    assert response.status_code == 502 and "Payment service unavailable" in response.get_data(as_text=True)
    failures = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert failures == [
        "HTTP 502 page: Stripe InvalidRequestError: status=404 code=resource_missing request_id=None "
        "param=id message=\"No such checkout.session: 'cs_1'\""
    ]


def test_pages_keep_working_and_limited_when_the_rate_limit_storage_is_down(make_app: Any) -> None:
    # Nothing listens on port 9: every storage call fails.
    app = make_app(RATE_LIMIT_STORAGE_URI="redis://127.0.0.1:9/0", RATE_LIMIT_PAGE="2/minute")
    client = app.test_client()
    path = page_path(app, "customer", "102")
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 429]  # counted in memory meanwhile
