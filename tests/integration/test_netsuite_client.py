"""NetSuiteClient against the NetSuite sandbox as a real server: auth, records, sublists, upserts, errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from stripe_netsuite.netsuite import (
    ConcurrencyLimiter,
    NetSuiteAuthError,
    NetSuiteClient,
    NetSuiteNotFoundError,
    NetSuiteSettings,
    NetSuiteUserError,
)
from tests.servers import RunningServer


@pytest.fixture(scope="module")
def settings(netsuite_env: dict[str, str]) -> NetSuiteSettings:
    return NetSuiteSettings.from_env(netsuite_env)


@pytest.fixture
def client(settings: NetSuiteSettings) -> Iterator[NetSuiteClient]:
    with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as netsuite:
        yield netsuite


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def sandbox_stats(server: RunningServer) -> dict[str, int]:
    stats: dict[str, int] = requests.get(f"{server.url}/_sandbox/stats", timeout=5).json()
    return stats


# ------------------------------------------------------------------------------------------------ auth


def test_valid_tba_credentials_are_accepted(client: NetSuiteClient) -> None:
    assert client.get("customer", 102)["companyName"] == "Acme Corporation"
    assert client.governance_limits()["accountConcurrencyLimit"] >= 1


@pytest.mark.parametrize(
    "change",
    [
        {"consumer_secret": "wrong-consumer-secret"},
        {"token_secret": "wrong-token-secret"},
        {"token_id": "tk-unknown"},
        {"consumer_key": "ck-unknown"},
        {"account_id": "7654321"},
    ],
    ids=["consumer-secret", "token-secret", "token-id", "consumer-key", "realm"],
)
def test_bad_credentials_raise_auth_error_after_one_retry(
    settings: NetSuiteSettings, netsuite_sandbox: RunningServer, change: dict[str, str]
) -> None:
    bad = replace(settings, **change)
    before = sandbox_stats(netsuite_sandbox)["unauthorized_401"]
    netsuite = NetSuiteClient(bad, limiter=ConcurrencyLimiter(5))
    with netsuite, pytest.raises(NetSuiteAuthError) as caught:
        netsuite.get("customer", 102)
    assert caught.value.status == 401
    assert caught.value.code == "INVALID_LOGIN"
    assert sandbox_stats(netsuite_sandbox)["unauthorized_401"] - before == 2


# ------------------------------------------------------------------------------------------------ records


def test_customer_create_read_update_delete(client: NetSuiteClient) -> None:
    external_id = unique("cus")
    internal_id = client.create(
        "customer",
        {"companyName": "Create Co", "email": "create@example.com", "externalId": external_id,
         "currency": {"id": "1"}, "subsidiary": {"id": "1"}},
    )
    record = client.get("customer", internal_id)
    assert (record["companyName"], record["externalId"]) == ("Create Co", external_id)
    assert client.get_by_external_id("customer", external_id)["id"] == internal_id
    assert client.find_by_external_id("customer", external_id) == internal_id

    client.update("customer", internal_id, {"companyName": "Renamed Co"})
    renamed = client.get("customer", internal_id, fields=["companyName", "email"])
    assert renamed["companyName"] == "Renamed Co"
    assert renamed["email"] == "create@example.com"  # PATCH leaves omitted fields alone

    client.delete("customer", internal_id)
    with pytest.raises(NetSuiteNotFoundError) as caught:
        client.get("customer", internal_id)
    assert caught.value.code == "NONEXISTENT_ID"
    assert client.find_by_external_id("customer", external_id) is None


def test_invoice_item_sublist_is_expanded_and_replaced(client: NetSuiteClient) -> None:
    internal_id = client.create(
        "invoice",
        {"entity": {"id": "104"}, "currency": {"id": "1"}, "tranDate": "2026-10-01",
         "item": {"items": [{"item": {"id": "1"}, "quantity": 2, "rate": 100},
                            {"item": {"id": "2"}, "quantity": 1, "rate": 50}]}},
    )
    invoice = client.get("invoice", internal_id, expand_sub_resources=True)
    assert [line["amount"] for line in invoice["item"]["items"]] == [200, 50]
    assert invoice["amountRemaining"] == 250

    new_lines = {"items": [{"item": {"id": "3"}, "quantity": 1, "rate": 75}]}
    client.update("invoice", internal_id, {"item": new_lines}, replace=["item"])
    replaced = client.get("invoice", internal_id, expand_sub_resources=True)
    assert [line["item"]["id"] for line in replaced["item"]["items"]] == ["3"]
    assert replaced["total"] == 75


def payment(amount: float, invoice: str = "1001") -> dict[str, object]:
    return {
        "customer": {"id": "102"}, "payment": amount, "currency": {"id": "1"}, "undepFunds": {"id": "T"},
        "tranDate": "2026-10-01", "paymentOption": {"id": "1"},
        "apply": {"items": [{"doc": {"id": invoice}, "apply": True, "amount": amount}]},
    }


def test_upsert_twice_is_one_record(client: NetSuiteClient) -> None:
    external_id = unique("ch")
    first = client.upsert("customerPayment", external_id, {**payment(10), "memo": "first"})
    second = client.upsert("customerPayment", external_id, {**payment(10), "memo": "second"})
    assert first == second
    rows = list(client.suiteql(
        f"SELECT id, memo FROM transaction WHERE externalid = '{external_id}' ORDER BY id"
    ))
    assert rows == [{"id": first, "memo": "second"}]
    lines = client.get("customerPayment", first, expand_sub_resources=True)["apply"]["items"]
    # NetSuite lists the customer's other open invoices too, at apply: false.
    assert [(line["doc"]["id"], line["amount"]) for line in lines if line["apply"]] == [("1001", 10)]


def test_over_application_is_a_user_error_with_code_and_path(client: NetSuiteClient) -> None:
    external_id = unique("ch")
    with pytest.raises(NetSuiteUserError) as caught:
        client.upsert("customerPayment", external_id, payment(1_000_000))
    error = caught.value
    assert (error.status, error.code, error.path) == (400, "USER_ERROR", "apply.items[0].amount")
    assert "USER_ERROR" in str(error) and "apply.items[0].amount" in str(error)
    assert client.find_by_external_id("customerPayment", external_id) is None  # nothing was written
    assert client.stats.retries == 0


def test_unknown_record_is_not_found(client: NetSuiteClient) -> None:
    with pytest.raises(NetSuiteNotFoundError):
        client.get("customer", 999_999)


def test_list_pages_through_a_collection(client: NetSuiteClient) -> None:
    ids = list(client.list("customer", page_size=3))
    assert len(ids) == len(set(ids)) >= 10
    assert {str(n) for n in range(101, 111)} <= set(ids)


def test_list_filters_with_q(client: NetSuiteClient) -> None:
    external_id = unique("ch")
    internal_id = client.upsert("customerPayment", external_id, payment(5))
    assert list(client.list("customerPayment", q=f'externalId IS "{external_id}"')) == [internal_id]


def test_suiteql_rows_are_strings_without_links(client: NetSuiteClient) -> None:
    query = "SELECT id, entityid, balance FROM customer WHERE id IN (102, 103) ORDER BY id"
    rows = list(client.suiteql(query))
    assert rows == [
        {"id": "102", "entityid": "CUST102", "balance": rows[0]["balance"]},
        {"id": "103", "entityid": "CUST103", "balance": rows[1]["balance"]},
    ]
    assert all(isinstance(value, str) for row in rows for value in row.values())


def test_user_error_in_suiteql(client: NetSuiteClient) -> None:
    with pytest.raises(NetSuiteUserError):
        list(client.suiteql("SELEC nonsense"))


def test_deposit_upserted_twice_with_replace_keeps_its_total(client: NetSuiteClient) -> None:
    # Deposit `other`/`cashback` lines are unkeyed: a repeated PUT would append them again unless replaced.
    payment_id = client.upsert("customerPayment", unique("ch"), payment(25))
    deposit = {
        "account": {"id": "1"}, "currency": {"id": "1"}, "tranDate": "2026-10-02",
        "payment": {"items": [{"id": payment_id, "deposit": True}]},
        "cashback": {"items": [{"account": {"id": "8"}, "amount": 1.03, "memo": "Stripe fees"}]},
    }
    external_id = unique("po")
    first = client.upsert("deposit", external_id, deposit, replace=["cashback", "other"])
    second = client.upsert("deposit", external_id, deposit, replace=["cashback", "other"])
    assert first == second
    stored = client.get("deposit", first, expand_sub_resources=True)
    assert stored["total"] == pytest.approx(23.97)
    assert len(stored["cashback"]["items"]) == 1
