"""Delayed bank debits in the Stripe sandbox, driven with stripe-python: ACH (`us_bank_account`) and SEPA
debits are `processing` when confirmed and succeed or fail when the test clock reaches their settlement,
with the events, balance transactions and Checkout async events Stripe documents.

Stripe's test accounts (docs, "Test your integration"): routing 110000000 with 000123456789 succeeds,
000222222227 fails (insufficient funds), 000111111113 (account closed); IBAN DE89370400440532013000 succeeds,
DE62370400440532013001 fails. ACH "can take up to 4 business days"; SEPA "typically takes 5 business days".
"""

from __future__ import annotations

import datetime
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.integration.test_stripe_sandbox_api import START, new_client
from tests.servers import RunningServer, run_sandbox

ACH_OK = {
    "routing_number": "110000000",
    "account_number": "000123456789",
    "account_holder_type": "individual",
}
ONLINE_MANDATE = {
    "customer_acceptance": {"type": "online", "online": {"ip_address": "203.0.113.7", "user_agent": "pytest"}}
}
DAY = 86_400


@pytest.fixture(scope="module")
def stripe_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("stripe-sandbox-debits")
    extra = ("--clock", "frozen", "--start", str(START), "--api-key", "sk_test_sandbox_integration")
    with run_sandbox("stripe_sandbox", data_dir, extra_args=extra) as server:
        yield server


@pytest.fixture(scope="module")
def client(stripe_sandbox: RunningServer) -> stripe.StripeClient:
    return new_client(stripe_sandbox.url)


def control(server: RunningServer, path: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.post(server.url + "/_sandbox" + path, json=body or {}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def now(server: RunningServer) -> int:
    return int(requests.get(server.url + "/_sandbox/clock", timeout=30).json()["now"])


def business_days_later(start: int, days: int) -> int:
    """The instant `days` Monday-to-Friday days after `start` (the test's own count, not the sandbox's)."""
    moment = datetime.datetime.fromtimestamp(start, datetime.UTC)
    while days:
        moment += datetime.timedelta(days=1)
        days -= moment.weekday() < 5
    return int(moment.timestamp())


def events_of(client: stripe.StripeClient, object_id: str, since: int) -> list[str]:
    found = client.v1.events.list(params={"created": {"gte": since}, "limit": 100})
    return [e.type for e in reversed(found.data) if e.data.object.to_dict().get("id") == object_id]


def ach_debit(client: stripe.StripeClient, account_number: str, **params: Any) -> stripe.PaymentIntent:
    pm = client.v1.payment_methods.create(
        params={
            "type": "us_bank_account",
            "us_bank_account": {**ACH_OK, "account_number": account_number},
            "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"},
        }
    )
    return client.v1.payment_intents.create(
        params={
            "amount": 12_345,
            "currency": "usd",
            "payment_method_types": ["us_bank_account"],
            "payment_method": pm.id,
            "confirm": True,
            "mandate_data": ONLINE_MANDATE,
            **params,
        }
    )


def test_ach_debit_processes_then_succeeds_after_four_business_days(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    confirmed_at = now(stripe_sandbox)
    intent = ach_debit(client, "000123456789", description="Invoice INV-7")
    assert intent.status == "processing"
    charge = client.v1.charges.retrieve(intent.latest_charge, params={"expand": ["balance_transaction"]})
    assert charge.id.startswith("py_") and charge.status == "pending" and charge.paid is False
    details = charge.payment_method_details
    assert details.type == "us_bank_account"
    assert (details.us_bank_account.last4, details.us_bank_account.routing_number) == ("6789", "110000000")
    mandate = client.v1.mandates.retrieve(details.us_bank_account.mandate)
    assert mandate.status == "active" and mandate.customer_acceptance.type == "online"
    txn = charge.balance_transaction
    # Since Stripe's 2024 change for debit methods the transaction exists at once, pending.
    assert (txn.type, txn.reporting_category, txn.status) == ("payment", "charge", "pending")
    assert (
        txn.amount == 12_345
        and txn.fee == min(round(12_345 * 0.008), 500)
        and txn.net == txn.amount - txn.fee
    )

    settles = business_days_later(confirmed_at, 4)
    control(stripe_sandbox, "/clock/advance", {"to": settles - 1})
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"
    control(stripe_sandbox, "/clock/advance", {"to": settles})
    done = client.v1.payment_intents.retrieve(intent.id)
    assert (done.status, done.amount_received) == ("succeeded", 12_345)
    charge = client.v1.charges.retrieve(charge.id)
    assert (charge.status, charge.paid, charge.failure_balance_transaction) == ("succeeded", True, None)
    assert events_of(client, intent.id, confirmed_at) == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.succeeded",
    ]
    assert events_of(client, charge.id, confirmed_at) == ["charge.pending", "charge.succeeded"]
    # The funds follow the usual availability after settlement.
    txn = client.v1.balance_transactions.retrieve(charge.balance_transaction)
    assert txn.available_on >= settles
    control(stripe_sandbox, "/clock/advance", {"to": txn.available_on})
    assert client.v1.balance_transactions.retrieve(txn.id).status == "available"


@pytest.mark.parametrize(
    ("account_number", "failure_code"),
    [
        ("000222222227", "insufficient_funds"),
        ("000111111113", "account_closed"),
        ("000111111116", "no_account"),
    ],
    ids=["insufficient-funds", "account-closed", "no-account"],
)
def test_failing_ach_debit_fails_and_reverses_its_balance_transaction(
    client: stripe.StripeClient, stripe_sandbox: RunningServer, account_number: str, failure_code: str
) -> None:
    confirmed_at = now(stripe_sandbox)
    intent = ach_debit(client, account_number)
    assert intent.status == "processing"
    control(stripe_sandbox, "/clock/advance", {"to": business_days_later(confirmed_at, 4)})
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method" and failed.payment_method is None
    assert failed.last_payment_error.code == failure_code
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.status, charge.paid, charge.failure_code) == ("failed", False, failure_code)
    assert charge.failure_message
    original = client.v1.balance_transactions.retrieve(charge.balance_transaction)
    reversal = client.v1.balance_transactions.retrieve(charge.failure_balance_transaction)
    assert (reversal.type, reversal.reporting_category) == ("payment_failure_refund", "charge_failure")
    assert reversal.source == charge.id
    assert (reversal.amount, reversal.fee, reversal.net) == (-original.amount, -original.fee, -original.net)
    # Both become available together, so the failed debit never reaches a payout.
    assert reversal.available_on == original.available_on
    assert events_of(client, intent.id, confirmed_at)[-2:] == [
        "payment_intent.processing",
        "payment_intent.payment_failed",
    ]
    assert events_of(client, charge.id, confirmed_at) == ["charge.pending", "charge.failed"]
    failed_event = client.v1.events.list(params={"type": "payment_intent.payment_failed", "limit": 1}).data[0]
    assert failed_event.data.object["last_payment_error"]["code"] == failure_code


