"""Fault injection and latency on the Stripe sandbox's /v1: 500s, 429s and dropped connections.

The faults are configured with POST /_sandbox/config {latency_ms, fault_rate, fault_kinds, fault_seed}; the
control routes themselves are never faulted, so a test can always turn the faults off again.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
import requests
import stripe
from stripe._http_client import HTTPClient

from tests.servers import RunningServer, run_sandbox

START = 1767225600  # 2026-01-01T00:00:00Z
API_KEY = "sk_test_sandbox_faults"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
T = TypeVar("T")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("stripe-sandbox-faults")
    extra = ("--clock", "frozen", "--start", str(START), "--api-key", API_KEY)
    with run_sandbox("stripe_sandbox", data_dir, extra_args=extra) as server:
        yield server


def configure(server: RunningServer, **settings: Any) -> dict[str, Any]:
    response = requests.post(server.url + "/_sandbox/config", json=settings, timeout=30)
    assert response.status_code == 200, response.text
    config: dict[str, Any] = response.json()
    return config


@pytest.fixture(autouse=True)
def no_faults_afterwards(sandbox: RunningServer) -> Iterator[None]:
    yield
    configure(sandbox, fault_rate=0.0, fault_kinds=["500"], latency_ms=0, fault_seed=None)


def request_log(server: RunningServer, since: int = 0) -> list[dict[str, Any]]:
    response = requests.get(server.url + "/_sandbox/requests", params={"since": since}, timeout=30)
    assert response.status_code == 200
    entries: list[dict[str, Any]] = response.json()["requests"]
    return entries


def last_seq(server: RunningServer) -> int:
    log = request_log(server)
    return int(log[-1]["seq"]) if log else 0


def customers_with_email(server: RunningServer, email: str) -> list[dict[str, Any]]:
    response = requests.get(server.url + "/v1/customers", params={"email": email}, headers=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


def raw_post(url: str, path: str, form: bytes, headers: dict[str, str]) -> bytes:
    """Send one HTTP/1.1 request on a fresh socket and read until the server closes it."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(form)}"]
    received = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + form)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass  # a reset is as much "no answer" as an orderly close
    return received


# ---- (a) each kind of fault really happens --------------------------------------------------------------


def test_500_fault_answers_stripes_error_shape_and_changes_nothing(sandbox: RunningServer) -> None:
    configure(sandbox, fault_rate=1.0, fault_kinds=["500"])
    email = f"f500-{uuid.uuid4().hex[:8]}@example.com"
    key = f"key-{uuid.uuid4()}"
    response = requests.post(
        sandbox.url + "/v1/customers",
        data={"email": email},
        headers={**AUTH, "Idempotency-Key": key},
        timeout=30,
    )
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Request-Id"].startswith("req_")
    assert response.headers["Idempotency-Key"] == key
    assert "Idempotent-Replayed" not in response.headers
    error = response.json()["error"]
    assert error["type"] == "api_error"
    assert error["message"]
    assert error["request_log_url"].endswith(f"{response.headers['Request-Id']}?t={START}")
    # The control routes are never faulted, whatever the rate.
    assert requests.get(sandbox.url + "/_sandbox/config", timeout=30).status_code == 200

    configure(sandbox, fault_rate=0.0)
    assert customers_with_email(sandbox, email) == []
    # Nothing was stored under the key either: the same request now runs for real.
    retried = requests.post(
        sandbox.url + "/v1/customers",
        data={"email": email},
        headers={**AUTH, "Idempotency-Key": key},
        timeout=30,
    )
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers
    assert [c["id"] for c in customers_with_email(sandbox, email)] == [retried.json()["id"]]


def test_429_fault_is_stripes_rate_limit_error_which_the_sdk_does_not_retry(sandbox: RunningServer) -> None:
    configure(sandbox, fault_rate=1.0, fault_kinds=["429"])
    response = requests.get(sandbox.url + "/v1/customers", headers=AUTH, timeout=30)
    assert response.status_code == 429
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Request-Id"].startswith("req_")
    # Stripe does not ask SDKs to retry a rate limit (no Stripe-Should-Retry: true): the caller backs off.
    assert response.headers.get("Stripe-Should-Retry") != "true"
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "rate_limit")
    assert "rate limit" in error["message"]

    since = last_seq(sandbox)
    client = stripe.StripeClient(API_KEY, base_addresses={"api": sandbox.url}, max_network_retries=3)
    with pytest.raises(stripe.RateLimitError) as raised:
        client.v1.customers.list()
    assert raised.value.http_status == 429
    assert raised.value.json_body is not None and raised.value.json_body["error"]["code"] == "rate_limit"
    assert [r["status"] for r in request_log(sandbox, since)] == [429]


def test_drop_fault_closes_the_socket_without_an_answer_after_the_write(sandbox: RunningServer) -> None:
    configure(sandbox, fault_rate=1.0, fault_kinds=["drop"])
    email = f"drop-{uuid.uuid4().hex[:8]}@example.com"
    key = f"key-{uuid.uuid4()}"
    form = f"email={email.replace('@', '%40')}".encode()
    answer = raw_post(sandbox.url, "/v1/customers", form, {**AUTH, "Idempotency-Key": key})
    assert answer == b""  # not a status line, not a byte: the connection just ends

    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.url + "/v1/customers", headers=AUTH, timeout=30)

    configure(sandbox, fault_rate=0.0)
    created = customers_with_email(sandbox, email)
    assert len(created) == 1  # the request took effect before its answer was lost
    retried = requests.post(
        sandbox.url + "/v1/customers",
        data={"email": email},
        headers={**AUTH, "Idempotency-Key": key},
        timeout=30,
    )
    assert retried.status_code == 200
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["id"] == created[0]["id"]
    assert len(customers_with_email(sandbox, email)) == 1


