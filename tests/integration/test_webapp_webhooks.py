"""Stripe webhooks: signatures on the raw body, idempotency by event id, attempts and consents, Airflow."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.e2e import webapp_support
from tests.e2e.webapp_support import (
    WEBHOOK_SECRET,
    attempts,
    consents,
    csrf_of,
    event_body,
    events_recorded,
    page_path,
    sign,
)

make_app = webapp_support.make_app  # the shared fixture, registered in this module


class FakeAirflow:
    """Airflow 3's token and dagRuns endpoints, recording what was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], str | None]] = []
        self.server = make_server("127.0.0.1", 0, self.app)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_json(silent=True) or {}
        self.calls.append((request.path, body, request.headers.get("Authorization")))
        if request.path == "/auth/token":
            ok = body == {"username": "admin", "password": "airflow-pass"}
            response = Response(
                json.dumps({"access_token": "jwt-123"} if ok else {"detail": "no"}),
                status=201 if ok else 401,
                mimetype="application/json",
            )
        else:
            response = Response(
                json.dumps({"dag_run_id": "manual__1", "state": "queued"}),
                status=200,
                mimetype="application/json",
            )
        return response(environ, start_response)


@pytest.fixture
def airflow() -> Iterator[FakeAirflow]:
    fake = FakeAirflow()
    fake.thread.start()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()  # type: ignore[no-any-return]


def post_event(app: Flask, body: bytes, signature: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return app.test_client().post("/webhooks/stripe", data=body, headers=headers)


def start_payment(app: Flask, customer: str = "102", amount: str = "100.00", save: bool = False) -> Any:
    client = app.test_client()
    path = page_path(app, "customer", customer)
    data = {"csrf_token": csrf_of(client.get(path).get_data(as_text=True)), "amount": amount}
    if save:
        data["save_payment_method"] = "yes"
    assert client.post(path, data=data).status_code == 303
    return attempts(app)[-1]


def session_object(attempt: Any, **fields: Any) -> dict[str, Any]:
    return {
        "id": attempt.checkout_session_id,
        "object": "checkout.session",
        "client_reference_id": attempt.id,
        "metadata": {"payment_attempt_id": attempt.id},
        "payment_intent": "pi_test_1",
        **fields,
    }


def intent_object(attempt: Any, **fields: Any) -> dict[str, Any]:
    return {
        "id": "pi_test_1",
        "object": "payment_intent",
        "metadata": {"payment_attempt_id": attempt.id},
        "latest_charge": "ch_test_1",
        **fields,
    }


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "t=123,v1=deadbeef",
        "garbage",
        "wrong-secret",
        "too-old",
        "other-body",
    ],
    ids=["missing", "empty", "bad-hmac", "garbage", "wrong-secret", "too-old", "signed-other-body"],
)
def test_unverified_webhooks_are_refused_with_400(app: Flask, signature: str | None) -> None:
    body = event_body("payment_intent.succeeded", {"id": "pi_x", "object": "payment_intent"})
    header = {
        "wrong-secret": sign(body, secret="whsec_not_ours_0000000000"),
        "too-old": sign(body, timestamp=int(time.time()) - 301),
        "other-body": sign(body + b" "),
    }.get(signature or "", signature)
    response = post_event(app, body, header)
    assert response.status_code == 400
    assert events_recorded(app) == []


def test_signature_is_checked_on_the_raw_body(app: Flask) -> None:
    body = event_body("payout.paid", {"id": "po_1", "object": "payout"})
    # Same JSON, different bytes: a handler that re-serialised the body would wrongly accept or refuse.
    reformatted = json.dumps(json.loads(body), indent=2).encode()
    assert post_event(app, reformatted, sign(body)).status_code == 400
    assert post_event(app, body, sign(body)).status_code == 200


