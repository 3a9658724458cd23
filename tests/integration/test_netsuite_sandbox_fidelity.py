"""NetSuite sandbox vs the REST API Browser and Oracle's REST pages, through a generic OAuth 1.0 client.

Field names, unknown-name validation, keyed sublists, unapplying, deposit lines (incl. foreign currency),
transforms, asynchronous jobs with idempotency keys, status text and bad references.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.conftest import NetSuiteSandboxClient, error_of

ERROR = {"X-NetSuite-PropertyNameValidation": "Error"}
UNDEPOSITED = {"id": "T"}


def _id(response: Any) -> str:
    assert response.status_code == 204, response.text
    return str(response.headers["Location"].rsplit("/", 1)[-1])


def _invoice(ns: NetSuiteSandboxClient, customer: str, rate: str, currency: str | None = None) -> str:
    body: dict[str, Any] = {
        "entity": {"id": customer},
        "item": {"items": [{"item": {"id": "1"}, "rate": rate}]},
    }
    if currency:
        body["currency"] = {"id": currency}
    return ns.create("invoice", body)


def _payment(ns: NetSuiteSandboxClient, customer: str, amount: str, currency: str = "1", **extra: Any) -> str:
    body = {
        "customer": {"id": customer},
        "currency": {"id": currency},
        "payment": amount,
        "undepFunds": UNDEPOSITED,
        "paymentOption": {"id": "1"},
        **extra,
    }
    return _id(ns.request("POST", "/record/v1/customerPayment", json=body, headers=ERROR))


def _count(ns: NetSuiteSandboxClient, trantype: str) -> int:
    return int(ns.rows(f"SELECT COUNT(*) AS n FROM transaction WHERE type = '{trantype}'")[0]["n"])


def _lines(record: dict[str, Any], sublist: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = record[sublist]["items"]
    return items


# ------------------------------------------------------------------------------------------------ field names


def test_deposit_with_cashback_lines_totals_payments_plus_other_minus_cashback(
    ns: NetSuiteSandboxClient,
) -> None:
    payments = {
        _payment(ns, "104", "100.00"): Decimal("100.00"),
        _payment(ns, "104", "55.55"): Decimal("55.55"),
    }
    other, fees = [Decimal("4.45"), Decimal("1.10")], [Decimal("3.20"), Decimal("0.35")]
    body = {
        "account": {"id": "1"},
        "payment": {"items": [{"id": int(p), "deposit": True} for p in payments]},
        "other": {"items": [{"account": {"id": "10"}, "amount": str(a)} for a in other]},
        "cashback": {
            "items": [{"account": {"id": "8"}, "amount": str(a), "memo": "Stripe fees"} for a in fees]
        },
    }
    deposit = _id(ns.request("POST", "/record/v1/deposit", json=body, headers=ERROR))
    record = ns.get("deposit", deposit, expandSubResources="true")
    expected = sum(payments.values()) + sum(other) - sum(fees)
    assert Decimal(str(record["total"])) == expected
    assert [Decimal(str(line["amount"])) for line in _lines(record, "cashback")] == fees
    row = ns.rows(f"SELECT foreigntotal FROM transaction WHERE id = {deposit}")[0]
    assert Decimal(row["foreigntotal"]) == expected


def test_cashBack_is_refused_under_the_error_header_naming_the_field(ns: NetSuiteSandboxClient) -> None:
    payment = _payment(ns, "104", "20.00")
    body = {
        "account": {"id": "1"},
        "payment": {"items": [{"id": int(payment), "deposit": True}]},
        "cashBack": {"items": [{"account": {"id": "8"}, "amount": "0.88"}]},
    }
    before = _count(ns, "Deposit")
    refused = ns.request("POST", "/record/v1/deposit", json=body, headers=ERROR)
    assert refused.status_code == 400
    detail = error_of(refused)
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("NONEXISTENT_FIELD", "cashBack")
    assert "cashBack" in detail["detail"]
    assert _count(ns, "Deposit") == before

    # NetSuite's default (Warning) writes the deposit without its fee line: the money the issue is about.
    warned = ns.request("POST", "/record/v1/deposit", json=body)
    assert warned.headers["X-NetSuite-Warning"] == "Ignored property names: cashBack"
    assert ns.get("deposit", _id(warned))["total"] == 20


def test_payment_fields_follow_the_rest_api_browser(ns: NetSuiteSandboxClient) -> None:
    invoice = _invoice(ns, "104", "30.00")
    body = {
        "customer": {"id": "104"},
        "payment": "30.00",
        "undepFunds": UNDEPOSITED,
        "paymentOption": {"id": "1"},
        "checkNumber": "CHK-1",
        "arAcct": {"id": "9"},
        "apply": {"items": [{"doc": {"id": invoice}, "amount": "30.00"}]},
    }
    payment = _id(ns.request("POST", "/record/v1/customerPayment", json=body, headers=ERROR))
    record = ns.get("customerPayment", payment)
    assert record["undepFunds"] == {"id": "T", "refName": "Undeposited Funds"}
    assert record["paymentOption"]["id"] == "1" and record["checkNumber"] == "CHK-1"
    assert record["arAcct"]["id"] == "9"
    for wrong in ("paymentMethod", "checkNum", "aracct"):
        bad = ns.request(
            "POST", "/record/v1/customerPayment", json={**body, wrong: {"id": "1"}}, headers=ERROR
        )
        assert (bad.status_code, error_of(bad)["o:errorPath"]) == (400, wrong)
    boolean = ns.request(
        "POST", "/record/v1/customerPayment", json={**body, "undepFunds": True}, headers=ERROR
    )
    assert boolean.status_code == 400 and error_of(boolean)["o:errorPath"] == "undepFunds"
    refund = ns.request(
        "POST",
        "/record/v1/customerRefund",
        headers=ERROR,
        json={
            "customer": {"id": "104"},
            "refundMethod": {"id": "1"},
            "apply": {"items": [{"doc": {"id": payment}, "amount": 1}]},
        },
    )
    assert error_of(refund)["o:errorPath"] == "refundMethod"


def test_auto_apply_pays_the_oldest_open_invoices_first(ns: NetSuiteSandboxClient) -> None:
    customer = ns.create("customer", {"companyName": "Auto Apply Co", "currency": {"id": "1"}})
    older = ns.create(
        "invoice",
        {
            "entity": {"id": customer},
            "tranDate": "2026-09-01",
            "item": {"items": [{"item": {"id": "1"}, "rate": "60.00"}]},
        },
    )
    newer = ns.create(
        "invoice",
        {
            "entity": {"id": customer},
            "tranDate": "2026-09-05",
            "item": {"items": [{"item": {"id": "1"}, "rate": "50.00"}]},
        },
    )
    _payment(ns, customer, "80.00", autoApply=True)
    assert ns.get("invoice", older)["amountRemaining"] == 0
    assert ns.get("invoice", newer)["amountRemaining"] == 30


def test_custom_fields_are_writable_under_the_error_header(ns: NetSuiteSandboxClient) -> None:
    link = "https://pay.example/c/106"
    response = ns.request(
        "PATCH", "/record/v1/customer/106", json={"custentity_stripe_payment_link": link}, headers=ERROR
    )
    assert response.status_code == 204
    assert ns.get("customer", "106")["custentity_stripe_payment_link"] == link


def test_create_only_exchange_rate_is_ignored_on_update_with_a_warning(ns: NetSuiteSandboxClient) -> None:
    deposit = ns.create(
        "deposit",
        {
            "account": {"id": "1"},
            "exchangeRate": "1",
            "other": {"items": [{"account": {"id": "10"}, "amount": "5"}]},
        },
    )
    response = ns.request("PATCH", f"/record/v1/deposit/{deposit}", json={"exchangeRate": "2", "memo": "m"})
    assert response.status_code == 204
    assert response.headers["X-NetSuite-Warning"] == "Ignored property names: exchangeRate (create-only)"
    record = ns.get("deposit", deposit)
    assert record["exchangeRate"] == 1 and record["memo"] == "m"


def test_bad_property_name_validation_header_is_refused(ns: NetSuiteSandboxClient) -> None:
    response = ns.request(
        "POST",
        "/record/v1/customer",
        json={"companyName": "X"},
        headers={"X-NetSuite-PropertyNameValidation": "strict"},
    )
    assert response.status_code == 400 and error_of(response)["o:errorCode"] == "INVALID_PARAMETER"


# ------------------------------------------------------------------------------------------------ sublists


@pytest.mark.parametrize("unapply", [{"amount": 0}, {"apply": False}], ids=["amount-0", "apply-false"])
def test_unapply_returns_the_amount_to_the_invoice(
    ns: NetSuiteSandboxClient, unapply: dict[str, Any]
) -> None:
    invoice = _invoice(ns, "104", "70.00")
    payment = _payment(ns, "104", "70.00", apply={"items": [{"doc": {"id": invoice}, "amount": "70.00"}]})
    assert ns.get("invoice", invoice)["amountRemaining"] == 0
    response = ns.request(
        "PATCH",
        f"/record/v1/customerPayment/{payment}",
        headers=ERROR,
        json={"apply": {"items": [{"doc": {"id": invoice}, **unapply}]}},
    )
    assert response.status_code == 204, response.text
    assert ns.get("invoice", invoice)["amountRemaining"] == 70
    record = ns.get("customerPayment", payment, expandSubResources="true")
    assert (record["applied"], record["unapplied"]) == (0, 70)
    line = next(line for line in _lines(record, "apply") if line["doc"]["id"] == invoice)
    assert (line["apply"], line["amount"], line["due"]) == (False, 0, 70)
    row = ns.rows(f"SELECT status, foreignamountremaining FROM transaction WHERE id = {invoice}")[0]
    assert (row["status"], row["foreignamountremaining"]) == ("A", "70")


def test_apply_list_is_pre_filled_with_open_invoices(ns: NetSuiteSandboxClient) -> None:
    customer = ns.create("customer", {"companyName": "Prefill Co", "currency": {"id": "1"}})
    first, second = _invoice(ns, customer, "10.00"), _invoice(ns, customer, "20.00")
    payment = _payment(ns, customer, "10.00", apply={"items": [{"doc": {"id": first}, "apply": True}]})
    lines = _lines(ns.get("customerPayment", payment, expandSubResources="true"), "apply")
    assert [(line["doc"]["id"], line["apply"], line["amount"], line["due"]) for line in lines] == [
        (first, True, 10, 0),
        (second, False, 0, 20),
    ]
    assert lines[0]["currency"] == "US Dollar" and lines[0]["type"] == "Invoice"


def test_deposit_payment_lines_need_deposit_true(ns: NetSuiteSandboxClient) -> None:
    kept, taken = _payment(ns, "104", "11.00"), _payment(ns, "104", "22.00")
    deposit = _id(
        ns.request(
            "POST",
            "/record/v1/deposit",
            headers=ERROR,
            json={
                "account": {"id": "1"},
                "payment": {"items": [{"id": int(kept)}, {"id": int(taken), "deposit": True}]},
            },
        )
    )
    record = ns.get("deposit", deposit, expandSubResources="true")
    assert record["total"] == 22
    lines = {str(line["id"]): line for line in _lines(record, "payment")}
    assert lines[taken]["deposit"] is True and lines[taken]["paymentAmount"] == 22
    # The list is pre-filled with every undeposited payment at deposit: false.
    assert lines[kept]["deposit"] is False and lines[kept]["transactionAmount"] == 11
    assert ns.get("customerPayment", kept)["status"]["id"] == "Not Deposited"
    only_undeposited = ns.request(
        "POST",
        "/record/v1/deposit",
        headers=ERROR,
        json={"account": {"id": "1"}, "payment": {"items": [{"id": int(kept)}]}},
    )
    assert only_undeposited.status_code == 400 and error_of(only_undeposited)["o:errorCode"] == "USER_ERROR"


def test_deposit_payment_list_merges_by_id_and_replace_replaces(ns: NetSuiteSandboxClient) -> None:
    first, second = _payment(ns, "104", "5.00"), _payment(ns, "104", "6.00")
    deposit = ns.create(
        "deposit",
        {
            "account": {"id": "1"},
            "payment": {"items": [{"id": int(first), "deposit": True}]},
            "cashback": {"items": [{"account": {"id": "8"}, "amount": "1.00"}]},
        },
    )
    ns.request(
        "PATCH",
        f"/record/v1/deposit/{deposit}",
        headers=ERROR,
        json={"payment": {"items": [{"id": int(second), "deposit": True}]}},
    )
    assert ns.get("deposit", deposit)["total"] == 10  # 5 + 6 - 1: merged by id, nothing replaced
    ns.request(
        "PATCH",
        f"/record/v1/deposit/{deposit}",
        params={"replace": "payment,cashback"},
        headers=ERROR,
        json={"payment": {"items": [{"id": int(second), "deposit": True}]}, "cashback": {"items": []}},
    )
    assert ns.get("deposit", deposit)["total"] == 6
    assert ns.get("customerPayment", first)["status"]["id"] == "Not Deposited"


# ------------------------------------------------------------------------------------------------ currencies


def test_usd_deposit_holds_a_eur_payment_at_its_usd_amount(ns: NetSuiteSandboxClient) -> None:
    eur_payment = _payment(ns, "105", "100.00", currency="4")
    usd_payment = _payment(ns, "104", "50.00")
    settled, fee = Decimal("107.53"), Decimal("3.41")  # what the bank received for the EUR 100, and a fee
    deposit = _id(
        ns.request(
            "POST",
            "/record/v1/deposit",
            headers=ERROR,
            json={
                "account": {"id": "1"},
                "payment": {
                    "items": [
                        {"id": int(eur_payment), "deposit": True, "paymentAmount": str(settled)},
                        {"id": int(usd_payment), "deposit": True},
                    ]
                },
                "cashback": {"items": [{"account": {"id": "8"}, "amount": str(fee)}]},
            },
        )
    )
    record = ns.get("deposit", deposit, expandSubResources="true")
    assert record["currency"]["refName"] == "US Dollar"
    assert Decimal(str(record["total"])) == settled + Decimal("50.00") - fee
    line = next(line for line in _lines(record, "payment") if str(line["id"]) == eur_payment)
    assert (Decimal(str(line["paymentAmount"])), line["transactionAmount"]) == (settled, 100)
    assert line["currency"]["refName"] == "Euro"
    assert ns.get("customerPayment", eur_payment)["status"]["id"] == "Deposited"
    amounts = ns.rows(
        f"SELECT foreignamount FROM transactionline WHERE transaction = {deposit} AND mainline = 'F'"
        " ORDER BY id"
    )
    assert [Decimal(row["foreignamount"]) for row in amounts] == [settled, Decimal("50"), -fee]


def test_foreign_payment_defaults_to_its_converted_amount_and_same_currency_is_deposited_whole(
    ns: NetSuiteSandboxClient,
) -> None:
    eur_payment = _payment(ns, "105", "10.00", currency="4")
    deposit = ns.create(
        "deposit", {"account": {"id": "1"}, "payment": {"items": [{"id": int(eur_payment), "deposit": True}]}}
    )
    # EUR 10 at the seeded rates (EUR 1.08, USD 1) is USD 10.80.
    assert ns.get("deposit", deposit)["total"] == 10.8
    usd_payment = _payment(ns, "104", "10.00")
    partial = ns.request(
        "POST",
        "/record/v1/deposit",
        headers=ERROR,
        json={
            "account": {"id": "1"},
            "payment": {"items": [{"id": int(usd_payment), "deposit": True, "paymentAmount": "9.99"}]},
        },
    )
    assert partial.status_code == 400 and error_of(partial)["o:errorPath"] == "payment.items[0].paymentAmount"
    jpy = ns.request(
        "POST",
        "/record/v1/deposit",
        headers=ERROR,
        json={
            "account": {"id": "5"},
            "payment": {"items": [{"id": int(usd_payment), "deposit": True, "paymentAmount": "1500.5"}]},
        },
    )
    assert jpy.status_code == 400 and "decimal places" in error_of(jpy)["detail"]


# ------------------------------------------------------------------------------------------------ transforms


def test_invoice_transforms_to_a_payment_for_what_remains(ns: NetSuiteSandboxClient) -> None:
    invoice = _invoice(ns, "104", "90.00")
    _payment(ns, "104", "15.00", apply={"items": [{"doc": {"id": invoice}, "amount": "15.00"}]})
    response = ns.request(
        "POST",
        f"/record/v1/invoice/{invoice}/!transform/customerPayment",
        headers=ERROR,
        json={"undepFunds": UNDEPOSITED, "externalId": "tr_inv_pay"},
    )
    payment = ns.get("customerPayment", _id(response), expandSubResources="true")
    assert (
        payment["customer"]["id"] == "104"
        and payment["payment"] == 75
        and payment["externalId"] == "tr_inv_pay"
    )
    assert [(line["doc"]["id"], line["amount"]) for line in _lines(payment, "apply") if line["apply"]] == [
        (invoice, 75)
    ]
    assert ns.get("invoice", invoice)["status"]["id"] == "Paid In Full"


def test_invoice_transforms_to_a_credit_memo_applied_to_it(ns: NetSuiteSandboxClient) -> None:
    invoice = _invoice(ns, "102", "40.00")
    memo = ns.get(
        "creditMemo",
        _id(ns.request("POST", f"/record/v1/invoice/{invoice}/!transform/creditMemo")),
        expandSubResources="true",
    )
    assert memo["entity"]["id"] == "102" and memo["total"] == 40
    assert [line["item"]["id"] for line in _lines(memo, "item")] == ["1"]
    assert ns.get("invoice", invoice)["amountRemaining"] == 0


def test_payment_transforms_to_a_customer_refund(ns: NetSuiteSandboxClient) -> None:
    payment = _payment(ns, "107", "25.00", currency="3")
    response = ns.request(
        "POST",
        f"/record/v1/customerPayment/{payment}/!transform/customerRefund",
        headers=ERROR,
        json={"account": {"id": "3"}},
    )
    refund = ns.get("customerRefund", _id(response), expandSubResources="true")
    assert (refund["customer"]["id"], refund["currency"]["id"], refund["total"]) == ("107", "3", 25)
    assert [(line["doc"]["id"], line["amount"]) for line in _lines(refund, "apply") if line["apply"]] == [
        (payment, 25)
    ]
    assert ns.get("customerPayment", payment)["unapplied"] == 0


def test_credit_memo_transforms_to_a_customer_refund_and_other_pairs_are_refused(
    ns: NetSuiteSandboxClient,
) -> None:
    memo = ns.create(
        "creditMemo", {"entity": {"id": "103"}, "item": {"items": [{"item": {"id": "3"}, "rate": 12}]}}
    )
    refund = ns.get(
        "customerRefund",
        _id(
            ns.request(
                "POST",
                f"/record/v1/creditMemo/{memo}/!transform/customerRefund",
                json={"apply": {"items": [{"doc": {"id": memo}, "amount": 5}]}},
            )
        ),
    )
    assert refund["total"] == 5 and ns.get("creditMemo", memo)["unapplied"] == 7
    refused = ns.request("POST", "/record/v1/deposit/1054/!transform/customerRefund")
    assert refused.status_code == 400 and error_of(refused)["o:errorCode"] == "INVALID_PARAMETER"


# ------------------------------------------------------------------------------------------------ async


def test_async_request_answers_202_with_a_job_whose_result_is_the_record(ns: NetSuiteSandboxClient) -> None:
    body = {"customer": {"id": "104"}, "payment": "9.00", "undepFunds": UNDEPOSITED}
    accepted = ns.request(
        "PUT",
        "/record/v1/customerPayment/eid:async_pay_1",
        json=body,
        headers={**ERROR, "Prefer": "respond-async", "X-NetSuite-Idempotency-Key": "key-async-1"},
    )
    assert accepted.status_code == 202 and accepted.content == b""
    assert accepted.headers["Preference-Applied"] == "respond-async"
    location = accepted.headers["Location"]
    assert location.startswith("/services/rest/async/v1/job/")
    job = ns.session.get(ns.url + location, timeout=30).json()
    assert (job["completed"], job["progress"], job["id"]) == (True, "succeeded", location.rsplit("/", 1)[-1])
    tasks = ns.request("GET", f"/async/v1/job/{job['id']}/task").json()
    task_id = tasks["items"][0]["id"]
    task = ns.request("GET", f"/async/v1/job/{job['id']}/task/{task_id}").json()
    assert task["progress"] == "succeeded" and task["links"][0]["rel"] == "related"
    result = ns.request("GET", f"/async/v1/job/{job['id']}/task/{task_id}/result")
    assert result.status_code == 204
    created = ns.get("customerPayment", "eid:async_pay_1")
    assert result.headers["Location"].endswith(f"/record/v1/customerPayment/{created['id']}")

    again = ns.request(
        "PUT",
        "/record/v1/customerPayment/eid:async_pay_1",
        json={**body, "memo": "twice"},
        headers={"Prefer": "respond-async", "X-NetSuite-Idempotency-Key": "key-async-1"},
    )
    assert again.status_code == 400 and again.headers["Location"] == location
    assert again.json()["title"] == "Conflict" and error_of(again)["o:errorCode"] == "IDEMPOTENCY_ERROR"
    assert "memo" not in ns.get("customerPayment", "eid:async_pay_1")


def test_failed_async_job_keeps_the_error_and_sync_requests_ignore_the_key(ns: NetSuiteSandboxClient) -> None:
    bad = ns.request(
        "POST",
        "/record/v1/customerPayment",
        json={"customer": {"id": "104"}, "cashBack": 1},
        headers={**ERROR, "Prefer": "respond-async", "X-NetSuite-Idempotency-Key": "key-async-bad"},
    )
    job_id = bad.headers["Location"].rsplit("/", 1)[-1]
    assert ns.request("GET", f"/async/v1/job/{job_id}").json()["progress"] == "failed"
    result = ns.request("GET", f"/async/v1/job/{job_id}/task/{job_id}/result")
    assert result.status_code == 400 and error_of(result)["o:errorPath"] == "cashBack"
    for memo in ("one", "two"):  # the key means nothing without respond-async
        response = ns.request(
            "POST",
            "/record/v1/customer",
            json={"companyName": f"Sync {memo}"},
            headers={"X-NetSuite-Idempotency-Key": "key-sync"},
        )
        assert response.status_code == 204


def test_a_job_stays_pending_until_it_has_run(ns: NetSuiteSandboxClient) -> None:
    ns.control("POST", "/config", {"async_delay_ms": 400})
    try:
        accepted = ns.request(
            "POST",
            "/record/v1/customer",
            json={"companyName": "Later Co"},
            headers={"Prefer": "respond-async"},
        )
        job_id = accepted.headers["Location"].rsplit("/", 1)[-1]
        pending = ns.request("GET", f"/async/v1/job/{job_id}").json()
        assert (pending["completed"], pending["progress"]) == (False, "pending")
        assert "endTime" not in ns.request("GET", f"/async/v1/job/{job_id}/task/{job_id}").json()
        assert ns.request("GET", f"/async/v1/job/{job_id}/task/{job_id}/result").status_code == 400
        deadline = time.monotonic() + 10
        while not ns.request("GET", f"/async/v1/job/{job_id}").json()["completed"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        result = ns.request("GET", f"/async/v1/job/{job_id}/task/{job_id}/result")
        assert result.status_code == 204 and "/record/v1/customer/" in result.headers["Location"]
    finally:
        ns.control("POST", "/config", {"async_delay_ms": 0})


# ---------------------------------------------------------------------------------------- status, references


def test_rest_reads_show_status_text_and_suiteql_keeps_letters(ns: NetSuiteSandboxClient) -> None:
    assert ns.get("customerPayment", "1005")["status"] == {"id": "Deposited", "refName": "Deposited"}
    assert ns.get("customerPayment", "1003")["status"] == {"id": "Not Deposited", "refName": "Not Deposited"}
    assert ns.get("invoice", "1004")["status"] == {"id": "Paid In Full", "refName": "Paid In Full"}
    assert ns.get("creditMemo", "1012")["status"] == {"id": "Fully Applied", "refName": "Fully Applied"}
    rows = ns.rows(
        "SELECT id, status, BUILTIN.DF(status) AS text FROM transaction WHERE id IN (1003, 1005) ORDER BY id"
    )
    assert [(r["status"], r["text"]) for r in rows] == [
        ("B", "Payment : Not Deposited"),
        ("C", "Payment : Deposited"),
    ]


def test_bad_reference_in_a_line_is_invalid_content_naming_the_path(ns: NetSuiteSandboxClient) -> None:
    response = ns.request(
        "POST",
        "/record/v1/customerPayment",
        headers=ERROR,
        json={
            "customer": {"id": "104"},
            "payment": 1,
            "apply": {"items": [{"doc": {"id": "9999999"}, "amount": 1}]},
        },
    )
    assert response.status_code == 400
    detail = error_of(response)
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("INVALID_CONTENT", "apply.items[0].doc")
    assert "Invalid Field Value 9999999 for the following field: doc" in detail["detail"]
