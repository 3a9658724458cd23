"""stripe_sandbox.openapi: routes, unknown request parameters, OAS 3.0 -> JSON Schema conversion."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from stripe_sandbox import openapi

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "reference" / "stripe" / "fixtures3.json"

# fixtures3.json is from Stripe's openapi repository in 2026, the spec is API version 2024-04-10. These
# examples don't fit their 2024 schema because Stripe changed the object since; each reason names the change.
FIXTURE_MISMATCHES: dict[str, str] = {
    "credit_note": "tax_amounts became total_taxes / lines[].taxes (API 2025-03-31.basil)",
    "credit_note_line_item": "tax_amounts became taxes (API 2025-03-31.basil)",
    "customer": "its 2026 discount has coupon under source.coupon (API 2025-09-30.clover)",
    "discount": "coupon moved under source.coupon (API 2025-09-30.clover)",
    "deleted_discount": "coupon moved under source.coupon (API 2025-09-30.clover)",
    "promotion_code": "coupon moved under promotion.coupon (API 2025-09-30.clover)",
    "invoice": "paid and the lines' type/proration gave way to status and parent details (2025-03-31.basil)",
    "line_item": "invoice line items lost type/proration for parent details (API 2025-03-31.basil)",
    "subscription": "current_period_start/end moved to the subscription items (API 2025-03-31.basil)",
    "issuing.settlement": "interchange_fees/net_total/network_fees were renamed *_amount (after 2024-04-10)",
}


@cache
def _fixtures() -> Mapping[str, Any]:
    with FIXTURES.open(encoding="utf-8") as handle:
        resources: Mapping[str, Any] = json.load(handle)["resources"]
    return resources


def _fixture_names() -> list[str]:
    return sorted(_fixtures()) if FIXTURES.is_file() else []


def _require_fixtures() -> None:
    if not FIXTURES.is_file():
        pytest.skip(f"{FIXTURES} is absent: fixtures3.json exists only in ../shared/reference/stripe/")


# ------------------------------------------------------------------------------------------------------------
# Locating the spec
# ------------------------------------------------------------------------------------------------------------


def test_spec_is_found_and_is_the_2024_04_10_version() -> None:
    assert openapi.spec_path().is_file()
    assert openapi.load_spec()["info"]["version"] == "2024-04-10"


def test_spec_env_pointing_nowhere_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(openapi.SPEC_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(openapi.SpecNotFoundError, match="STRIPE_OPENAPI_SPEC"):
        openapi.spec_path()


def test_spec_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    copy = tmp_path / "spec.json"
    copy.write_text("{}")
    monkeypatch.setenv(openapi.SPEC_ENV, str(copy))
    assert openapi.spec_path() == copy


# ------------------------------------------------------------------------------------------------------------
# Routes
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "template", "captured"),
    [
        ("GET", "/v1/customers/cus_123/payment_methods", "/v1/customers/{customer}/payment_methods",
         {"customer": "cus_123"}),
        ("GET", "/v1/customers/search", "/v1/customers/search", {}),
        ("GET", "/v1/customers/cus_1", "/v1/customers/{customer}", {"customer": "cus_1"}),
        ("POST", "/v1/checkout/sessions/cs_test_1/expire", "/v1/checkout/sessions/{session}/expire",
         {"session": "cs_test_1"}),
        ("GET", "/v1/checkout/sessions/cs_test_1/line_items", "/v1/checkout/sessions/{session}/line_items",
         {"session": "cs_test_1"}),
        ("POST", "/v1/payment_intents/pi_1/confirm", "/v1/payment_intents/{intent}/confirm",
         {"intent": "pi_1"}),
        ("POST", "/v1/payment_methods/pm_1/attach", "/v1/payment_methods/{payment_method}/attach",
         {"payment_method": "pm_1"}),
        ("GET", "/v1/balance", "/v1/balance", {}),
        ("GET", "/v1/balance_transactions/txn_1", "/v1/balance_transactions/{id}", {"id": "txn_1"}),
        ("POST", "/v1/disputes/dp_1/close", "/v1/disputes/{dispute}/close", {"dispute": "dp_1"}),
        ("DELETE", "/v1/webhook_endpoints/we_1", "/v1/webhook_endpoints/{webhook_endpoint}",
         {"webhook_endpoint": "we_1"}),
        ("get", "/v1/charges/", "/v1/charges", {}),
        ("GET", "/v1/charges?limit=3", "/v1/charges", {}),
    ],
)
def test_concrete_paths_map_to_their_template(method: str, path: str, template: str,
                                              captured: dict[str, str]) -> None:
    found = openapi.match_path(method, path)
    assert found is not None
    assert found.operation.path == template
    assert found.operation.method == method.upper()
    assert found.path_params == captured
    assert openapi.match_operation(method, path) == found.operation


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nope"), ("PUT", "/v1/customers"), ("DELETE", "/v1/charges/ch_1"),
     ("GET", "/v1/customers/cus_1/payment_methods/pm_1/extra"), ("GET", "/")],
)
def test_unknown_routes_and_methods_match_nothing(method: str, path: str) -> None:
    assert openapi.match_operation(method, path) is None


def test_every_spec_template_matches_itself() -> None:
    for operation in openapi.operations():
        found = openapi.match_path(operation.method, operation.path)
        assert found is not None, operation
        # A literal route may legitimately shadow a template that has the same shape; never the reverse.
        if found.operation.path != operation.path:
            assert "{" in operation.path


# ------------------------------------------------------------------------------------------------------------
# Unknown parameters
# ------------------------------------------------------------------------------------------------------------


def test_known_top_level_parameters_are_accepted() -> None:
    params = {"email": "a@example.com", "name": "A", "description": "d", "payment_method": "pm_card_visa"}
    assert openapi.unknown_parameters("POST", "/v1/customers", params) == []


def test_unknown_top_level_parameter_is_named() -> None:
    assert openapi.unknown_parameters("POST", "/v1/customers", {"email": "a@b.c", "bogus": "1"}) == ["bogus"]


def test_unknown_nested_parameters_are_named_stripe_style() -> None:
    params = {
        "mode": "payment",
        "payment_intent_data": {
            "bogus": "x",
            "setup_future_usage": "off_session",
            "shipping": {"name": "n", "address": {"line1": "l", "zzz": "1"}},
        },
    }
    assert openapi.unknown_parameters("POST", "/v1/checkout/sessions", params) == [
        "payment_intent_data[bogus]",
        "payment_intent_data[shipping][address][zzz]",
    ]


def test_array_items_are_checked_whether_decoded_as_list_or_indexed_dict() -> None:
    as_list = {
        "line_items": [{"price": "price_1", "quantity": 1}, {"price_data": {"currency": "usd", "nope": 1}}],
    }
    as_dict = {"line_items": {"0": {"price": "price_1", "bad": "1"}}}
    assert openapi.unknown_parameters("POST", "/v1/checkout/sessions", as_list) == [
        "line_items[1][price_data][nope]",
    ]
    assert openapi.unknown_parameters("POST", "/v1/checkout/sessions", as_dict) == ["line_items[0][bad]"]


def test_metadata_accepts_any_key_and_empty_strings_unset() -> None:
    params = {"metadata": {"order": "42", "anything[at]all": "x", "gone": ""}, "description": ""}
    assert openapi.unknown_parameters("POST", "/v1/customers/cus_1", params) == []
    assert openapi.unknown_parameters("POST", "/v1/customers/cus_1", {"metadata": ""}) == []
    nested = {"payment_intent_data": {"metadata": {"free": "key"}}}
    assert openapi.unknown_parameters("POST", "/v1/checkout/sessions", nested) == []


def test_empty_string_does_not_hide_an_unknown_name() -> None:
    assert openapi.unknown_parameters("POST", "/v1/customers", {"bogus": ""}) == ["bogus"]


def test_expand_is_always_allowed() -> None:
    assert openapi.unknown_parameters("GET", "/v1/charges/ch_1", {"expand": ["balance_transaction"]}) == []
    assert openapi.unknown_parameters("POST", "/v1/refunds", {"charge": "ch_1", "expand": ["charge"]}) == []


def test_query_parameters_including_deep_objects() -> None:
    ok = {"created": {"gte": "1", "lt": "2"}, "limit": "3", "starting_after": "ch_1", "customer": "cus_1"}
    assert openapi.unknown_parameters("GET", "/v1/charges", ok) == []
    assert openapi.unknown_parameters("GET", "/v1/charges", {"created": "5"}) == []
    bad = {"created": {"gte": "1", "since": "2"}, "bogus": "1"}
    assert openapi.unknown_parameters("GET", "/v1/charges", bad) == ["created[since]", "bogus"]
    types = {"types": ["charge.refunded", "payout.paid"]}
    assert openapi.unknown_parameters("GET", "/v1/events", types) == []
    assert openapi.unknown_parameters("GET", "/v1/balance_transactions", {"payout": "po_1"}) == []


def test_parameters_belong_to_their_method() -> None:
    # `email` is a create/update parameter of customers, not a list filter of GET /v1/customers/{customer}.
    assert openapi.unknown_parameters("GET", "/v1/customers/cus_1", {"email": "a@b.c"}) == ["email"]


def test_unknown_operation_reports_nothing() -> None:
    assert openapi.unknown_parameters("GET", "/v1/nope", {"bogus": "1"}) == []


def test_operation_lists_its_parameter_names() -> None:
    operation = openapi.match_operation("POST", "/v1/payment_intents")
    assert operation is not None
    assert {"amount", "currency", "customer", "off_session", "confirm", "expand"} <= operation.parameter_names


def test_lookups_are_safe_from_many_threads() -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)  # all threads miss the cold cache together: one validator is built, not four

    def work() -> None:
        try:
            start.wait()
            for _ in range(200):
                # Identity: the validators are documented as built once and shared.
                assert openapi.validator_for("customer") is openapi.validator_for("customer")
                assert openapi.unknown_parameters("POST", "/v1/customers", {"bogus": "1"}) == ["bogus"]
        except BaseException as error:  # collected and re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_validator_is_built_once_when_threads_ask_for_it_together(monkeypatch: pytest.MonkeyPatch) -> None:
    # functools.cache lets threads that miss together each build (and keep) their own validator.
    real = openapi.Draft202012Validator
    builds: list[object] = []

    def slow_build(schema: Any) -> Draft202012Validator:
        builds.append(schema)
        time.sleep(0.2)  # a build long enough for every thread to miss the cache
        return real(schema)

    monkeypatch.setattr(openapi, "Draft202012Validator", slow_build)
    name = "radar.value_list_item"  # asked for by no other test, so the cache is cold here
    start = threading.Barrier(4)
    got: list[Draft202012Validator] = []

    def work() -> None:
        start.wait()
        got.append(openapi.validator_for(name, True))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 4 and all(validator is got[0] for validator in got)
    assert len(builds) <= 1


# ------------------------------------------------------------------------------------------------------------
# Object schemas
# ------------------------------------------------------------------------------------------------------------


def _minimal_refund(**overrides: Any) -> dict[str, Any]:
    refund: dict[str, Any] = {
        "id": "re_1", "object": "refund", "amount": 100, "balance_transaction": None, "charge": "ch_1",
        "created": 1, "currency": "usd", "metadata": {}, "payment_intent": None, "reason": None,
        "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded",
        "transfer_reversal": None,
    }
    refund.update(overrides)
    return refund


def test_object_schema_is_json_schema_with_the_components_it_needs() -> None:
    schema = openapi.object_schema("charge")
    assert schema["$schema"].endswith("2020-12/schema")
    assert "balance_transaction" in schema["$defs"]
    assert schema["properties"]["object"] == {"enum": ["charge"], "type": "string"}
    with pytest.raises(KeyError):
        openapi.object_schema("no_such_object")


def test_minimal_object_validates() -> None:
    assert list(openapi.validator_for("refund").iter_errors(_minimal_refund())) == []


def test_nullable_admits_null_and_nothing_else_new() -> None:
    # checkout.session.status is a nullable enum whose null Stripe doesn't list: null is valid, so are the
    # listed values, an unlisted value is not.
    status = Draft202012Validator(openapi.object_schema("checkout.session")["properties"]["status"])
    assert status.is_valid(None)
    assert status.is_valid("complete")
    assert not status.is_valid("bored")
    # `amount` isn't nullable.
    assert not openapi.validator_for("refund").is_valid(_minimal_refund(amount=None))
    assert openapi.validator_for("refund").is_valid(_minimal_refund(reason=None))


def test_required_keys_are_required() -> None:
    refund = _minimal_refund()
    del refund["currency"]
    assert not openapi.validator_for("refund").is_valid(refund)


def test_expandable_fields_take_an_id_or_the_object() -> None:
    validator = openapi.validator_for("refund")
    assert validator.is_valid(_minimal_refund(balance_transaction="txn_1"))
    expanded = {
        "id": "txn_1", "object": "balance_transaction", "amount": -100, "available_on": 1, "created": 1,
        "currency": "usd", "description": None, "exchange_rate": None, "fee": 0, "fee_details": [],
        "net": -100, "reporting_category": "refund", "source": "re_1", "status": "available",
        "type": "refund",
    }
    assert validator.is_valid(_minimal_refund(balance_transaction=expanded))
    assert not validator.is_valid(_minimal_refund(balance_transaction={**expanded, "amount": "lots"}))
    assert not validator.is_valid(_minimal_refund(balance_transaction=42))


def test_bypass_validation_enum_accepts_values_stripe_added_later() -> None:
    # checkout.session.locale carries x-stripeBypassValidation: the list isn't exhaustive; the type holds.
    schema = openapi.object_schema("checkout.session")["properties"]["locale"]
    assert "enum" not in schema
    assert schema["type"] == ["string", "null"]


def test_bypass_validation_anyof_admits_unlisted_object_types_only() -> None:
    source = openapi.object_schema("balance_transaction")["properties"]["source"]
    validator = openapi.validator_for("balance_transaction")
    base = _fixture_like_balance_transaction()
    assert validator.is_valid({**base, "source": "ch_1"})
    assert validator.is_valid({**base, "source": None})
    assert validator.is_valid({**base, "source": {"id": "x_1", "object": "brand_new_thing"}})
    # A listed type must still be a valid object of that type.
    assert not validator.is_valid({**base, "source": {"id": "ch_1", "object": "charge"}})
    assert source["anyOf"]


def _fixture_like_balance_transaction() -> dict[str, Any]:
    return {
        "id": "txn_1", "object": "balance_transaction", "amount": 100, "available_on": 1, "created": 1,
        "currency": "usd", "description": None, "exchange_rate": None, "fee": 0, "fee_details": [],
        "net": 100, "reporting_category": "charge", "source": None, "status": "pending", "type": "charge",
    }


def test_extra_keys_are_allowed_unless_strict() -> None:
    refund = _minimal_refund(invented="x")
    assert openapi.validator_for("refund").is_valid(refund)
    assert not openapi.validator_for("refund", strict=True).is_valid(refund)
    assert openapi.validator_for("refund", strict=True).is_valid(_minimal_refund())


def test_error_schema() -> None:
    validator = openapi.validator_for("error")
    error = {"error": {"type": "invalid_request_error", "code": "parameter_unknown", "param": "bogus",
                       "message": "Received unknown parameter: bogus"}}
    assert validator.is_valid(error)
    assert not validator.is_valid({"error": {"type": "made_up_error"}})


def test_list_envelope_response_schema() -> None:
    validator = openapi.response_validator("GET", "/v1/refunds")
    page = {"object": "list", "data": [_minimal_refund()], "has_more": False, "url": "/v1/refunds"}
    assert validator.is_valid(page)
    assert not validator.is_valid({**page, "data": [_minimal_refund(amount="x")]})
    assert not validator.is_valid({**page, "url": "/v1/charges"})
    with pytest.raises(KeyError):
        openapi.response_validator("GET", "/v1/nope")


def test_every_component_converts_to_valid_json_schema() -> None:
    # One document holding every component: checking each self-contained schema separately would re-check
    # the shared $defs hundreds of times.
    every = {
        name: {key: value for key, value in openapi.object_schema(name).items() if not key.startswith("$")}
        for name in openapi.schema_names()
    }
    Draft202012Validator.check_schema({"$defs": every})


# ------------------------------------------------------------------------------------------------------------
# Real examples (fixtures3.json, 2026) against the 2024 schemas
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _fixture_names() or ["<fixtures3.json absent>"])
def test_real_example_fits_its_schema(name: str) -> None:
    _require_fixtures()
    if name not in openapi.schema_names():
        pytest.skip(f"{name} was added to the API after 2024-04-10: the spec has no schema for it")
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
              for e in openapi.validator_for(name).iter_errors(_fixtures()[name])]
    if name in FIXTURE_MISMATCHES:
        assert errors, f"{name} now fits its schema: drop it from FIXTURE_MISMATCHES"
    else:
        assert errors == []


def test_mismatch_list_only_names_real_fixtures() -> None:
    _require_fixtures()
    assert set(FIXTURE_MISMATCHES) <= set(_fixtures())