def test_failed_debit_nets_to_zero_in_the_balance(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    confirmed_at = now(stripe_sandbox)
    intent = ach_debit(client, "000222222227", amount=50_000)
    control(stripe_sandbox, "/clock/advance", {"to": business_days_later(confirmed_at, 4)})
    txns = client.v1.balance_transactions.list(params={"source": intent.latest_charge}).data
    assert sorted(t.type for t in txns) == ["payment", "payment_failure_refund"]
    assert (
        sum(t.amount for t in txns) == 0 and sum(t.fee for t in txns) == 0 and sum(t.net for t in txns) == 0
    )
    assert {t.status for t in txns} == {"pending"}
    # Released together: an automatic payout after that day carries both or neither.
    control(stripe_sandbox, "/clock/advance", {"to": txns[0].available_on + 2 * DAY})
    after = [client.v1.balance_transactions.retrieve(t.id) for t in txns]
    assert {t.status for t in after} == {"available"}
    swept = set()
    for payout in client.v1.payouts.list(params={"limit": 100}).data:
        items = client.v1.balance_transactions.list(params={"payout": payout.id, "limit": 100}).data
        swept |= {t.id for t in items} & {t.id for t in txns}
    assert swept in (set(), {t.id for t in txns})


def test_sepa_debit_with_test_ibans(client: stripe.StripeClient, stripe_sandbox: RunningServer) -> None:
    confirmed_at = now(stripe_sandbox)
    intents = {}
    for iban in ("DE89370400440532013000", "DE62370400440532013001"):
        pm = client.v1.payment_methods.create(
            params={
                "type": "sepa_debit",
                "sepa_debit": {"iban": iban},
                "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"},
            }
        )
        assert (pm.sepa_debit.country, pm.sepa_debit.last4) == ("DE", iban[-4:])
        intents[iban] = client.v1.payment_intents.create(
            params={
                "amount": 2_000,
                "currency": "eur",
                "payment_method_types": ["sepa_debit"],
                "payment_method": pm.id,
                "confirm": True,
                "mandate_data": ONLINE_MANDATE,
            }
        )
        assert intents[iban].status == "processing"
    control(stripe_sandbox, "/clock/advance", {"to": business_days_later(confirmed_at, 5) - 1})
    assert client.v1.payment_intents.retrieve(intents["DE89370400440532013000"].id).status == "processing"
    control(stripe_sandbox, "/clock/advance", {"to": business_days_later(confirmed_at, 5)})
    assert client.v1.payment_intents.retrieve(intents["DE89370400440532013000"].id).status == "succeeded"
    failed = client.v1.payment_intents.retrieve(intents["DE62370400440532013001"].id)
    assert failed.status == "requires_payment_method"
    charge = client.v1.charges.retrieve(failed.latest_charge)
    assert charge.status == "failed" and charge.payment_method_details.sepa_debit.mandate


