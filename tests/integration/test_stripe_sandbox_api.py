"""stripe-python 16 against the Stripe sandbox: payments, errors, lists, expand, idempotency, scoping."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe

from tests.servers import RunningServer, run_sandbox

START = 1767225600  # 2026-01-01T00:00:00Z: the frozen clock every module starts from
API_KEY = "sk_test_sandbox_integration"


def new_client(url: str, **options: Any) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": url}, max_network_retries=0, **options)


def control(server: RunningServer, path: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.post(server.url + "/_sandbox" + path, json=body or {}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def stripe_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("stripe-sandbox")
    extra = ("--clock", "frozen", "--start", str(START), "--api-key", API_KEY)
    with run_sandbox("stripe_sandbox", data_dir, extra_args=extra) as server:
        yield server


@pytest.fixture(scope="module")
def client(stripe_sandbox: RunningServer) -> stripe.StripeClient:
    return new_client(stripe_sandbox.url)


def pay(client: stripe.StripeClient, card: str = "pm_card_visa", **params: Any) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        params={"amount": 2500, "currency": "usd", "payment_method": card, "confirm": True, **params}
    )


# ---- payments -------------------------------------------------------------------------------------------


def test_customer_card_payment_succeeds_with_charge_and_balance_transaction(
    client: stripe.StripeClient,
) -> None:
    customer = client.v1.customers.create(params={"email": "ann@example.com", "name": "Ann"})
    pm = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
    intent = client.v1.payment_intents.create(
        params={
            "amount": 2000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": pm.id,
            "metadata": {"invoice": "INV-1"},
            "receipt_email": "ann@example.com",
            "statement_descriptor_suffix": "INV-1",
            "description": "Invoice INV-1",
        }
    )
    assert intent.status == "requires_confirmation"
    intent = client.v1.payment_intents.confirm(intent.id)
    assert intent.status == "succeeded" and intent.amount_received == 2000
    assert isinstance(intent.latest_charge, str)
    charge = client.v1.charges.retrieve(intent.latest_charge, params={"expand": ["balance_transaction"]})
    assert charge.paid and charge.captured and charge.metadata.to_dict() == {"invoice": "INV-1"}
    assert charge.customer == customer.id and charge.receipt_email == "ann@example.com"
    assert charge.calculated_statement_descriptor.endswith("* INV-1")
    txn = charge.balance_transaction
    assert (txn.amount, txn.fee, txn.net) == (2000, 88, 1912)  # 2.9% of 2000 = 58, + 30
    assert txn.status == "pending" and txn.exchange_rate is None
    assert txn.fee_details[0].type == "stripe_fee" and txn.available_on == START + 2 * 86400


def test_converted_international_charge_adds_fee_surcharges(client: stripe.StripeClient) -> None:
    intent = pay(
        client, "pm_card_br", amount=10000, currency="eur", expand=["latest_charge.balance_transaction"]
    )
    txn = intent.latest_charge.balance_transaction
    assert txn.currency == "usd" and txn.exchange_rate is not None
    assert txn.amount == round(10000 * txn.exchange_rate)
    # 2.9% + 1.5% international + 1% conversion, + 30
    assert txn.fee == round(txn.amount * 0.054) + 30 and txn.net == txn.amount - txn.fee


@pytest.mark.parametrize(
    ("card", "code", "decline_code"),
    [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ],
    ids=["generic", "insufficient-funds", "incorrect-cvc", "expired"],
)
def test_declined_card_answers_402_and_records_failed_charge(
    client: stripe.StripeClient, card: str, code: str, decline_code: str
) -> None:
    with pytest.raises(stripe.CardError) as raised:
        pay(client, card)
    error = raised.value
    assert error.http_status == 402 and error.code == code
    assert error.error is not None and error.error.decline_code == decline_code
    assert error.error.payment_intent is not None
    intent = client.v1.payment_intents.retrieve(error.error.payment_intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == decline_code
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.status == "failed" and charge.balance_transaction is None


def test_saved_card_is_charged_off_session(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "saver@example.com"})
    first = pay(client, customer=customer.id, setup_future_usage="off_session")
    methods = client.v1.customers.payment_methods.list(customer.id, params={"type": "card"})
    assert [m.id for m in methods.data] == [first.payment_method]
    again = pay(client, first.payment_method, customer=customer.id, off_session=True)
    assert again.status == "succeeded"


def test_three_d_secure_requires_action_on_session_and_fails_off_session(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    intent = pay(client, "pm_card_threeDSecure2Required")
    assert intent.status == "requires_action" and intent.next_action is not None
    done = control(stripe_sandbox, f"/authenticate/{intent.id}", {"result": "succeed"})
    assert done["status"] == "succeeded"
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_authenticationRequired", params={"customer": customer.id})
    with pytest.raises(stripe.CardError) as raised:
        pay(client, pm.id, customer=customer.id, off_session=True)
    assert raised.value.code == "authentication_required"


def test_setup_intent_saves_card_for_customer(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    intent = client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method": "pm_card_visa", "confirm": True}
    )
    assert intent.status == "succeeded" and intent.usage == "off_session"
    pm = client.v1.payment_methods.retrieve(intent.payment_method)
    assert pm.customer == customer.id
    detached = client.v1.payment_methods.detach(pm.id)
    assert detached.customer is None


def test_customer_update_delete_and_events(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"email": "old@example.com", "metadata": {"a": "1"}})
    client.v1.customers.update(customer.id, params={"email": "new@example.com", "metadata": {"b": "2"}})
    updated = client.v1.customers.retrieve(customer.id)
    assert updated.email == "new@example.com" and updated.metadata.to_dict() == {"a": "1", "b": "2"}
    event = client.v1.events.list(params={"type": "customer.updated", "limit": 1}).data[0]
    assert event.data.object.id == customer.id
    assert event.data.previous_attributes.to_dict()["email"] == "old@example.com"
    deleted = client.v1.customers.delete(customer.id)
    assert deleted.deleted is True
    assert client.v1.customers.retrieve(customer.id).deleted is True


# ---- errors -------------------------------------------------------------------------------------------


def test_missing_object_is_404_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.retrieve("cus_missing")
    assert raised.value.http_status == 404 and raised.value.code == "resource_missing"
    assert raised.value.user_message == "No such customer: 'cus_missing'"
    assert raised.value.request_id


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"currency": "usd"}, "parameter_missing", "amount"),
        ({"amount": "ten", "currency": "usd"}, "parameter_invalid_integer", "amount"),
        ({"amount": 2000, "currency": "usd", "bogus": "x"}, "parameter_unknown", "bogus"),
        ({"amount": 10, "currency": "usd"}, "amount_too_small", "amount"),
    ],
    ids=["missing", "not-integer", "unknown", "too-small"],
)
def test_bad_parameters_are_400_naming_the_parameter(
    client: stripe.StripeClient, params: dict[str, Any], code: str, param: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]
    assert raised.value.http_status == 400 and raised.value.code == code and raised.value.param == param


def test_wrong_api_key_is_401(stripe_sandbox: RunningServer) -> None:
    other = stripe.StripeClient(
        "sk_test_wrong", base_addresses={"api": stripe_sandbox.url}, max_network_retries=0
    )
    with pytest.raises(stripe.AuthenticationError):
        other.v1.customers.list()
    response = requests.get(stripe_sandbox.url + "/v1/customers", timeout=10)
    assert response.status_code == 401 and response.json()["error"]["type"] == "invalid_request_error"


# ---- lists, expand, idempotency, accounts -------------------------------------------------------------


def test_pagination_is_newest_first_with_cursors(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    made = [pay(client, customer=customer.id, amount=1000 + i).id for i in range(5)]
    newest_first = list(reversed(made))
    page = client.v1.payment_intents.list(params={"customer": customer.id, "limit": 2})
    assert [p.id for p in page.data] == newest_first[:2] and page.has_more
    page2 = client.v1.payment_intents.list(
        params={"customer": customer.id, "limit": 2, "starting_after": page.data[-1].id}
    )
    assert [p.id for p in page2.data] == newest_first[2:4] and page2.has_more
    last = client.v1.payment_intents.list(
        params={"customer": customer.id, "limit": 2, "starting_after": page2.data[-1].id}
    )
    assert [p.id for p in last.data] == newest_first[4:] and not last.has_more
    before = client.v1.payment_intents.list(
        params={"customer": customer.id, "limit": 2, "ending_before": last.data[0].id}
    )
    assert [p.id for p in before.data] == newest_first[2:4]
    every = [
        p.id
        for p in client.v1.payment_intents.list(
            params={"customer": customer.id, "limit": 2}
        ).auto_paging_iter()
    ]
    assert every == newest_first


@pytest.mark.parametrize("limit", [0, 101], ids=["zero", "over-100"])
def test_limit_out_of_range_is_400(client: stripe.StripeClient, limit: int) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.charges.list(params={"limit": limit})
    assert raised.value.param == "limit"


def test_charges_filter_by_created_and_payment_intent(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    control(stripe_sandbox, "/clock/advance", {"seconds": 60})
    now = requests.get(stripe_sandbox.url + "/_sandbox/clock", timeout=10).json()["now"]
    intent = pay(client)
    recent = client.v1.charges.list(params={"created": {"gte": now}, "limit": 100})
    assert intent.latest_charge in [c.id for c in recent.data]
    assert all(c.created >= now for c in recent.data)
    older = client.v1.charges.list(params={"created": {"lt": now}, "limit": 100})
    assert intent.latest_charge not in [c.id for c in older.data]
    by_intent = client.v1.charges.list(params={"payment_intent": intent.id})
    assert [c.id for c in by_intent.data] == [intent.latest_charge]


def test_expand_on_lists_and_nested_paths(client: stripe.StripeClient) -> None:
    intent = pay(client, expand=["latest_charge"])
    assert intent.latest_charge.object == "charge"
    txns = client.v1.balance_transactions.list(
        params={"source": intent.latest_charge.id, "expand": ["data.source"]}
    )
    assert txns.data[0].source.id == intent.latest_charge.id and txns.data[0].source.object == "charge"


def test_idempotency_key_replays_and_conflicts(
    stripe_sandbox: RunningServer, client: stripe.StripeClient
) -> None:
    key = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": key}
    first = requests.post(
        stripe_sandbox.url + "/v1/customers", data={"email": "i@example.com"}, headers=headers, timeout=10
    )
    again = requests.post(
        stripe_sandbox.url + "/v1/customers", data={"email": "i@example.com"}, headers=headers, timeout=10
    )
    assert first.json()["id"] == again.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(params={"email": "other@example.com"}, options={"idempotency_key": key})
    same = client.v1.customers.create(params={"email": "i@example.com"}, options={"idempotency_key": key})
    assert same.id == first.json()["id"]


def test_stripe_account_header_scopes_objects(client: stripe.StripeClient) -> None:
    connected = "acct_1ConnectedSandbox"
    mine = client.v1.customers.create(params={"email": "platform@example.com"})
    theirs = client.v1.customers.create(
        params={"email": "c@example.com"}, options={"stripe_account": connected}
    )
    listed = client.v1.customers.list(params={"limit": 100}, options={"stripe_account": connected})
    assert [c.id for c in listed.data] == [theirs.id]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve(mine.id, options={"stripe_account": connected})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve(theirs.id)


def test_account_describes_the_platform(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.retrieve_current()
    assert account.id.startswith("acct_") and account.default_currency == "usd" and account.country == "US"
    assert account.settings.dashboard.display_name == account.business_profile.name
    assert client.v1.accounts.retrieve(account.id).id == account.id


def test_concurrent_requests_all_succeed(stripe_sandbox: RunningServer) -> None:
    results: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        local = new_client(stripe_sandbox.url)
        intent = pay(local)
        with lock:
            results.append(intent.status)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["succeeded"] * 8


def test_state_survives_restart(tmp_path: Path) -> None:
    extra = ("--clock", "frozen", "--start", str(START))
    with run_sandbox("stripe_sandbox", tmp_path, extra_args=extra) as server:
        first = new_client(server.url).v1.customers.create(params={"email": "keep@example.com"})
    with run_sandbox("stripe_sandbox", tmp_path) as server:
        again = new_client(server.url).v1.customers.retrieve(first.id)
        assert again.email == "keep@example.com"
        clock = requests.get(server.url + "/_sandbox/clock", timeout=10).json()
        assert clock["mode"] == "frozen" and clock["now"] == START


def test_same_seed_and_calls_give_identical_ids(tmp_path: Path) -> None:
    ids: list[list[str]] = []
    for run in ("a", "b"):
        extra = ("--clock", "frozen", "--start", str(START))
        with run_sandbox("stripe_sandbox", tmp_path / run, extra_args=extra) as server:
            local = new_client(server.url)
            customer = local.v1.customers.create(params={"email": "same@example.com"})
            intent = pay(local, customer=customer.id)
            ids.append([customer.id, intent.id, str(intent.latest_charge)])
    assert ids[0] == ids[1]
