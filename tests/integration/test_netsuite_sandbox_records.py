"""REST records in the NetSuite sandbox: create/read/update/upsert/delete, sublists, external ids, errors."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import NetSuiteSandboxClient, error_of


def _invoice_body(customer: str, *lines: tuple[int, str], **extra: object) -> dict[str, object]:
    return {
        "entity": {"id": customer},
        "tranDate": "2026-11-01",
        "item": {"items": [{"item": {"id": str(item)}, "quantity": 1, "rate": rate} for item, rate in lines]},
        **extra,
    }


def test_create_answers_204_with_location_on_the_callers_host(ns: NetSuiteSandboxClient) -> None:
    response = ns.request("POST", "/record/v1/customer", json={"companyName": "Location Co"})
    assert response.status_code == 204
    assert response.content == b""
    location = response.headers["Location"]
    assert location.startswith(ns.base + "/record/v1/customer/")
    assert ns.get("customer", location.rsplit("/", 1)[-1])["companyName"] == "Location Co"


def test_read_by_id_and_external_id_returns_references_and_self_links(ns: NetSuiteSandboxClient) -> None:
    customer = ns.create(
        "customer", {"companyName": "Ref Co", "externalId": "cus_REF123", "currency": {"id": "4"}}
    )
    by_eid = ns.get("customer", "eid:cus_REF123")
    assert by_eid["id"] == customer
    assert by_eid["links"] == [{"rel": "self", "href": f"{ns.base}/record/v1/customer/{customer}"}]
    assert by_eid["currency"]["id"] == "4"
    assert by_eid["currency"]["refName"] == "Euro"
    assert by_eid["currency"]["links"][0]["href"].endswith("/record/v1/currency/4")


def test_missing_record_is_404_nonexistent_id(ns: NetSuiteSandboxClient) -> None:
    for key in ("999999", "eid:no_such_customer"):
        response = ns.request("GET", f"/record/v1/customer/{key}")
        assert response.status_code == 404
        assert error_of(response)["o:errorCode"] == "NONEXISTENT_ID"


def test_unknown_field_is_dropped_with_a_warning_by_default(ns: NetSuiteSandboxClient) -> None:
    body = {"companyName": "Warn Co", "favouriteColour": "blue"}
    response = ns.request("POST", "/record/v1/customer", json=body)
    assert response.status_code == 204
    assert response.headers["X-NetSuite-Warning"] == "Ignored property names: favouriteColour"
    created = ns.get("customer", response.headers["Location"].rsplit("/", 1)[-1])
    assert created["companyName"] == "Warn Co" and "favouriteColour" not in created


def test_unknown_field_is_refused_with_its_path_under_the_error_header(ns: NetSuiteSandboxClient) -> None:
    strict = {"X-NetSuite-PropertyNameValidation": "Error"}
    response = ns.request(
        "POST", "/record/v1/customer", json={"companyName": "X", "favouriteColour": "blue"}, headers=strict
    )
    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "NONEXISTENT_FIELD"
    assert detail["o:errorPath"] == "favouriteColour"
    line = ns.request(
        "POST",
        "/record/v1/invoice",
        json={
            "entity": {"id": "104"},
            "item": {"items": [{"item": {"id": "1"}, "rate": 5, "colour": "red"}]},
        },
        headers=strict,
    )
    assert error_of(line)["o:errorPath"] == "item.items[0].colour"


def test_unknown_field_is_dropped_silently_under_ignore(ns: NetSuiteSandboxClient) -> None:
    response = ns.request(
        "POST",
        "/record/v1/customer",
        json={"companyName": "Quiet Co", "favouriteColour": "blue"},
        headers={"X-NetSuite-PropertyNameValidation": "Ignore"},
    )
    assert response.status_code == 204 and "X-NetSuite-Warning" not in response.headers


def test_reference_to_a_missing_record_is_invalid_content(ns: NetSuiteSandboxClient) -> None:
    response = ns.request("POST", "/record/v1/invoice", json=_invoice_body("99999", (1, "10.00")))
    assert response.status_code == 400
    detail = error_of(response)
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("INVALID_CONTENT", "entity")
    assert "Invalid Field Value 99999 for the following field: entity" in detail["detail"]


def test_patch_keeps_omitted_fields_and_null_clears(ns: NetSuiteSandboxClient) -> None:
    customer = ns.create("customer", {"companyName": "Patch Co", "email": "p@example.com", "phone": "555"})
    response = ns.request("PATCH", f"/record/v1/customer/{customer}", json={"phone": None, "comments": "vip"})
    assert response.status_code == 204
    record = ns.get("customer", customer)
    assert record["email"] == "p@example.com" and record["comments"] == "vip" and "phone" not in record


def test_sublists_are_links_unless_expanded(ns: NetSuiteSandboxClient) -> None:
    invoice = ns.get("invoice", "1001")
    assert invoice["item"] == {"links": [{"rel": "self", "href": f"{ns.base}/record/v1/invoice/1001/item"}]}
    expanded = ns.get("invoice", "1001", expandSubResources="true")
    lines = expanded["item"]["items"]
    assert (
        len(lines) == 1
        and lines[0]["amount"] == 1500
        and lines[0]["item"]["refName"] == "Consulting Services"
    )
    sublist = ns.request("GET", "/record/v1/invoice/1001/item").json()
    assert sublist["items"][0]["quantity"] == 10


def test_fields_parameter_selects_fields(ns: NetSuiteSandboxClient) -> None:
    record = ns.get("invoice", "1002", fields="total,amountRemaining")
    assert set(record) == {"links", "id", "total", "amountRemaining"}
    assert record["total"] == 2400 and record["amountRemaining"] == 1400


def test_unkeyed_sublist_lines_are_appended_and_replace_replaces(ns: NetSuiteSandboxClient) -> None:
    invoice = ns.create("invoice", _invoice_body("104", (1, "100.00")))
    ns.request(
        "PATCH",
        f"/record/v1/invoice/{invoice}",
        json={"item": {"items": [{"item": {"id": "2"}, "rate": 50}]}},
    )
    assert ns.get("invoice", invoice)["total"] == 150
    ns.request(
        "PATCH",
        f"/record/v1/invoice/{invoice}",
        params={"replace": "item"},
        json={"item": {"items": [{"item": {"id": "3"}, "rate": 20}]}},
    )
    record = ns.get("invoice", invoice, expandSubResources="true")
    assert record["total"] == 20 and len(record["item"]["items"]) == 1


def _applied(record: dict[str, Any]) -> list[tuple[str, Any]]:
    """(document id, amount) of the lines a record applies; the rest are NetSuite's apply: false pre-fill."""
    return [(line["doc"]["id"], line["amount"]) for line in record["apply"]["items"] if line["apply"]]