def test_test_payment_method_tokens_work(client: stripe.StripeClient, stripe_sandbox: RunningServer) -> None:
    intent = client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "usd",
            "payment_method_types": ["us_bank_account"],
            "payment_method": "pm_usBankAccount_success",
            "confirm": True,
            "mandate_data": ONLINE_MANDATE,
        }
    )
    assert intent.status == "processing"
    stuck = client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "usd",
            "payment_method_types": ["us_bank_account"],
            "payment_method": "pm_usBankAccount_processing",
            "confirm": True,
            "mandate_data": ONLINE_MANDATE,
        }
    )
    control(stripe_sandbox, "/clock/advance", {"days": 30})
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    # "The payment stays in processing indefinitely. Useful for testing PaymentIntent cancellation."
    assert client.v1.payment_intents.retrieve(stuck.id).status == "processing"
    canceled = client.v1.payment_intents.cancel(stuck.id)
    assert canceled.status == "canceled"
    charge = client.v1.charges.retrieve(stuck.latest_charge)
    assert charge.status == "failed" and charge.failure_balance_transaction
    txns = client.v1.balance_transactions.list(params={"source": charge.id}).data
    assert sum(t.net for t in txns) == 0  # a canceled debit leaves nothing to pay out


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"mandate_data": None}, "mandate_data"),
        ({"currency": "eur"}, "payment_method_types"),
        ({"payment_method_types": ["card"]}, "payment_method"),
    ],
    ids=["no-mandate", "ach-in-eur", "type-not-allowed"],
)
def test_bank_debit_confirmations_refused_with_a_clear_400(
    client: stripe.StripeClient, params: dict[str, Any], param: str
) -> None:
    body: dict[str, Any] = {
        "amount": 1_000,
        "currency": "usd",
        "payment_method_types": ["us_bank_account"],
        "payment_method": "pm_usBankAccount_success",
        "confirm": True,
        "mandate_data": ONLINE_MANDATE,
        **params,
    }
    body = {k: v for k, v in body.items() if v is not None}
    before = len(client.v1.charges.list(params={"limit": 100}).data)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params=body)
    assert raised.value.http_status == 400 and raised.value.param == param
    assert len(client.v1.charges.list(params={"limit": 100}).data) == before


def test_bad_bank_details_are_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_methods.create(
            params={
                "type": "sepa_debit",
                "sepa_debit": {"iban": "DE89370400440532013009"},
                "billing_details": {"name": "J", "email": "j@example.com"},
            }
        )
    assert raised.value.param == "sepa_debit[iban]"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_methods.create(
            params={
                "type": "us_bank_account",
                "us_bank_account": {**ACH_OK, "routing_number": "999999999"},
                "billing_details": {"name": "J"},
            }
        )
    assert raised.value.param == "us_bank_account[routing_number]"


def test_checkout_session_paid_by_bank_debit_fires_async_events(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    started = now(stripe_sandbox)
    sessions = {}
    for account in ("000123456789", "000222222227"):
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "payment_method_types": ["card", "us_bank_account"],
                "line_items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 9_900,
                            "product_data": {"name": "Invoice 42"},
                        },
                        "quantity": 1,
                    }
                ],
                "success_url": "https://example.com/paid?s={CHECKOUT_SESSION_ID}",
                "customer_email": "ann@example.com",
            }
        )
        assert session.payment_method_types == ["card", "us_bank_account"]
        page = requests.post(
            session.url,
            allow_redirects=False,
            timeout=30,
            data={
                "method": "us_bank_account",
                "email": "ann@example.com",
                "account-holder": "Ann Example",
                "routing-number": "110000000",
                "account-number": account,
                "account-number-confirm": account,
                "mandate": "accepted",
            },
        )
        assert page.status_code == 303, page.text[:500]
        done = client.v1.checkout.sessions.retrieve(session.id)
        assert (done.status, done.payment_status) == ("complete", "unpaid")
        assert client.v1.payment_intents.retrieve(done.payment_intent).status == "processing"
        sessions[account] = done
    control(stripe_sandbox, "/clock/advance", {"to": business_days_later(started, 4)})
    paid = client.v1.checkout.sessions.retrieve(sessions["000123456789"].id)
    unpaid = client.v1.checkout.sessions.retrieve(sessions["000222222227"].id)
    assert paid.payment_status == "paid" and unpaid.payment_status == "unpaid"
    assert events_of(client, paid.id, started) == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    ]
    assert events_of(client, unpaid.id, started) == [
        "checkout.session.completed",
        "checkout.session.async_payment_failed",
    ]


