"""Refunds, disputes, availability, automatic payouts and their itemisation, failed payouts, events feed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.integration.test_stripe_sandbox_api import API_KEY, START, control, new_client, pay
from tests.servers import RunningServer, run_sandbox

DAY = 86_400


@pytest.fixture(scope="module")
def stripe_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("stripe-sandbox-money")
    extra = ("--clock", "frozen", "--start", str(START), "--api-key", API_KEY)
    with run_sandbox("stripe_sandbox", data_dir, extra_args=extra) as server:
        yield server


@pytest.fixture
def client(stripe_sandbox: RunningServer) -> stripe.StripeClient:
    """A fresh world at the module's start time for every test: payouts sweep everything."""
    control(stripe_sandbox, "/reset")
    control(stripe_sandbox, "/clock/freeze", {"now": START})
    return new_client(stripe_sandbox.url)


def balance(client: stripe.StripeClient) -> tuple[int, int]:
    found = client.v1.balance.retrieve()
    return found.available[0].amount, found.pending[0].amount


def payout_items(client: stripe.StripeClient, payout_id: str) -> list[Any]:
    return list(
        client.v1.balance_transactions.list(params={"payout": payout_id, "limit": 100}).auto_paging_iter()
    )


def test_partial_then_full_refund_updates_charge_and_ledger(client: stripe.StripeClient) -> None:
    intent = pay(client, amount=5000)
    partial = client.v1.refunds.create(
        params={
            "payment_intent": intent.id,
            "amount": 2000,
            "reason": "requested_by_customer",
            "metadata": {"why": "test"},
        }
    )
    assert partial.status == "succeeded" and partial.charge == intent.latest_charge
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.amount_refunded == 2000 and not charge.refunded
    rest = client.v1.refunds.create(params={"charge": charge.id})
    assert rest.amount == 3000
    charge = client.v1.charges.retrieve(charge.id)
    assert charge.refunded and charge.amount_refunded == 5000
    txns = client.v1.balance_transactions.list(params={"type": "refund"}).data
    assert sorted(t.net for t in txns) == [-3000, -2000] and all(t.status == "available" for t in txns)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"charge": charge.id})
    assert raised.value.code == "charge_already_refunded"
    types = [e.type for e in client.v1.events.list(params={"type": "charge.refunded"}).data]
    assert types == ["charge.refunded", "charge.refunded"]