def test_completed_session_marks_the_attempt_paid_once(app: Flask) -> None:
    attempt = start_payment(app)
    body = event_body("checkout.session.completed", session_object(attempt, payment_status="paid"), "evt_1")
    first = post_event(app, body, sign(body))
    again = post_event(app, body, sign(body))
    assert first.status_code == 200 and first.get_json() == {"received": True}
    assert again.status_code == 200 and again.get_json() == {"received": True, "duplicate": True}
    [stored] = attempts(app)
    assert stored.status == "paid" and stored.payment_intent_id == "pi_test_1"
    assert [e.event_id for e in events_recorded(app)] == ["evt_1"]
    status = app.test_client().get(f"/pay/return/{attempt.id}/status").get_json()
    assert status["status"] == "paid" and status["final"] is True


def test_async_payment_goes_processing_then_failed(app: Flask) -> None:
    attempt = start_payment(app)
    completed = event_body(
        "checkout.session.completed", session_object(attempt, payment_status="unpaid"), "evt_a"
    )
    post_event(app, completed, sign(completed))
    assert attempts(app)[0].status == "processing"
    failed = event_body("checkout.session.async_payment_failed", session_object(attempt), "evt_b")
    post_event(app, failed, sign(failed))
    assert attempts(app)[0].status == "failed"
    html = app.test_client().get(f"/pay/return/{attempt.id}").get_data(as_text=True)
    assert 'data-status="failed"' in html


def test_late_expired_event_does_not_undo_paid(app: Flask) -> None:
    attempt = start_payment(app)
    paid = event_body("payment_intent.succeeded", intent_object(attempt, payment_method="pm_1"), "evt_p")
    expired = event_body("checkout.session.expired", session_object(attempt), "evt_e")
    post_event(app, paid, sign(paid))
    post_event(app, expired, sign(expired))
    assert attempts(app)[0].status == "paid"


def test_declined_card_keeps_the_session_open_and_records_why(app: Flask) -> None:
    attempt = start_payment(app)
    body = event_body(
        "payment_intent.payment_failed",
        intent_object(attempt, last_payment_error={"message": "Your card was declined."}),
        "evt_d",
    )
    post_event(app, body, sign(body))
    [stored] = attempts(app)
    assert stored.status == "open" and stored.failure_message == "Your card was declined."


def test_successful_payment_fills_in_the_consent_payment_method(app: Flask) -> None:
    attempt = start_payment(app, save=True)
    body = event_body(
        "payment_intent.succeeded", intent_object(attempt, payment_method="pm_saved_1"), "evt_s"
    )
    post_event(app, body, sign(body))
    [consent] = consents(app)
    assert consent.payment_method_id == "pm_saved_1"


def test_paid_attempt_counts_until_netsuite_shows_the_payment(app: Flask) -> None:
    attempt = start_payment(app, amount="2000.00")
    body = event_body("payment_intent.succeeded", intent_object(attempt), "evt_paid")
    post_event(app, body, sign(body))
    html = app.test_client().get(page_path(app, "customer", "102")).get_data(as_text=True)
    assert 'value="900.00"' in html  # 2,900.00 balance minus the paid-but-not-yet-loaded 2,000.00


def wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("event_type", "obj", "dag", "stripe_id"),
    [
        (
            "checkout.session.completed",
            {"id": "cs_1", "object": "checkout.session", "payment_intent": "pi_1"},
            "netsuite_payments",
            "pi_1",
        ),
        ("payment_intent.succeeded", {"id": "pi_2", "object": "payment_intent"}, "netsuite_payments", "pi_2"),
        ("charge.refunded", {"id": "ch_3", "object": "charge"}, "netsuite_payments", "ch_3"),
        ("charge.dispute.created", {"id": "dp_4", "object": "dispute"}, "netsuite_payments", "dp_4"),
        ("payout.paid", {"id": "po_5", "object": "payout"}, "netsuite_deposits", "po_5"),
        ("payout.failed", {"id": "po_6", "object": "payout"}, "netsuite_deposits", "po_6"),
    ],
    ids=["session-completed", "intent-succeeded", "refund", "dispute", "payout-paid", "payout-failed"],
)
def test_events_ask_airflow_to_run_now(
    make_app: Any, airflow: FakeAirflow, event_type: str, obj: dict[str, Any], dag: str, stripe_id: str
) -> None:
    app = make_app(AIRFLOW_API_URL=airflow.url, AIRFLOW_API_USER="admin", AIRFLOW_API_PASSWORD="airflow-pass")
    body = event_body(event_type, obj, "evt_af")
    assert post_event(app, body, sign(body)).status_code == 200
    # Asked from the dispatcher's thread, not from the request: the object's id in the DAG's conf.
    wait_for(lambda: any(call[0] == f"/api/v2/dags/{dag}/dagRuns" and call[1] for call in airflow.calls))
    token_call, runs_call, run_call = airflow.calls
    assert token_call[0] == "/auth/token"
    assert runs_call[0] == run_call[0] == f"/api/v2/dags/{dag}/dagRuns"
    assert run_call[2] == "Bearer jwt-123"
    assert run_call[1]["conf"] == {"payout_ids" if dag == "netsuite_deposits" else "stripe_ids": [stripe_id]}
    # A repeated delivery does not trigger again.
    post_event(app, body, sign(body))
    time.sleep(0.3)
    assert len(airflow.calls) == 3


