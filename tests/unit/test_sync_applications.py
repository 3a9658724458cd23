"""Which invoices a payment is applied to: named ones in order, else oldest first, else none; never lost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from stripe_netsuite.sync.applications import (
    ApplicationPlan,
    InvoiceFacts,
    plan_applications,
    without_own_applications,
)
from stripe_netsuite.sync.records import ApplyLine
from tests.unit.test_sync_fixtures import invoice

D = Decimal
INVOICES = [
    invoice("1001", "1500.00", day=date(2026, 9, 5)),
    invoice("1002", "1400.00", day=date(2026, 8, 20)),
    invoice("1004", "0.00", day=date(2026, 8, 1)),  # paid in full
    invoice("1006", "1200.00", currency="EUR", day=date(2026, 8, 2)),
    invoice("1013", "4999.99", customer_id="104", day=date(2026, 8, 3)),
    invoice("1018", "45.25", day=date(2026, 8, 20)),  # same day as 1002: lower id first
]


def lines(*pairs: tuple[str, str]) -> tuple[ApplyLine, ...]:
    return tuple(ApplyLine(doc, D(amount)) for doc, amount in pairs)


@pytest.mark.parametrize(
    ("amount", "requested", "expected"),
    [
        pytest.param("1500.00", ["1001"], lines(("1001", "1500.00")), id="one-invoice-in-full"),
        pytest.param("500.00", ["1001"], lines(("1001", "500.00")), id="one-invoice-partly"),
        pytest.param("2900.00", ["1001", "1002"], lines(("1001", "1500.00"), ("1002", "1400.00")),
                     id="statement-exact"),
        pytest.param("2000.00", ["1001", "1002"], lines(("1001", "1500.00"), ("1002", "500.00")),
                     id="statement-last-partly"),
        pytest.param("2000.00", ["1002", "1001"], lines(("1002", "1400.00"), ("1001", "600.00")),
                     id="statement-in-the-order-named"),
        pytest.param("1500.00", ["1001", "1002"], lines(("1001", "1500.00")),
                     id="statement-money-ends-early"),
    ],
)
def test_named_invoices_are_paid_in_order_each_up_to_what_remains(
    amount: str, requested: list[str], expected: tuple[ApplyLine, ...]
) -> None:
    plan = plan_applications(D(amount), "USD", "102", requested, INVOICES, auto_apply=True)
    assert plan == ApplicationPlan(expected)


@pytest.mark.parametrize(
    ("amount", "requested", "memo"),
    [
        pytest.param("980.50", ["1004"], "INV1004: it is already paid", id="already-paid"),
        pytest.param("1600.00", ["1001"], "INV1001: the payment of 1600.00 USD is more than the 1500.00 USD "
                     "that remains on INV1001", id="overpaid"),
        pytest.param("3000.00", ["1001", "1002"], "INV1002: the payment of 3000.00 USD is more than the "
                     "2900.00 USD that remains on INV1001, INV1002", id="statement-overpaid"),
        pytest.param("100.00", ["1013"], "INV1013: it belongs to another customer (104), the payment to 102",
                     id="another-customer"),
        pytest.param("100.00", ["1006"], "INV1006: it is in EUR, the payment in USD", id="another-currency"),
        pytest.param("100.00", ["9999"], "9999: no such invoice in NetSuite", id="unknown-invoice"),
        pytest.param("2000.00", ["1001", "1004", "1002"], "INV1004: it is already paid",
                     id="one-bad-invoice-in-a-statement"),
    ],
)
def test_a_payment_that_cannot_be_applied_as_asked_is_left_unapplied_with_the_reason(
    amount: str, requested: list[str], memo: str
) -> None:
    plan = plan_applications(D(amount), "USD", "102", requested, INVOICES, auto_apply=True)
    assert plan == ApplicationPlan((), "Stripe Payment Error: could not apply to invoice " + memo)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        pytest.param("100.00", lines(("1002", "100.00")), id="oldest-partly"),
        pytest.param("1420.00", lines(("1002", "1400.00"), ("1018", "20.00")), id="same-day-lower-id-next"),
        pytest.param("2945.25", lines(("1002", "1400.00"), ("1018", "45.25"), ("1001", "1500.00")),
                     id="all-open-exactly"),
        pytest.param("5000.00", lines(("1002", "1400.00"), ("1018", "45.25"), ("1001", "1500.00")),
                     id="more-than-owed-rest-unapplied"),
    ],
)
def test_auto_apply_pays_the_oldest_open_invoices_of_the_customer_and_currency_first(
    amount: str, expected: tuple[ApplyLine, ...]
) -> None:
    plan = plan_applications(D(amount), "USD", "102", [], INVOICES, auto_apply=True)
    assert plan == ApplicationPlan(expected)


def test_without_named_invoices_or_auto_apply_the_payment_stays_unapplied() -> None:
    assert plan_applications(D("100.00"), "USD", "102", [], INVOICES, auto_apply=False) == ApplicationPlan()


@pytest.mark.parametrize(
    ("currency", "invoices", "amount", "expected"),
    [
        pytest.param("JPY", [InvoiceFacts("1026", "INV1026", "106", "JPY", D("125000"), date(2026, 9, 1))],
                     "100000", lines(("1026", "100000")), id="jpy"),
        pytest.param("KWD", [InvoiceFacts("1037", "INV1037", "106", "KWD", D("1250.750"), date(2026, 9, 1)),
                             InvoiceFacts("1038", "INV1038", "106", "KWD", D("280.125"), date(2026, 9, 2))],
                     "1300.000", lines(("1037", "1250.750"), ("1038", "49.250")), id="kwd"),
    ],
)
def test_amounts_keep_the_currencys_decimals(
    currency: str, invoices: list[InvoiceFacts], amount: str, expected: tuple[ApplyLine, ...]
) -> None:
    plan = plan_applications(D(amount), currency, "106", [i.id for i in invoices], invoices, auto_apply=False)
    assert plan.lines == expected
    assert [line.body()["amount"] for line in plan.lines] == [format(line.amount, "f") for line in expected]


def test_a_rerun_sees_the_invoices_as_they_were_before_this_payment() -> None:
    # After the first run NetSuite shows INV1001 fully paid by this very payment.
    after = [invoice("1001", "0.00"), invoice("1002", "900.00")]
    own = lines(("1001", "1500.00"), ("1002", "500.00"))
    before = without_own_applications(after, own)
    assert [(i.id, i.amount_remaining) for i in before] == [("1001", D("1500.00")), ("1002", D("1400.00"))]
    plan = plan_applications(D("2000.00"), "USD", "102", ["1001", "1002"], before, auto_apply=False)
    assert plan.lines == own
