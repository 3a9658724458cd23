"""Stripe sandbox webhooks: out of order on request, at least once, retried on the sandbox clock.

A tiny receiver on port 0 in this process plays the merchant's endpoint; the sandbox runs as a server with a
frozen clock, so every retry happens when the test advances the clock to it.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import stripe

from tests.servers import RunningServer, run_sandbox

START = 1767225600  # 2026-01-01T00:00:00Z
API_KEY = "sk_test_sandbox_webhooks"
# The documented schedule: first attempt at once, retries 5 min later and doubling (capped at a day), given up
# after three days. Seconds after the event:
ATTEMPTS_AT = [0, 300, 900, 2100, 4500, 9300, 18900, 38100, 76500, 153300, 239700]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("stripe-sandbox-webhooks")
    extra = ("--clock", "frozen", "--start", str(START), "--api-key", API_KEY)
    with run_sandbox("stripe_sandbox", data_dir, extra_args=extra) as server:
        yield server


@pytest.fixture(scope="module")
def client(sandbox: RunningServer) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)


@dataclass
class Receiver:
    """The merchant's endpoint: answers `fail_first` 500s (all of them when negative), then 200."""

    url: str = ""
    fail_first: int = 0
    received: list[tuple[bytes, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, body: bytes, signature: str) -> int:
        with self.lock:
            self.received.append((body, signature))
            failing = self.fail_first < 0 or len(self.received) <= self.fail_first
        return 500 if failing else 200

    def count(self) -> int:
        with self.lock:
            return len(self.received)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.answer(body, self.headers.get("Stripe-Signature", ""))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/stripe/webhooks"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(client: stripe.StripeClient, receiver: Receiver) -> Iterator[stripe.WebhookEndpoint]:
    created = client.v1.webhook_endpoints.create(
        {"url": receiver.url, "enabled_events": ["customer.created"]}
    )
    yield created
    client.v1.webhook_endpoints.delete(created.id)


def control(server: RunningServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(server.url + "/_sandbox" + path, json=body, timeout=120)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def deliveries(server: RunningServer, endpoint_id: str) -> list[dict[str, Any]]:
    response = requests.get(server.url + "/_sandbox/deliveries", timeout=30)
    assert response.status_code == 200
    return [d for d in response.json()["deliveries"] if d["endpoint"] == endpoint_id]


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def now(server: RunningServer) -> int:
    return int(requests.get(server.url + "/_sandbox/clock", timeout=30).json()["now"])


def test_shuffled_deliveries_all_arrive_signed_but_out_of_creation_order(
    sandbox: RunningServer, client: stripe.StripeClient, receiver: Receiver, endpoint: stripe.WebhookEndpoint
) -> None:
    control(sandbox, "/config", {"shuffle_deliveries": True})
    try:
        customers = [client.v1.customers.create({"email": f"order{n}@example.com"}).id for n in range(8)]
        held = deliveries(sandbox, endpoint.id)
        assert len(held) == 8
        # Each first attempt is held 1..10 s of sandbox time, so nothing has gone out on the frozen clock yet.
        assert all(now(sandbox) < d["next_attempt_at"] <= now(sandbox) + 10 for d in held)
        assert receiver.count() == 0

        answer = control(sandbox, "/clock/advance", {"seconds": 10})
        assert answer["delivery_attempts"] == 8
        wait_for(lambda: receiver.count() == 8)
    finally:
        control(sandbox, "/config", {"shuffle_deliveries": False})

    assert endpoint.secret is not None
    events = [
        stripe.Webhook.construct_event(body, header, endpoint.secret) for body, header in receiver.received
    ]
    arrived = [event.data.object.id for event in events]
    assert sorted(arrived) == sorted(customers) and len(set(arrived)) == 8
    assert arrived != customers  # the order differs from the order the events were created in
    assert {event.type for event in events} == {"customer.created"}
    assert all(d["status"] == "succeeded" and d["attempts"] == 1 for d in deliveries(sandbox, endpoint.id))


def test_endpoint_failing_at_first_gets_the_event_on_the_backoff_schedule(
    sandbox: RunningServer, client: stripe.StripeClient, receiver: Receiver, endpoint: stripe.WebhookEndpoint
) -> None:
    receiver.fail_first = 3
    customer = client.v1.customers.create({"email": "late@example.com"})
    wait_for(lambda: receiver.count() == 1)
    wait_for(lambda: [d["attempts"] for d in deliveries(sandbox, endpoint.id)] == [1])
    [delivery] = deliveries(sandbox, endpoint.id)
    assert (delivery["status"], delivery["last_status"]) == ("pending", 500)
    assert delivery["next_attempt_at"] == delivery["created"] + 300

    # One jump of an hour makes every attempt that falls due within it, each at its own instant.
    answer = control(sandbox, "/clock/advance", {"hours": 1})
    assert answer["delivery_attempts"] == 3
    [delivery] = deliveries(sandbox, endpoint.id)
    assert (delivery["status"], delivery["attempts"], delivery["last_status"]) == ("succeeded", 4, 200)
    offsets = [attempt["sandbox_time"] - delivery["created"] for attempt in delivery["history"]]
    assert offsets == ATTEMPTS_AT[:4]
    assert [attempt["status"] for attempt in delivery["history"]] == [500, 500, 500, 200]
    assert delivery["delivered_at"] == delivery["created"] + ATTEMPTS_AT[3]

    assert endpoint.secret is not None
    bodies = {body for body, _ in receiver.received}
    assert len(bodies) == 1  # the same event each time, each attempt freshly signed
    for body, header in receiver.received:
        event = stripe.Webhook.construct_event(body, header, endpoint.secret)
        assert event.id == delivery["event"] and event.data.object.id == customer.id
    assert client.v1.events.retrieve(delivery["event"]).pending_webhooks == 0


def test_receiver_failing_forever_is_given_up_after_three_days(
    sandbox: RunningServer, client: stripe.StripeClient, receiver: Receiver, endpoint: stripe.WebhookEndpoint
) -> None:
    receiver.fail_first = -1
    client.v1.customers.create({"email": "never@example.com"})
    wait_for(lambda: [d["attempts"] for d in deliveries(sandbox, endpoint.id)] == [1])

    answer = control(sandbox, "/clock/advance", {"days": 4})
    assert answer["delivery_attempts"] == len(ATTEMPTS_AT) - 1
    [delivery] = deliveries(sandbox, endpoint.id)
    assert (delivery["status"], delivery["attempts"]) == ("failed", len(ATTEMPTS_AT))
    offsets = [attempt["sandbox_time"] - delivery["created"] for attempt in delivery["history"]]
    assert offsets == ATTEMPTS_AT
    assert receiver.count() == len(ATTEMPTS_AT)
    assert client.v1.events.retrieve(delivery["event"]).pending_webhooks == 1

    # Given up means given up: a week later nothing more has been sent.
    control(sandbox, "/clock/advance", {"days": 7})
    assert deliveries(sandbox, endpoint.id)[0]["attempts"] == len(ATTEMPTS_AT)
    assert receiver.count() == len(ATTEMPTS_AT)
