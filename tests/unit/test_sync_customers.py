"""Whose payment a charge is: metadata on charge, PaymentIntent, Stripe customer; email; catch-all."""

from __future__ import annotations

from typing import Any

import pytest

from stripe_netsuite.sync.customers import CustomerFacts, CustomerMatch, CustomerSources, match_customer
from stripe_netsuite.sync.errors import CustomerCurrencyError, LedgerMappingError
from tests.unit.test_sync_fixtures import charge, customer, ledger_settings

UNALLOCATED = customer("101", ("USD", "GBP", "CAD", "EUR", "JPY", "KWD"), name="Stripe Unallocated Charges")
ACME = customer("102", ("USD", "EUR"), name="Acme Corporation", email="ap@acme.example")
GLOBEX = customer("103", ("GBP",), name="Globex Ltd", email="billing@globex.example")
INITECH = customer("104", ("USD",), name="Initech Inc", email="ap@initech.example")
GONE = customer("105", ("EUR", "USD"), name="Old Customer", is_inactive=True)
KNOWN = {c.id: c for c in (UNALLOCATED, ACME, GLOBEX, INITECH, GONE)}


def sources(**fields: Any) -> CustomerSources:
    return CustomerSources("ch_1", **fields)


@pytest.mark.parametrize(
    ("given", "customer_id", "source"),
    [
        pytest.param(sources(charge_customer_id="102", payment_intent_customer_id="104",
                             stripe_customer_customer_id="104"), "102", "charge metadata", id="charge-first"),
        pytest.param(sources(payment_intent_customer_id="104", stripe_customer_customer_id="102"), "104",
                     "PaymentIntent metadata", id="payment-intent-second"),
        pytest.param(sources(stripe_customer_customer_id="102", emails=("ap@initech.example",)), "102",
                     "Stripe customer metadata", id="stripe-customer-third"),
        pytest.param(sources(emails=("AP@Initech.Example ",)), "104", "email", id="email-case-insensitive"),
        pytest.param(sources(emails=("nobody@example.com", "ap@acme.example")), "102", "email",
                     id="second-email-matches"),
        pytest.param(sources(), "101", "unallocated", id="nothing-known"),
        pytest.param(sources(emails=("nobody@example.com",)), "101", "unallocated", id="email-unknown"),
    ],
)
def test_the_first_source_that_names_an_active_customer_wins(
    given: CustomerSources, customer_id: str, source: str
) -> None:
    match = match_customer(given, KNOWN, [ACME, GLOBEX, INITECH], "USD", ledger_settings(match_by_email=True))
    assert (match.customer.id, match.source, match.add_currency) == (customer_id, source, False)


def test_email_matching_is_off_unless_configured() -> None:
    match = match_customer(sources(emails=("ap@acme.example",)), KNOWN, [ACME], "USD", ledger_settings())
    assert match.customer.id == "101"


@pytest.mark.parametrize(
    ("given", "note"),
    [
        pytest.param(sources(charge_customer_id="999"), "NetSuite customer 999 named by the charge metadata "
                     "does not exist", id="unknown-id"),
        pytest.param(sources(payment_intent_customer_id="105"), "NetSuite customer 105 named by the "
                     "PaymentIntent metadata is inactive", id="inactive"),
    ],
)
def test_an_id_naming_no_active_customer_is_passed_over_and_noted(given: CustomerSources, note: str) -> None:
    match = match_customer(given, KNOWN, [], "USD", ledger_settings())
    assert match == CustomerMatch(UNALLOCATED, "unallocated", False, (note,))


def test_an_email_shared_by_several_customers_matches_none() -> None:
    twin = CustomerFacts("111", "Acme Twin", ("USD",), "1", "ap@acme.example")
    match = match_customer(sources(emails=("ap@acme.example",)), KNOWN, [ACME, twin], "USD",
                           ledger_settings(match_by_email=True))
    assert match.customer.id == "101"
    assert match.notes == ("email ap@acme.example matches several NetSuite customers (102, 111)",)


def test_an_inactive_customer_is_never_matched_by_email() -> None:
    gone = CustomerFacts("105", "Old", ("USD",), "1", "old@example.com", is_inactive=True)
    match = match_customer(sources(emails=("old@example.com",)), KNOWN, [gone], "USD",
                           ledger_settings(match_by_email=True))
    assert match.customer.id == "101"


def test_a_missing_catch_all_customer_is_an_actionable_error() -> None:
    with pytest.raises(LedgerMappingError, match="Stripe Unallocated Charges customer 101 is missing"):
        match_customer(sources(), {"102": ACME}, [], "USD", ledger_settings())


def test_a_missing_currency_is_added_when_the_setting_allows() -> None:
    match = match_customer(sources(charge_customer_id="103"), KNOWN, [], "JPY",
                           ledger_settings(add_customer_currency=True))
    assert (match.customer.id, match.add_currency) == ("103", True)
    assert match.notes == ("JPY added to NetSuite customer 103",)


def test_a_missing_currency_fails_naming_the_customer_and_currency() -> None:
    with pytest.raises(CustomerCurrencyError) as caught:
        match_customer(sources(charge_customer_id="103"), KNOWN, [], "JPY", ledger_settings())
    message = str(caught.value)
    assert "NetSuite customer 103 (Globex Ltd) has no JPY currency" in message
    assert "ch_1" in message and "add JPY to the customer's currencies" in message


EMAILS = ("payer@acme.example", "receipt@acme.example")


@pytest.mark.parametrize(
    ("pi", "cus", "expected"),
    [
        pytest.param(None, None, CustomerSources("ch_3PaidOnThePage001", "102", None, None, EMAILS),
                     id="charge-only"),
        pytest.param({"id": "pi_1", "metadata": {"netsuite_customer_id": "104"}},
                     {"id": "cus_1", "email": EMAILS[0], "metadata": {"netsuite_customer_id": "109"}},
                     CustomerSources("ch_3PaidOnThePage001", "102", "104", "109", EMAILS), id="all-three"),
    ],
)
def test_sources_are_read_from_the_stripe_objects_through_the_metadata_contract(
    pi: dict[str, Any] | None, cus: dict[str, Any] | None, expected: CustomerSources
) -> None:
    paid = charge(metadata={"netsuite_customer_id": "102", "netsuite_invoice_id": "1001"},
                  billing_details={"email": "payer@acme.example"}, receipt_email="receipt@acme.example")
    found = CustomerSources.from_stripe(paid, pi, cus)
    assert found == expected
    assert found.customer_ids(ledger_settings()) == tuple(
        dict.fromkeys(i for i in ("102", expected.payment_intent_customer_id,
                                  expected.stripe_customer_customer_id, "101") if i))


def test_malformed_customer_metadata_is_a_mapping_error_naming_the_object() -> None:
    with pytest.raises(LedgerMappingError, match=r"ch_3PaidOnThePage001: metadata.netsuite_customer_id"):
        CustomerSources.from_stripe(charge(metadata={"netsuite_customer_id": "102; DROP TABLE"}))


def test_payment_intent_and_customer_expanded_on_the_charge_are_read() -> None:
    paid = charge(payment_intent={"id": "pi_1", "metadata": {"netsuite_customer_id": "104"}},
                  customer={"id": "cus_1", "email": "payer@initech.example",
                            "metadata": {"netsuite_customer_id": "109"}})
    found = CustomerSources.from_stripe(paid)
    assert (found.payment_intent_customer_id, found.stripe_customer_customer_id) == ("104", "109")
    assert found.emails == ("payer@initech.example",)