def test_refund_of_converted_charge_uses_the_refund_days_rate(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    intent = pay(client, amount=100000, currency="eur", expand=["latest_charge.balance_transaction"])
    charge_rate = intent.latest_charge.balance_transaction.exchange_rate
    control(stripe_sandbox, "/clock/advance", {"days": 1})
    refund = client.v1.refunds.create(
        params={"charge": intent.latest_charge.id, "expand": ["balance_transaction"]}
    )
    assert refund.balance_transaction.exchange_rate != charge_rate
    assert refund.balance_transaction.amount == -round(100000 * refund.balance_transaction.exchange_rate)


def test_dispute_won_withdraws_then_reinstates_amount_and_fee(client: stripe.StripeClient) -> None:
    intent = pay(client, "pm_card_createDispute", amount=4000)
    dispute = client.v1.disputes.list(params={"payment_intent": intent.id}).data[0]
    assert dispute.status == "needs_response" and dispute.reason == "fraudulent"
    assert client.v1.charges.retrieve(intent.latest_charge).disputed
    withdrawal = dispute.balance_transactions[0]
    assert (withdrawal.amount, withdrawal.fee, withdrawal.net) == (-4000, 1500, -5500)
    assert withdrawal.reporting_category == "dispute"
    won = client.v1.disputes.update(
        dispute.id, params={"evidence": {"uncategorized_text": "winning_evidence"}, "submit": True}
    )
    assert won.status == "won"
    reinstated = won.balance_transactions[1]
    assert (reinstated.amount, reinstated.fee, reinstated.net) == (4000, -1500, 5500)
    types = {e.type for e in client.v1.events.list(params={"type": "charge.dispute.*", "limit": 20}).data}
    assert types == {
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    }


@pytest.mark.parametrize("how", ["losing_evidence", "close"])
def test_dispute_lost_keeps_the_withdrawal(client: stripe.StripeClient, how: str) -> None:
    intent = pay(client, "pm_card_createDispute", amount=4000)
    dispute = client.v1.disputes.list(params={"charge": intent.latest_charge}).data[0]
    if how == "close":
        lost = client.v1.disputes.close(dispute.id)
    else:
        lost = client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": how}})
    assert lost.status == "lost" and len(lost.balance_transactions) == 1
    available, _ = balance(client)
    assert available == -5500


def test_funds_become_available_then_are_paid_out_and_itemised(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    first = pay(client, amount=10000, expand=["latest_charge.balance_transaction"])
    pay(client, "pm_card_createDispute", amount=3000)
    pay(client, amount=7000, currency="gbp")
    client.v1.refunds.create(params={"payment_intent": first.id, "amount": 1000})
    available, pending = balance(client)
    assert pending > 0 and available < 0
    control(stripe_sandbox, "/clock/advance", {"days": 1})
    assert client.v1.payouts.list().data == []  # nothing available yet
    control(stripe_sandbox, "/clock/advance", {"days": 1})
    assert first.latest_charge.balance_transaction.available_on == START + 2 * DAY
    payouts = client.v1.payouts.list().data
    assert len(payouts) == 1 and payouts[0].status == "pending" and payouts[0].automatic
    payout = payouts[0]
    assert payout.arrival_date == START + 3 * DAY
    control(stripe_sandbox, "/clock/advance", {"days": 1})
    payout = client.v1.payouts.retrieve(payout.id)
    assert payout.status == "paid"
    items = payout_items(client, payout.id)
    payout_txn = [t for t in items if t.type == "payout"]
    assert len(payout_txn) == 1 and payout_txn[0].net == -payout.amount
    assert sum(t.net for t in items if t.type != "payout") == payout.amount
    assert {t.type for t in items} == {"charge", "refund", "adjustment", "payout"}
    assert balance(client) == (0, 0)
    assert [p.id for p in client.v1.payouts.list(params={"status": "paid"}).data] == [payout.id]
    assert client.v1.payouts.list(params={"arrival_date": {"gt": payout.arrival_date}}).data == []
    assert [e.type for e in client.v1.events.list(params={"type": "payout.*"}).data] == [
        "payout.updated",
        "payout.paid",
        "payout.updated",
        "payout.created",
    ]


def test_instantly_available_card_is_swept_by_manual_run(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    intent = pay(client, "pm_card_bypassPending", amount=2000, expand=["latest_charge.balance_transaction"])
    assert intent.latest_charge.balance_transaction.status == "available"
    made = control(stripe_sandbox, "/payouts/run")["payouts"]
    assert len(made) == 1
    assert client.v1.payouts.retrieve(made[0]).amount == 2000 - 88


def test_failed_payout_returns_funds_to_the_next_payout(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    control(stripe_sandbox, "/config", {"fail_next_payout": True})
    pay(client, "pm_card_bypassPending", amount=2000)
    failed_id = control(stripe_sandbox, "/payouts/run")["payouts"][0]
    control(stripe_sandbox, "/clock/advance", {"days": 1})
    failed = client.v1.payouts.retrieve(failed_id, params={"expand": ["failure_balance_transaction"]})
    assert failed.status == "failed" and failed.failure_code == "account_closed"
    assert failed.failure_balance_transaction.type == "payout_failure"
    assert failed.failure_balance_transaction.net == failed.amount
    # The bounce lands at midnight, when the daily run sweeps the returned funds into a new payout.
    payouts = client.v1.payouts.list().data
    assert [p.id for p in payouts][1:] == [failed_id] and payouts[0].amount == failed.amount
    assert {t.type for t in payout_items(client, payouts[0].id)} == {"payout_failure", "payout"}
    assert "payout.failed" in [e.type for e in client.v1.events.list(params={"type": "payout.*"}).data]
    # and the control route fails an in-flight payout too
    assert control(stripe_sandbox, f"/payouts/{payouts[0].id}/fail")["status"] == "failed"


def test_events_filters_types_wildcard_and_created(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    pay(client)
    control(stripe_sandbox, "/clock/advance", {"seconds": 120})
    later = START + 120
    customer = client.v1.customers.create()
    both = client.v1.events.list(params={"types": ["customer.created", "charge.succeeded"]}).data
    assert [e.type for e in both] == ["customer.created", "charge.succeeded"]
    charges = client.v1.events.list(params={"type": "charge.*"}).data
    assert {e.type for e in charges} == {"charge.succeeded"}
    recent = client.v1.events.list(params={"created": {"gte": later}}).data
    assert [e.data.object.id for e in recent] == [customer.id]
    event = client.v1.events.retrieve(recent[0].id)
    assert event.request.id and event.api_version and event.livemode is False
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.list(params={"types": [f"t{i}.x" for i in range(21)]})


def test_patched_object_changes_without_events(
    client: stripe.StripeClient, stripe_sandbox: RunningServer
) -> None:
    intent = pay(client, expand=["latest_charge"])
    txn_id = intent.latest_charge.balance_transaction
    before = len(client.v1.events.list(params={"limit": 100}).data)
    control(stripe_sandbox, f"/objects/{txn_id}", {"patch": {"currency": None, "net": -1}})
    raw = requests.get(
        f"{stripe_sandbox.url}/v1/balance_transactions/{txn_id}",
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    ).json()
    assert "currency" not in raw and raw["net"] == -1
    assert len(client.v1.events.list(params={"limit": 100}).data) == before
