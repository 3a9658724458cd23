"""NetSuite business rules in the sandbox: apply limits, balances, deposits, currencies, refunds."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import NetSuiteSandboxClient, error_of


def _new_customer(ns: NetSuiteSandboxClient, currency: str = "1", *others: str) -> str:
    return ns.create(
        "customer",
        {
            "companyName": f"Rules Customer {currency}",
            "currency": {"id": currency},
            "currencyList": {"items": [{"currency": {"id": c}} for c in others]},
        },
    )


def _invoice(ns: NetSuiteSandboxClient, customer: str, amount: Any, currency: str | None = None) -> str:
    body: dict[str, Any] = {
        "entity": {"id": customer},
        "item": {"items": [{"item": {"id": "1"}, "rate": amount}]},
    }
    if currency:
        body["currency"] = {"id": currency}
    return ns.create("invoice", body)


def _pay(
    ns: NetSuiteSandboxClient, customer: str, amount: Any, *applies: tuple[str, Any], **extra: Any
) -> str:
    return ns.create(
        "customerPayment",
        {
            "customer": {"id": customer},
            "payment": amount,
            "apply": {"items": [{"doc": {"id": doc}, "apply": True, "amount": a} for doc, a in applies]},
            **extra,
        },
    )


def _balance(ns: NetSuiteSandboxClient, customer: str) -> Any:
    return ns.get("customer", customer)["balance"]


def test_payments_reduce_amount_remaining_and_mark_invoices_paid(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns)
    invoice = _invoice(ns, customer, "200.00")
    _pay(ns, customer, 80, (invoice, 80))
    partly = ns.get("invoice", invoice)
    assert (partly["amountRemaining"], partly["status"]["refName"]) == (120, "Open")
    _pay(ns, customer, 120, (invoice, 120))
    paid = ns.get("invoice", invoice)
    assert (paid["amountRemaining"], paid["status"]["refName"]) == (0, "Paid In Full")
    row = ns.rows(f"SELECT status, foreignamountremaining FROM transaction WHERE id = {invoice}")[0]
    assert row == {"links": [], "status": "B", "foreignamountremaining": "0"}


def test_over_application_is_refused_naming_the_line_and_writes_nothing(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns)
    small, big = _invoice(ns, customer, "50.00"), _invoice(ns, customer, "70.00")
    before = ns.rows("SELECT COUNT(*) AS n FROM transaction")[0]["n"]
    response = ns.request(
        "PUT",
        "/record/v1/customerPayment/eid:pi_OVER",
        json={
            "customer": {"id": customer},
            "payment": 200,
            "apply": {
                "items": [
                    {"doc": {"id": small}, "apply": True, "amount": 50},
                    {"doc": {"id": big}, "apply": True, "amount": 70.01},
                ]
            },
        },
    )
    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "USER_ERROR" and detail["o:errorPath"] == "apply.items[1].amount"
    assert ns.rows("SELECT COUNT(*) AS n FROM transaction")[0]["n"] == before
    assert ns.get("invoice", small)["amountRemaining"] == 50
    assert ns.request("GET", "/record/v1/customerPayment/eid:pi_OVER").status_code == 404


def test_applying_more_than_the_payment_is_refused(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns)
    invoice = _invoice(ns, customer, "100.00")
    response = ns.request(
        "POST",
        "/record/v1/customerPayment",
        json={
            "customer": {"id": customer},
            "payment": 60,
            "apply": {"items": [{"doc": {"id": invoice}, "apply": True, "amount": 61}]},
        },
    )
    assert response.status_code == 400 and error_of(response)["o:errorPath"] == "apply.items[0].amount"


def test_customer_balance_follows_invoices_payments_credits_and_refunds(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns)
    invoice = _invoice(ns, customer, "500.00")
    assert _balance(ns, customer) == 500
    _pay(ns, customer, 100, (invoice, 100))
    assert _balance(ns, customer) == 400
    unapplied = _pay(ns, customer, 30)
    assert _balance(ns, customer) == 370
    payment = ns.get("customerPayment", unapplied)
    assert payment["unapplied"] == 30 and payment["status"]["refName"] == "Not Deposited"
    ns.create(
        "creditMemo",
        {
            "entity": {"id": customer},
            "item": {"items": [{"item": {"id": "3"}, "rate": 20}]},
            "apply": {"items": [{"doc": {"id": invoice}, "amount": 20}]},
        },
    )
    assert _balance(ns, customer) == 350
    assert ns.get("invoice", invoice)["amountRemaining"] == 380
    ns.create(
        "customerRefund",
        {
            "customer": {"id": customer},
            "account": {"id": "1"},
            "apply": {"items": [{"doc": {"id": unapplied}, "apply": True, "amount": 30}]},
        },
    )
    assert _balance(ns, customer) == 380
    assert ns.get("customerPayment", unapplied)["unapplied"] == 0
    assert ns.rows(f"SELECT balance FROM customer WHERE id = {customer}")[0]["balance"] == "380"


def test_refund_cannot_exceed_the_unapplied_amount(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns)
    payment = _pay(ns, customer, "25.00")
    response = ns.request(
        "POST",
        "/record/v1/customerRefund",
        json={"customer": {"id": customer}, "apply": {"items": [{"doc": {"id": payment}, "amount": 25.01}]}},
    )
    assert response.status_code == 400 and error_of(response)["o:errorPath"] == "apply.items[0].amount"


def test_deposit_total_is_computed_and_a_payment_is_deposited_once(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns)
    first, second = (
        _pay(ns, customer, "100.00", undepFunds={"id": "T"}),
        _pay(ns, customer, "55.55", undepFunds={"id": "T"}),
    )
    deposit = ns.create(
        "deposit",
        {
            "account": {"id": "1"},
            "currency": {"id": "1"},
            "payment": {"items": [{"id": int(first), "deposit": True}, {"id": int(second), "deposit": True}]},
            "other": {"items": [{"account": {"id": "10"}, "amount": 4.45}]},
            "cashback": {"items": [{"account": {"id": "8"}, "amount": 5.00, "memo": "fees"}]},
        },
    )
    assert ns.get("deposit", deposit)["total"] == 155
    assert ns.get("customerPayment", first)["status"]["refName"] == "Deposited"
    again = ns.request(
        "POST",
        "/record/v1/deposit",
        json={"account": {"id": "1"}, "payment": {"items": [{"id": int(first), "deposit": True}]}},
    )
    assert again.status_code == 400
    assert (
        error_of(again)["o:errorCode"] == "USER_ERROR"
        and error_of(again)["o:errorPath"] == "payment.items[0].id"
    )
    assert ns.request("DELETE", f"/record/v1/customerPayment/{first}").status_code == 400


def test_only_undeposited_payments_can_be_deposited(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns)
    direct = _pay(ns, customer, "10.00", undepFunds={"id": "F"}, account={"id": "1"})
    response = ns.request(
        "POST",
        "/record/v1/deposit",
        json={"account": {"id": "1"}, "payment": {"items": [{"id": int(direct), "deposit": True}]}},
    )
    assert response.status_code == 400 and error_of(response)["o:errorCode"] == "USER_ERROR"
    to_undeposited = ns.request(
        "POST",
        "/record/v1/deposit",
        json={"account": {"id": "7"}, "other": {"items": [{"account": {"id": "10"}, "amount": 1}]}},
    )
    assert to_undeposited.status_code == 400


def test_transaction_currency_must_be_one_of_the_customers(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns, "1", "4")
    assert _invoice(ns, customer, "10.00", currency="4")
    refused = ns.request(
        "POST",
        "/record/v1/invoice",
        json={
            "entity": {"id": customer},
            "currency": {"id": "2"},
            "item": {"items": [{"item": {"id": "1"}, "rate": 1}]},
        },
    )
    assert refused.status_code == 400 and error_of(refused)["o:errorPath"] == "currency"
    record = ns.get("customer", customer, expandSubResources="true")
    balances = {line["currency"]["id"]: line["balance"] for line in record["currencyList"]["items"]}
    assert balances == {"1": 0, "4": 10}


def test_amounts_follow_the_currency_exponent(ns: NetSuiteSandboxClient) -> None:
    yen = _new_customer(ns, "5")
    assert ns.get("invoice", _invoice(ns, yen, 1500))["total"] == 1500
    fractional = ns.request(
        "POST", "/record/v1/customerPayment", json={"customer": {"id": yen}, "payment": 10.5}
    )
    assert fractional.status_code == 400 and error_of(fractional)["o:errorPath"] == "payment"
    dinar = _new_customer(ns, "6")
    invoice = _invoice(ns, dinar, "12.345")
    _pay(ns, dinar, "2.005", (invoice, "2.005"))
    assert ns.get("invoice", invoice)["amountRemaining"] == 10.34


def test_applying_to_another_customers_invoice_is_refused(ns: NetSuiteSandboxClient) -> None:
    customer = _new_customer(ns)
    response = ns.request(
        "POST",
        "/record/v1/customerPayment",
        json={
            "customer": {"id": customer},
            "payment": 10,
            "apply": {"items": [{"doc": {"id": "1001"}, "amount": 10}]},
        },
    )
    assert response.status_code == 400 and error_of(response)["o:errorPath"] == "apply.items[0].doc"


def test_seeded_data_has_open_partly_paid_and_paid_invoices(ns: NetSuiteSandboxClient) -> None:
    rows = ns.rows(
        "SELECT status, COUNT(*) AS n FROM transaction WHERE type = 'CustInvc' AND entity < 111 "
        "GROUP BY status ORDER BY status"
    )
    counts = {row["status"]: int(row["n"]) for row in rows}
    assert counts["A"] >= 20 and counts["B"] >= 9
    partly = ns.rows(
        "SELECT COUNT(*) AS n FROM transaction WHERE type = 'CustInvc' AND entity < 111 "
        "AND foreignamountremaining > 0 AND foreignamountremaining < foreigntotal"
    )
    assert int(partly[0]["n"]) >= 9