def test_keyed_apply_lines_merge_by_document(ns: NetSuiteSandboxClient) -> None:
    invoice = ns.create("invoice", _invoice_body("104", (1, "300.00")))
    payment = ns.create(
        "customerPayment",
        {
            "customer": {"id": "104"},
            "payment": 300,
            "apply": {"items": [{"doc": {"id": invoice}, "apply": True, "amount": 100}]},
        },
    )
    ns.request(
        "PATCH",
        f"/record/v1/customerPayment/{payment}",
        json={"apply": {"items": [{"doc": {"id": invoice}, "apply": True, "amount": 250}]}},
    )
    record = ns.get("customerPayment", payment, expandSubResources="true")
    assert _applied(record) == [(invoice, 250)]
    assert record["applied"] == 250 and record["unapplied"] == 50


def test_replace_on_a_keyed_sublist_removes_unnamed_lines(ns: NetSuiteSandboxClient) -> None:
    first, second = (ns.create("invoice", _invoice_body("104", (1, "40.00"))) for _ in range(2))
    payment = ns.create(
        "customerPayment",
        {
            "customer": {"id": "104"},
            "payment": 80,
            "apply": {
                "items": [
                    {"doc": {"id": first}, "apply": True, "amount": 40},
                    {"doc": {"id": second}, "apply": True, "amount": 40},
                ]
            },
        },
    )
    response = ns.request(
        "PATCH",
        f"/record/v1/customerPayment/{payment}",
        params={"replace": "apply"},
        json={"apply": {"items": [{"doc": {"id": second}}]}},
    )
    assert response.status_code == 204
    record = ns.get("customerPayment", payment, expandSubResources="true")
    assert _applied(record) == [(second, 40)]
    assert ns.get("invoice", first)["amountRemaining"] == 40 and record["unapplied"] == 40
    # The unnamed line went back to NetSuite's pre-filled state: listed, apply false.
    assert {"doc": first, "apply": False} in [
        {"doc": line["doc"]["id"], "apply": line["apply"]} for line in record["apply"]["items"]
    ]


