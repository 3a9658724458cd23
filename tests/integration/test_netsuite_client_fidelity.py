"""The project's NetSuiteClient against the sandbox's REST API Browser behaviour.

Every write asks for `X-NetSuite-PropertyNameValidation: Error` (checked in the sandbox's request log),
so a misspelt field fails here instead of vanishing; deposits with cash back and foreign-currency
payments; unapplying; transforms; asynchronous requests with idempotency keys.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from stripe_netsuite.netsuite import (
    ConcurrencyLimiter,
    NetSuiteClient,
    NetSuiteSettings,
    NetSuiteUserError,
)
from tests.servers import RunningServer

UNDEPOSITED = {"id": "T"}


@pytest.fixture
def client(netsuite_env: dict[str, str]) -> Iterator[NetSuiteClient]:
    settings = NetSuiteSettings.from_env(netsuite_env)
    with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as netsuite:
        yield netsuite


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def pay(client: NetSuiteClient, customer: str, amount: str, currency: str = "1", **extra: Any) -> str:
    body = {
        "customer": {"id": customer},
        "currency": {"id": currency},
        "payment": amount,
        "undepFunds": UNDEPOSITED,
        "paymentOption": {"id": "1"},
        **extra,
    }
    return client.upsert("customerPayment", unique("ch"), body)


def request_log(server: RunningServer) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = requests.get(
        f"{server.url}/_sandbox/requests", params={"limit": 2000}, timeout=10
    ).json()["requests"]
    return entries


def test_every_write_the_client_sends_asks_for_property_name_errors(
    client: NetSuiteClient, netsuite_sandbox: RunningServer
) -> None:
    requests.post(f"{netsuite_sandbox.url}/_sandbox/stats/reset", timeout=10)
    customer = client.create("customer", {"companyName": "Header Co", "currency": {"id": "1"}})
    client.update("customer", customer, {"custentity_stripe_payment_link": "https://pay.example/c/x"})
    invoice = client.upsert(
        "invoice",
        unique("in"),
        {"entity": {"id": customer}, "item": {"items": [{"item": {"id": "1"}, "rate": 10}]}},
    )
    payment = client.transform("invoice", invoice, "customerPayment", {"undepFunds": UNDEPOSITED})
    client.update("customerPayment", payment, {"apply": {"items": [{"doc": {"id": invoice}, "amount": 0}]}})
    client.delete("customerPayment", payment)
    client.get("customer", customer)
    writes = [e for e in request_log(netsuite_sandbox) if e["method"] in ("POST", "PATCH", "PUT", "DELETE")]
    assert len(writes) == 6
    assert {e["property_name_validation"] for e in writes} == {"Error"}
    reads = [e for e in request_log(netsuite_sandbox) if e["method"] == "GET"]
    assert reads and all(e["property_name_validation"] is None for e in reads)


def test_deposit_with_cashback_totals_payments_plus_other_minus_cashback(client: NetSuiteClient) -> None:
    amounts = [Decimal("120.00"), Decimal("30.25")]
    payments = [pay(client, "104", str(a)) for a in amounts]
    other, cashback = Decimal("2.50"), Decimal("4.66")
    deposit = client.upsert(
        "deposit",
        unique("po"),
        {
            "account": {"id": "1"},
            "payment": {"items": [{"id": p, "deposit": True} for p in payments]},
            "other": {"items": [{"account": {"id": "10"}, "amount": str(other)}]},
            "cashback": {"items": [{"account": {"id": "8"}, "amount": str(cashback), "memo": "Stripe fees"}]},
        },
        replace=["cashback", "other"],
    )
    assert Decimal(str(client.get("deposit", deposit)["total"])) == sum(amounts) + other - cashback


def test_cashBack_is_refused_with_the_field_named_and_nothing_written(client: NetSuiteClient) -> None:
    payment = pay(client, "104", "8.00")
    external_id = unique("po")
    with pytest.raises(NetSuiteUserError) as caught:
        client.upsert(
            "deposit",
            external_id,
            {
                "account": {"id": "1"},
                "payment": {"items": [{"id": payment, "deposit": True}]},
                "cashBack": {"items": [{"account": {"id": "8"}, "amount": "0.50"}]},
            },
        )
    error = caught.value
    assert (error.status, error.code, error.path) == (400, "NONEXISTENT_FIELD", "cashBack")
    assert "cashBack" in str(error)
    assert client.find_by_external_id("deposit", external_id) is None


def test_usd_deposit_holds_a_eur_payment_at_its_usd_amount(client: NetSuiteClient) -> None:
    eur = pay(client, "110", "200.00", currency="4")
    usd_amount = Decimal("215.06")  # what the USD bank account received for EUR 200
    deposit = client.upsert(
        "deposit",
        unique("po"),
        {
            "account": {"id": "1"},
            "payment": {"items": [{"id": eur, "deposit": True, "paymentAmount": str(usd_amount)}]},
        },
    )
    record = client.get("deposit", deposit, expand_sub_resources=True)
    assert record["currency"]["id"] == "1"
    assert Decimal(str(record["total"])) == usd_amount
    line = next(item for item in record["payment"]["items"] if str(item["id"]) == eur)
    assert (line["deposit"], line["transactionAmount"], line["currency"]["id"]) == (True, 200, "4")


def test_unapply_by_amount_zero(client: NetSuiteClient) -> None:
    invoice = client.create(
        "invoice", {"entity": {"id": "104"}, "item": {"items": [{"item": {"id": "2"}, "rate": "45.00"}]}}
    )
    payment = pay(client, "104", "45.00", apply={"items": [{"doc": {"id": invoice}, "amount": "45.00"}]})
    assert client.get("invoice", invoice)["amountRemaining"] == 0
    client.update("customerPayment", payment, {"apply": {"items": [{"doc": {"id": invoice}, "amount": 0}]}})
    assert client.get("invoice", invoice)["amountRemaining"] == 45
    assert client.get("customerPayment", payment)["unapplied"] == 45


def test_transform_yields_a_customer_refund_for_a_payment(client: NetSuiteClient) -> None:
    payment = pay(client, "109", "60.00", currency="2")
    external_id = unique("re")
    refund = client.transform(
        "customerPayment", payment, "customerRefund", {"externalId": external_id, "account": {"id": "2"}}
    )
    record = client.get("customerRefund", refund, expand_sub_resources=True)
    assert (record["customer"]["id"], record["currency"]["id"], record["total"]) == ("109", "2", 60)
    assert [(line["doc"]["id"], line["amount"]) for line in record["apply"]["items"] if line["apply"]] == [
        (payment, 60)
    ]
    assert client.find_by_external_id("customerRefund", external_id) == refund
    rows = list(client.suiteql(f"SELECT foreignamountremaining FROM transaction WHERE id = {payment}"))
    assert rows == [{"foreignamountremaining": "0"}]


def test_async_upsert_with_an_idempotency_key_runs_once(client: NetSuiteClient) -> None:
    external_id, key = unique("ch"), str(uuid.uuid4())
    body = {"customer": {"id": "104"}, "payment": "3.00", "undepFunds": UNDEPOSITED}
    job = client.submit_async("PUT", f"customerPayment/eid:{external_id}", body, idempotency_key=key)
    result = client.wait_for_job(job)
    assert result.status == 204
    assert result.record_id == client.find_by_external_id("customerPayment", external_id)
    # A resend (say after a lost answer) names the same job instead of running the request again.
    again = client.submit_async(
        "PUT", f"customerPayment/eid:{external_id}", {**body, "memo": "x"}, idempotency_key=key
    )
    assert again == job
    assert "memo" not in client.get("customerPayment", result.record_id or "0")


def test_wait_for_job_polls_a_pending_job(client: NetSuiteClient, netsuite_sandbox: RunningServer) -> None:
    requests.post(f"{netsuite_sandbox.url}/_sandbox/config", json={"async_delay_ms": 300}, timeout=10)
    try:
        job = client.submit_async(
            "POST", "customer", {"companyName": "Polled Co"}, idempotency_key=unique("k")
        )
        assert client.async_job(job)["progress"] == "pending"
        result = client.wait_for_job(job, poll=0.05)
        assert result.status == 204 and result.record_id is not None
        assert client.get("customer", result.record_id)["companyName"] == "Polled Co"
    finally:
        requests.post(f"{netsuite_sandbox.url}/_sandbox/config", json={"async_delay_ms": 0}, timeout=10)


def test_status_is_text_on_rest_reads_and_a_letter_in_suiteql(client: NetSuiteClient) -> None:
    assert client.get("customerPayment", 1044)["status"] == {"id": "Deposited", "refName": "Deposited"}
    assert list(client.suiteql("SELECT status FROM transaction WHERE id = 1044")) == [{"status": "C"}]