def test_hosted_page_refuses_incomplete_bank_details_and_writes_nothing(
    client: stripe.StripeClient,
) -> None:
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "payment_method_types": ["us_bank_account"],
            "line_items": [
                {
                    "price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "x"}},
                    "quantity": 1,
                }
            ],
            "success_url": "https://example.com/paid",
        }
    )
    page = requests.get(session.url, timeout=30)
    assert "Routing number" in page.text and "Card information" not in page.text
    form = {
        "method": "us_bank_account",
        "email": "a@example.com",
        "account-holder": "A",
        "routing-number": "110000000",
        "account-number": "000123456789",
        "account-number-confirm": "000123456789",
    }
    for change, field in [
        ({"mandate": ""}, "mandate"),
        ({"account-number-confirm": "000123456780"}, "account-number-confirm"),
        ({"routing-number": "12"}, "routing-number"),
    ]:
        answer = requests.post(session.url, data={**form, "mandate": "accepted", **change}, timeout=30)
        assert answer.status_code == 400, answer.text[:300]
        assert f'id="{field}"' in answer.text and 'aria-invalid="true"' in answer.text
    assert client.v1.checkout.sessions.retrieve(session.id).payment_intent is None


def test_settlement_events_reach_webhooks_signed(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    received: list[tuple[bytes, str]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(
                (self.rfile.read(int(self.headers["Content-Length"])), self.headers["Stripe-Signature"])
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = client.v1.webhook_endpoints.create(
            params={
                "url": f"http://127.0.0.1:{server.server_address[1]}/hook",
                "enabled_events": ["charge.failed", "payment_intent.payment_failed"],
            }
        )
        confirmed_at = now(stripe_sandbox)
        intent = ach_debit(client, "000333333335")
        control(stripe_sandbox, "/clock/advance", {"to": business_days_later(confirmed_at, 4)})
        deadline = time.monotonic() + 20
        while len(received) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        events = [stripe.Webhook.construct_event(body, header, endpoint.secret) for body, header in received]
        assert sorted(e.type for e in events) == ["charge.failed", "payment_intent.payment_failed"]
        failed = next(e for e in events if e.type == "payment_intent.payment_failed")
        assert failed.data.object.id == intent.id
        assert failed.data.object.last_payment_error.code == "debit_not_authorized"
        client.v1.webhook_endpoints.delete(endpoint.id)
    finally:
        server.shutdown()


def test_hosted_page_takes_a_sepa_debit(client: stripe.StripeClient, stripe_sandbox: RunningServer) -> None:
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "payment_method_types": ["sepa_debit"],
            "line_items": [
                {
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 2_500,
                        "product_data": {"name": "Rechnung 5"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "https://example.com/paid",
        }
    )
    page = requests.get(session.url, timeout=30)
    assert 'id="iban"' in page.text and "Routing number" not in page.text
    form = {"email": "b@example.com", "account-holder": "Bea", "mandate": "accepted"}
    bad = requests.post(session.url, data={**form, "iban": "DE89 3704 0044 0532 0130 09"}, timeout=30)
    assert bad.status_code == 402 and 'id="iban"' in bad.text and 'aria-invalid="true"' in bad.text
    assert client.v1.checkout.sessions.retrieve(session.id).payment_intent is None
    paid = requests.post(
        session.url, data={**form, "iban": "DE89 3704 0044 0532 0130 00"}, allow_redirects=False, timeout=30
    )
    assert paid.status_code == 303, paid.text[:300]
    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert (done.status, done.payment_status, done.payment_intent.status) == (
        "complete",
        "unpaid",
        "processing",
    )
    assert done.payment_intent.latest_charge.payment_method_details.sepa_debit.last4 == "3000"
    with pytest.raises(stripe.InvalidRequestError):  # SEPA debits are in euros only
        client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "payment_method_types": ["sepa_debit"],
                "line_items": [
                    {
                        "price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "x"}},
                        "quantity": 1,
                    }
                ],
                "success_url": "https://example.com/paid",
            }
        )


def test_refund_of_a_settled_debit_is_a_payment_refund(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    confirmed_at = now(stripe_sandbox)
    intent = ach_debit(client, "000123456789", amount=8_000)
    with pytest.raises(stripe.InvalidRequestError):  # nothing to refund while the debit is processing
        client.v1.refunds.create(params={"payment_intent": intent.id})
    control(stripe_sandbox, "/clock/advance", {"to": business_days_later(confirmed_at, 4)})
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 3_000})
    assert refund.destination_details.type == "us_bank_account"
    txn = client.v1.balance_transactions.retrieve(refund.balance_transaction)
    # Stripe: `payment_refund` is the refund of a local payment method's `payment`.
    assert (txn.type, txn.reporting_category, txn.amount) == ("payment_refund", "refund", -3_000)