def test_upsert_twice_makes_one_record(ns: NetSuiteSandboxClient) -> None:
    body = {"customer": {"id": "102"}, "payment": 12.34, "memo": "ch_upsert"}
    first = ns.request("PUT", "/record/v1/customerPayment/eid:ch_UPSERT_1", json=body)
    second = ns.request("PUT", "/record/v1/customerPayment/eid:ch_UPSERT_1", json={**body, "memo": "again"})
    assert first.status_code == second.status_code == 204
    assert first.headers["Location"] == second.headers["Location"]
    rows = ns.rows("SELECT id, memo FROM transaction WHERE externalid = 'ch_UPSERT_1'")
    assert len(rows) == 1 and rows[0]["memo"] == "again"


def test_external_ids_are_unique_per_type_and_restricted_in_characters(ns: NetSuiteSandboxClient) -> None:
    ns.create("customer", {"companyName": "Unique A", "externalId": "dup-1"})
    clash = ns.request("POST", "/record/v1/customer", json={"companyName": "Unique B", "externalId": "dup-1"})
    assert clash.status_code == 400 and error_of(clash)["o:errorPath"] == "externalId"
    other_type = ns.request(
        "PUT", "/record/v1/customerPayment/eid:dup-1", json={"customer": {"id": "102"}, "payment": 1}
    )
    assert other_type.status_code == 204
    bad = ns.request("POST", "/record/v1/customer", json={"companyName": "Bad", "externalId": "has space!"})
    assert bad.status_code == 400


def test_delete_removes_the_record(ns: NetSuiteSandboxClient) -> None:
    customer = ns.create("customer", {"companyName": "Delete Me"})
    assert ns.request("DELETE", f"/record/v1/customer/{customer}").status_code == 204
    assert ns.request("GET", f"/record/v1/customer/{customer}").status_code == 404
    assert ns.rows(f"SELECT id FROM customer WHERE id = {customer}") == []


def test_list_pages_and_filters(ns: NetSuiteSandboxClient) -> None:
    page = ns.request("GET", "/record/v1/invoice", params={"limit": 5, "offset": 5}).json()
    assert page["count"] == 5 and page["offset"] == 5 and page["hasMore"] is True
    assert page["totalResults"] >= 33
    assert {link["rel"] for link in page["links"]} >= {"self", "next", "previous", "first", "last"}
    assert page["items"][0]["links"][0]["href"].endswith(f"/record/v1/invoice/{page['items'][0]['id']}")
    found = ns.request("GET", "/record/v1/customer", params={"q": 'companyName START_WITH "Globex"'}).json()
    assert [item["id"] for item in found["items"]] == ["103"]
    too_big = ns.request("GET", "/record/v1/customer", params={"limit": 1001})
    assert too_big.status_code == 400


def test_custom_payment_link_fields_exist(ns: NetSuiteSandboxClient) -> None:
    ns.request(
        "PATCH",
        "/record/v1/customer/105",
        json={"custentity_stripe_payment_link": "https://pay.example/c/105"},
    )
    ns.request(
        "PATCH",
        "/record/v1/invoice/1020",
        json={"custbody_stripe_payment_link": "https://pay.example/i/1020"},
    )
    assert ns.get("customer", "105")["custentity_stripe_payment_link"] == "https://pay.example/c/105"
    rows = ns.rows("SELECT custbody_stripe_payment_link FROM transaction WHERE id = 1020")
    assert rows[0]["custbody_stripe_payment_link"] == "https://pay.example/i/1020"


def test_metadata_catalog_and_governance_limits(ns: NetSuiteSandboxClient) -> None:
    schema = ns.request("GET", "/record/v1/metadata-catalog/customerPayment").json()
    assert schema["properties"]["payment"]["type"] == "number"
    assert "apply" in schema["properties"]
    limits = ns.request("GET", "/system/v1/governanceLimits").json()
    assert limits["accountConcurrencyLimit"] == 5
