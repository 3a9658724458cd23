"""stripe-python against the Stripe sandbox: manual payouts (not itemisable) and debit (negative) payouts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.integration.test_stripe_sandbox_api import API_KEY, START, control, new_client, pay
from tests.servers import RunningServer, run_sandbox

DAY = 86_400
FEE_2000 = 88  # 2.9% of 20.00 + 0.30, the sandbox's documented card fee


@pytest.fixture(scope="module")
def stripe_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("stripe-sandbox-payouts")
    extra = ("--clock", "frozen", "--start", str(START), "--api-key", API_KEY)
    with run_sandbox("stripe_sandbox", data_dir, extra_args=extra) as server:
        yield server


@pytest.fixture
def client(stripe_sandbox: RunningServer) -> stripe.StripeClient:
    control(stripe_sandbox, "/reset")
    control(stripe_sandbox, "/clock/freeze", {"now": START})
    return new_client(stripe_sandbox.url)


def available(client: stripe.StripeClient) -> int:
    return int(client.v1.balance.retrieve().available[0].amount)


def items(client: stripe.StripeClient, payout_id: str) -> list[Any]:
    return list(
        client.v1.balance_transactions.list(params={"payout": payout_id, "limit": 100}).auto_paging_iter()
    )


def payout_events(client: stripe.StripeClient) -> list[tuple[str, str]]:
    events = client.v1.events.list(params={"type": "payout.*", "limit": 100}).data
    return [(e.type, e.data.object.id) for e in reversed(events)]


def test_a_manual_payout_draws_on_the_available_balance_and_cannot_be_itemised(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    pay(client, "pm_card_bypassPending", amount=2000)
    assert available(client) == 2000 - FEE_2000
    payout = client.v1.payouts.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "description": "Rent",
            "metadata": {"by": "finance"},
            "statement_descriptor": "RENT OCT",
        }
    )
    assert (payout.amount, payout.currency, payout.status, payout.automatic, payout.method) == (
        1000,
        "usd",
        "pending",
        False,
        "standard",
    )
    assert payout.reconciliation_status == "not_applicable" and payout.type == "bank_account"
    assert payout.arrival_date == START + DAY and payout.destination.startswith("ba_")
    assert (payout.description, payout.statement_descriptor, payout.metadata.to_dict()) == (
        "Rent",
        "RENT OCT",
        {"by": "finance"},
    )
    own = client.v1.balance_transactions.retrieve(payout.balance_transaction)
    assert (own.type, own.amount, own.net, own.source, own.reporting_category) == (
        "payout",
        -1000,
        -1000,
        payout.id,
        "payout",
    )
    assert available(client) == 2000 - FEE_2000 - 1000
    # Stripe itemises automatic payouts only.
    with pytest.raises(stripe.InvalidRequestError) as raised:
        items(client, payout.id)
    assert raised.value.param == "payout" and raised.value.http_status == 400

    control(stripe_sandbox, "/clock/advance", {"days": 1})
    paid = client.v1.payouts.retrieve(payout.id)
    assert paid.status == "paid" and paid.reconciliation_status == "not_applicable"
    # The day's automatic run sweeps what is left, the manual payout's own transaction with it.
    automatic = [p for p in client.v1.payouts.list().data if p.automatic]
    assert len(automatic) == 1 and automatic[0].amount == 2000 - FEE_2000 - 1000
    swept = items(client, automatic[0].id)
    assert {(t.type, t.source) for t in swept if t.type == "payout"} == {
        ("payout", payout.id),
        ("payout", automatic[0].id),
    }
    assert sum(t.net for t in swept if t.source != automatic[0].id) == automatic[0].amount
    assert ("payout.created", payout.id) in payout_events(client) and (
        "payout.paid",
        payout.id,
    ) in payout_events(client)


def test_a_manual_payout_larger_than_the_available_balance_is_refused_and_nothing_is_written(
    client: stripe.StripeClient,
) -> None:
    pay(client, "pm_card_bypassPending", amount=2000)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payouts.create(params={"amount": 2000, "currency": "usd"})
    assert (raised.value.code, raised.value.param) == ("balance_insufficient", "amount")
    assert "insufficient funds in your Stripe account" in str(raised.value.user_message)
    assert client.v1.payouts.list().data == [] and available(client) == 2000 - FEE_2000
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payouts.create(params={"amount": 100, "currency": "eur"})  # no EUR balance at all
    assert raised.value.code == "balance_insufficient"


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        pytest.param({"currency": "usd"}, "parameter_missing", "amount", id="amount-missing"),
        pytest.param({"amount": 100}, "parameter_missing", "currency", id="currency-missing"),
        pytest.param(
            {"amount": 0, "currency": "usd"}, "parameter_invalid_integer", "amount", id="amount-zero"
        ),
        pytest.param({"amount": 100, "currency": "xyz"}, None, "currency", id="currency-unsupported"),
        pytest.param(
            {"amount": 100, "currency": "usd", "destination": "ba_notMine"},
            "resource_missing",
            "destination",
            id="destination-not-the-accounts",
        ),
        pytest.param(
            {"amount": 100, "currency": "usd", "method": "instant"},
            "instant_payouts_unsupported",
            "method",
            id="instant",
        ),
        pytest.param(
            {"amount": 100, "currency": "usd", "method": "wire"}, None, "method", id="method-unknown"
        ),
        pytest.param(
            {"amount": 100, "currency": "usd", "statement_descriptor": "X" * 23},
            None,
            "statement_descriptor",
            id="descriptor-too-long",
        ),
        pytest.param(
            {"amount": 100, "currency": "usd", "colour": "red"},
            "parameter_unknown",
            "colour",
            id="unknown-parameter",
        ),
    ],
)
def test_a_bad_manual_payout_is_a_clear_4xx_and_writes_nothing(
    client: stripe.StripeClient, params: dict[str, Any], code: str | None, param: str
) -> None:
    pay(client, "pm_card_bypassPending", amount=2000)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payouts.create(params=params)  # type: ignore[arg-type]
    status = 404 if code == "resource_missing" else 400  # the sandbox's status for a missing object
    assert (raised.value.http_status, raised.value.code, raised.value.param) == (status, code, param)
    assert client.v1.payouts.list().data == [] and available(client) == 2000 - FEE_2000


def test_a_manual_payout_with_an_idempotency_key_is_made_once(client: stripe.StripeClient) -> None:
    pay(client, "pm_card_bypassPending", amount=2000)
    first = client.v1.payouts.create(
        params={"amount": 500, "currency": "usd"}, options={"idempotency_key": "po-1"}
    )
    again = client.v1.payouts.create(
        params={"amount": 500, "currency": "usd"}, options={"idempotency_key": "po-1"}
    )
    assert again.id == first.id and len(client.v1.payouts.list().data) == 1


def test_a_negative_balance_the_pending_funds_do_not_cover_is_debited_from_the_bank(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    intent = pay(client, "pm_card_bypassPending", amount=2000)
    client.v1.refunds.create(params={"payment_intent": intent.id})  # the full 20.00; the fee is not returned
    assert available(client) == -FEE_2000
    made = control(stripe_sandbox, "/payouts/run")["payouts"]
    debit = client.v1.payouts.retrieve(made[0])
    assert (debit.amount, debit.automatic, debit.status, debit.type) == (
        -FEE_2000,
        True,
        "pending",
        "bank_account",
    )
    listed = items(client, debit.id)
    own = [t for t in listed if t.source == debit.id]
    assert [(t.type, t.amount) for t in own] == [("payout", FEE_2000)]  # it credits the balance
    assert sum(t.net for t in listed if t.source != debit.id) == debit.amount
    assert {t.type for t in listed} == {"charge", "refund", "payout"}
    assert available(client) == 0
    control(stripe_sandbox, "/clock/advance", {"days": 1})
    paid = client.v1.payouts.retrieve(debit.id)
    assert paid.status == "paid" and paid.reconciliation_status == "completed"
    assert ("payout.paid", debit.id) in payout_events(client)


def test_a_negative_available_balance_covered_by_pending_funds_waits(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    pay(client, amount=5000)  # pending for two days
    instant = pay(client, "pm_card_bypassPending", amount=2000)
    client.v1.refunds.create(params={"payment_intent": instant.id})
    assert available(client) < 0
    assert control(stripe_sandbox, "/payouts/run")["payouts"] == []
    control(stripe_sandbox, "/clock/advance", {"days": 2})
    payouts = client.v1.payouts.list().data
    assert len(payouts) == 1 and payouts[0].amount > 0  # paid out net of the shortfall once available


def test_payouts_list_shows_both_kinds_and_create_is_a_post_only_route(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    pay(client, "pm_card_bypassPending", amount=2000)
    manual = client.v1.payouts.create(params={"amount": 700, "currency": "usd"})
    automatic = control(stripe_sandbox, "/payouts/run")["payouts"][0]
    assert [p.id for p in client.v1.payouts.list().data] == [automatic, manual.id]
    response = requests.delete(stripe_sandbox.url + "/v1/payouts", auth=(API_KEY, ""), timeout=10)
    assert response.status_code in (404, 405)