def test_fault_settings_are_checked(sandbox: RunningServer) -> None:
    for bad in (
        {"fault_kinds": ["503"]},
        {"fault_kinds": "500"},
        {"fault_rate": 1.5},
        {"fault_rate": "x"},
        {"fault_seed": "seven"},
        {"latency_ms": -1},
    ):
        response = requests.post(sandbox.url + "/_sandbox/config", json=bad, timeout=30)
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"]["param"] == next(iter(bad))
    config = configure(sandbox, fault_rate=0.25, fault_kinds=["500", "429", "drop"], fault_seed=3)
    assert (config["fault_rate"], config["fault_kinds"], config["fault_seed"]) == (
        0.25,
        ["500", "429", "drop"],
        3,
    )


def test_fault_seed_makes_the_sequence_of_faults_repeatable(sandbox: RunningServer) -> None:
    def statuses() -> list[int]:
        configure(sandbox, fault_rate=0.5, fault_kinds=["500", "429"], fault_seed=11)
        seen = [
            requests.get(sandbox.url + "/v1/balance", headers=AUTH, timeout=30).status_code for _ in range(12)
        ]
        configure(sandbox, fault_rate=0.0)
        return seen

    first = statuses()
    assert first == statuses()
    assert {500, 429, 200} <= set(first)


# ---- (b) a retrying client under faults: every payment exactly once ---------------------------------------


def with_backoff(call: Callable[[], T], attempts: int = 10) -> T:
    """The caller's own retry of a rate limit (the SDK leaves 429s to it), with the same idempotency key."""
    for attempt in range(attempts):
        try:
            return call()
        except stripe.RateLimitError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


def test_retrying_client_creates_and_confirms_each_payment_exactly_once(
    sandbox: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # stripe-python's own backoff (0.5 s and up) only slows the test down; the retry logic stays its own.
    monkeypatch.setattr(HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(HTTPClient, "MAX_DELAY", 0.05)
    client = stripe.StripeClient(API_KEY, base_addresses={"api": sandbox.url}, max_network_retries=8)
    batch = uuid.uuid4().hex[:10]
    since = last_seq(sandbox)
    configure(sandbox, fault_rate=0.2, fault_kinds=["500", "429", "drop"], fault_seed=20260101)

    confirmed: dict[int, str] = {}
    for n in range(30):
        created = with_backoff(
            lambda n=n: client.v1.payment_intents.create(
                {
                    "amount": 1000 + n,
                    "currency": "usd",
                    "payment_method": "pm_card_visa",
                    "metadata": {"batch": batch, "n": str(n)},
                },
                {"idempotency_key": f"{batch}-{n}-create"},
            )
        )
        assert created.status == "requires_confirmation"
        intent = with_backoff(
            lambda intent_id=created.id, n=n: client.v1.payment_intents.confirm(
                intent_id, {}, {"idempotency_key": f"{batch}-{n}-confirm"}
            )
        )
        assert (intent.id, intent.status) == (created.id, "succeeded")
        confirmed[n] = intent.id

    configure(sandbox, fault_rate=0.0)
    intents = [
        pi
        for pi in client.v1.payment_intents.list({"limit": 100}).data
        if pi.metadata.to_dict().get("batch") == batch
    ]
    assert sorted(int(pi.metadata["n"]) for pi in intents) == list(range(30))
    assert {int(pi.metadata["n"]): pi.id for pi in intents} == confirmed
    assert all(pi.status == "succeeded" for pi in intents)
    charges = [
        charge
        for charge in client.v1.charges.list({"limit": 100}).data
        if charge.metadata.to_dict().get("batch") == batch
    ]
    assert sorted(charge.payment_intent for charge in charges) == sorted(confirmed.values())

    # The faults really happened, including drops after a committed write that a retry replayed.
    by_key: dict[str, list[int]] = defaultdict(list)
    for entry in request_log(sandbox, since):
        if entry["idempotency_key"] and entry["idempotency_key"].startswith(batch):
            by_key[entry["idempotency_key"]].append(entry["status"])
    statuses = [status for seen in by_key.values() for status in seen]
    assert 500 in statuses and 429 in statuses
    dropped = [key for key, seen in by_key.items() if seen[0] == 200 and len(seen) > 1]
    assert any(key.endswith("-create") for key in dropped), by_key
    assert any(key.endswith("-confirm") for key in dropped), by_key


# ---- (c) latency ------------------------------------------------------------------------------------------


def test_latency_delays_each_api_request_by_at_least_the_setting(sandbox: RunningServer) -> None:
    configure(sandbox, latency_ms=300)
    for _ in range(2):
        started = time.monotonic()
        response = requests.get(sandbox.url + "/v1/balance", headers=AUTH, timeout=30)
        assert response.status_code == 200
        assert time.monotonic() - started >= 0.3