def test_airflow_down_does_not_fail_the_webhook(make_app: Any) -> None:
    app = make_app(AIRFLOW_API_URL="http://127.0.0.1:9", AIRFLOW_API_USER="admin", AIRFLOW_API_PASSWORD="x")
    attempt = start_payment(app)
    body = event_body(
        "checkout.session.completed", session_object(attempt, payment_status="paid"), "evt_down"
    )
    started = time.monotonic()
    response = post_event(app, body, sign(body))
    assert response.status_code == 200
    assert time.monotonic() - started < 10
    assert attempts(app)[0].status == "paid"


def test_airflow_refusing_credentials_does_not_fail_the_webhook(make_app: Any, airflow: FakeAirflow) -> None:
    app = make_app(AIRFLOW_API_URL=airflow.url, AIRFLOW_API_USER="admin", AIRFLOW_API_PASSWORD="wrong")
    body = event_body("payout.paid", {"id": "po_1", "object": "payout"}, "evt_401")
    assert post_event(app, body, sign(body)).status_code == 200
    wait_for(lambda: airflow.calls)
    time.sleep(0.3)
    assert {call[0] for call in airflow.calls} == {"/auth/token"}  # retried later, never a run


def test_webhooks_need_no_csrf_token_but_pages_do(app: Flask) -> None:
    body = event_body("payout.paid", {"id": "po_2", "object": "payout"}, "evt_csrf")
    assert post_event(app, body, sign(body, secret=WEBHOOK_SECRET)).status_code == 200


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[]", "not an object"),
        (b'[{"id": "evt_1"}]', "not an object"),
        (b'"evt_1"', "not an object"),
        (b'{"type": "payment_intent.succeeded", "data": {"object": {}}}', "'id'"),
        (b'{"id": "evt_1", "data": {"object": {}}}', "'type'"),
        (b'{"id": "evt_1", "type": "payment_intent.succeeded"}', "'data.object'"),
        (b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {}}', "'data.object'"),
        (b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": []}}', "'data.object'"),
        (b'{"id": 7, "type": "payment_intent.succeeded", "data": {"object": {}}}', "'id'"),
        (b'{"id": "evt_1", "type": "x", "created": "soon", "data": {"object": {}}}', "'created'"),
        (b"\xff\xfe not json", "not JSON"),
    ],
    ids=[
        "array",
        "array-of-events",
        "string",
        "no-id",
        "no-type",
        "no-data",
        "no-object",
        "object-array",
        "id-number",
        "created-text",
        "not-utf8",
    ],
)
def test_signed_payloads_that_are_not_events_get_a_400_json_error_and_a_log_line(
    app: Flask, caplog: pytest.LogCaptureFixture, body: bytes, problem: str
) -> None:
    with caplog.at_level("WARNING", logger="webapp.webhooks"):
        response = post_event(app, body, sign(body))
    assert response.status_code == 400
    assert response.is_json and "not a Stripe event" in response.get_json()["error"]
    assert any(problem in record.getMessage() for record in caplog.records), caplog.text
    assert events_recorded(app) == []
