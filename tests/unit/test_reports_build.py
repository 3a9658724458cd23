"""The finance report builders over constructed ledgers: reconciliation, FX payments, fees, disputes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from stripe_netsuite.reports.build import build_report, dispute_outcome, payout_state
from stripe_netsuite.reports.ledger import (
    DisputeRow,
    FailedRow,
    Ledger,
    PaymentRow,
    PayoutRow,
    QuarantineRow,
    RefundRow,
    Scope,
)
from stripe_netsuite.reports.tables import Link, Money, Percent, Table
from stripe_netsuite.reports.urls import RecordLinks
from stripe_netsuite.sync.deposit_blocks import BlockCode

D1, D2 = date(2026, 3, 2), date(2026, 3, 3)
LINKS = RecordLinks("1234567_SB1")
WHEN = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
MISSING_REASON = (f"charge ch_held of payout po_blocked has no synced NetSuite payment: "
                  f"{BlockCode.MISSING_PAYMENT.action}.")  # fmt: skip


def ledger() -> Ledger:
    """Two days: USD and FX (EUR settled in USD) payments, JPY and KWD, a blocked payout, a won dispute."""
    return Ledger(
        scope=Scope(start=D1, end=D2),
        payments=(
            PaymentRow("ch_usd1", D1, 10000, "USD", "Invoice 1", 10000, "USD", 320, None, "synced", "501"),
            PaymentRow("ch_usd2", D1, 2500, "USD", "Invoice 2", 2500, "USD", 103, None, "synced", "502"),
            # 50.00 EUR settled as 54.50 USD at 1.09, fee 1.88 USD
            PaymentRow("ch_eur", D1, 5000, "EUR", "Invoice 3", 5450, "USD", 188, Decimal("1.09"), "synced",
                       "503"),
            PaymentRow("ch_jpy", D2, 1500, "JPY", "Invoice 4", 1500, "JPY", 60, None, "synced", "504"),
            PaymentRow("ch_kwd", D2, 12345, "KWD", "Invoice 5", 12345, "KWD", 370, None, "synced", "505"),
            PaymentRow("ch_held", D2, 4000, "USD", "Invoice 6", 4000, "USD", 146, None, "failed", None),
        ),
        refunds=(RefundRow("re_1", "ch_usd1", D2, 1000, "USD", "succeeded", "synced", "601"),
                 RefundRow("re_2", "ch_usd2", D2, 500, "USD", "failed")),
        disputes=(
            DisputeRow("dp_won", "ch_usd2", D2, 2500, "USD", "won", "fraudulent"),
            DisputeRow("dp_lost", "ch_eur", D2, 5000, "EUR", "lost", "product_not_received", "synced", "602"),
            DisputeRow("dp_open", "ch_usd1", D2, 10000, "USD", "needs_response", "duplicate"),
        ),
        payouts=(
            PayoutRow("po_ok", D2, 17192, "USD", "paid", deposit_status="synced", deposit_id="701",
                      deposit_amount=17192),
            PayoutRow("po_blocked", D2, 3854, "USD", "paid", deposit_status="blocked", code="missing_payment",
                      balance_transaction="txn_held", reason=MISSING_REASON),
            PayoutRow("po_coded", D2, 1440, "JPY", "paid", deposit_status="blocked",
                      code="payout_currency_account_missing", balance_transaction="txn_jpy"),
            PayoutRow("po_transit", D2, 900, "USD", "in_transit"),
        ),
        failed=(FailedRow("ch_held", "charge", "customerPayment", "ch_held", 3,
                          "Invalid Field Value: customer 77 is inactive", "run-1", WHEN),),
        quarantined=(
            QuarantineRow("charge", "ch_bad", "currency_is_supported", "currency 'xxx'", "sync-1", WHEN),
        ),
    )  # fmt: skip


def column(table: Table, title: str) -> list[object]:
    index = table.columns.index(title)
    return [row[index] for row in table.rows]


def row_of(table: Table, key: str) -> tuple[object, ...]:
    """The row whose first cell is (a link to) `key`."""
    for row in table.rows:
        first = row[0]
        if (first.text if isinstance(first, Link) else first) == key:
            return row
    raise AssertionError(f"{key} not in {table.key}")


def test_a_blocked_payout_shows_its_code_balance_transaction_and_what_to_do() -> None:
    payouts = build_report(ledger(), LINKS).table("payouts")
    row = dict(zip(payouts.columns, row_of(payouts, "po_blocked"), strict=True))
    assert row["Status"] == "blocked"
    assert row["Code"] == "missing_payment"
    assert row["Balance transaction"] == "txn_held"
    assert row["What to do"] == MISSING_REASON
    assert row["NetSuite deposit"] is None and row["Deposit total"] is None


def test_a_blocked_payout_without_a_recorded_reason_says_its_codes_action() -> None:
    payouts = build_report(ledger(), LINKS).table("payouts")
    row = dict(zip(payouts.columns, row_of(payouts, "po_coded"), strict=True))
    action = BlockCode.PAYOUT_CURRENCY_ACCOUNT_MISSING.action
    assert row["What to do"] == action[0].upper() + action[1:] + "."
    assert row["Amount"] == Money(1440, "JPY")


def test_a_deposited_payout_links_to_the_deposit_and_the_payout() -> None:
    payouts = build_report(ledger(), LINKS).table("payouts")
    row = dict(zip(payouts.columns, row_of(payouts, "po_ok"), strict=True))
    assert row["Status"] == "deposited"
    assert row["Payout"] == Link("po_ok", "https://dashboard.stripe.com/test/payouts/po_ok")
    assert row["NetSuite deposit"] == Link(
        "deposit 701", "https://1234567-sb1.app.netsuite.com/app/accounting/transactions/deposit.nl?id=701"
    )
    assert row["Deposit total"] == Money(17192, "USD")
    assert row["What to do"] == ""


@pytest.mark.parametrize(
    ("payout", "state"),
    [
        (PayoutRow("po", D1, 100, "USD", "in_transit"), "in transit"),
        (PayoutRow("po", D1, 100, "USD", "paid"), "not deposited yet"),
        (PayoutRow("po", D1, 100, "USD", "paid", automatic=False), "record by hand"),
        (PayoutRow("po", D1, 100, "USD", "paid", deposit_status="blocked", code="manual"), "record by hand"),
        (PayoutRow("po", D1, 100, "USD", "paid", deposit_status="synced", deposit_amount=99),
         "deposited, total differs"),
        (PayoutRow("po", D1, 100, "USD", "failed", deposit_status="synced", reversal_id="9"),
         "reversed (payout failed)"),
        (PayoutRow("po", D1, 100, "USD", "paid", deposit_status="failed", reason="NetSuite said no"),
         "failed"),
    ],
    ids=["in-transit", "not-yet", "manual-payout", "manual-code", "differs", "reversed", "failed"],
)
def test_payout_state(payout: PayoutRow, state: str) -> None:
    assert payout_state(payout) == state


def test_payments_loaded_are_summed_per_day_and_charge_currency_never_across_currencies() -> None:
    table = build_report(ledger(), LINKS).table("payments_by_day")
    assert table.rows == (
        (D1, "EUR", 1, Money(5000, "EUR")),
        (D1, "USD", 2, Money(12500, "USD")),
        (D2, "JPY", 1, Money(1500, "JPY")),
        (D2, "KWD", 1, Money(12345, "KWD")),
    )  # ch_held failed to load: not counted


def test_fees_per_day_are_in_the_settlement_currency_with_their_share_of_volume() -> None:
    table = build_report(ledger(), LINKS).table("fees_by_day")
    by_key = {(row[0], row[1]): row[2:] for row in table.rows}
    # D1 USD: 100.00 + 25.00 + 54.50 (the EUR charge, settled in USD) = 179.50; fees 3.20 + 1.03 + 1.88 = 6.11
    assert by_key[(D1, "USD")] == (Money(17950, "USD"), Money(611, "USD"), Percent(Decimal("3.40")))
    assert (D1, "EUR") not in by_key  # fees are never in the charge currency
    assert by_key[(D2, "JPY")] == (Money(1500, "JPY"), Money(60, "JPY"), Percent(Decimal("4.00")))
    assert by_key[(D2, "KWD")] == (Money(12345, "KWD"), Money(370, "KWD"), Percent(Decimal("3.00")))


def test_an_fx_payment_shows_its_charge_amount_settlement_fee_and_rate() -> None:
    payments = build_report(ledger(), LINKS).table("payments")
    row = dict(zip(payments.columns, row_of(payments, "ch_eur"), strict=True))
    assert row["Amount"] == Money(5000, "EUR")
    assert row["Settled"] == Money(5450, "USD")
    assert row["Fee"] == Money(188, "USD")
    assert row["Exchange rate"] == Decimal("1.09")
    assert row["NetSuite payment"] == Link(
        "customerPayment 503",
        "https://1234567-sb1.app.netsuite.com/app/accounting/transactions/custpymt.nl?id=503",
    )


def test_refunds_and_disputes_are_counted_by_outcome_with_amounts_per_currency() -> None:
    table = build_report(ledger(), LINKS).table("refunds_disputes")
    assert set(table.rows) == {
        ("disputes lost", "EUR", 1, Money(5000, "EUR")),
        ("disputes open", "USD", 1, Money(10000, "USD")),
        ("disputes won", "USD", 1, Money(2500, "USD")),
        ("refunds", "USD", 1, Money(1000, "USD")),  # the failed refund is not money back
    }
    disputes = build_report(ledger(), LINKS).table("disputes")
    won = dict(zip(disputes.columns, row_of(disputes, "dp_won"), strict=True))
    assert won["Outcome"] == "won" and won["NetSuite refund"] is None
    lost = dict(zip(disputes.columns, row_of(disputes, "dp_lost"), strict=True))
    assert lost["NetSuite refund"] == Link(
        "customerRefund 602",
        "https://1234567-sb1.app.netsuite.com/app/accounting/transactions/custrfnd.nl?id=602",
    )


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("won", "won"), ("lost", "lost"), ("needs_response", "open"), ("under_review", "open"),
     ("warning_needs_response", "open"), ("warning_closed", "closed")],
)  # fmt: skip
def test_dispute_outcome(status: str, outcome: str) -> None:
    assert dispute_outcome(status) == outcome


def test_failed_records_carry_netsuite_s_message_and_quarantine_the_failed_expectation() -> None:
    report = build_report(ledger(), LINKS)
    failed = report.table("failed")
    assert column(failed, "NetSuite's message") == ["Invalid Field Value: customer 77 is inactive"]
    assert column(failed, "Stripe object") == [Link("ch_held", "https://dashboard.stripe.com/test/payments/ch_held")]
    quarantine = report.table("quarantine")
    assert column(quarantine, "Failed expectation") == ["currency_is_supported"]
    assert column(quarantine, "Reason") == ["currency 'xxx'"]


def test_the_summary_counts_what_finance_must_look_at() -> None:
    summary = build_report(ledger(), LINKS).summary
    assert summary["payments"] == 6 and summary["payments_loaded"] == 5
    assert summary["loaded_minor"] == {"EUR": 5000, "JPY": 1500, "KWD": 12345, "USD": 12500}
    assert summary["fees_minor"] == {"JPY": 60, "KWD": 370, "USD": 611 + 146}
    assert summary["blocked"] == 2
    assert summary["payouts"] == {"blocked": 2, "deposited": 1, "in transit": 1}
    assert summary["disputes"] == {"lost": 1, "open": 1, "won": 1}
    assert summary["failed"] == 1 and summary["quarantined"] == 1


def test_without_a_netsuite_account_records_are_named_but_not_linked() -> None:
    payouts = build_report(ledger(), RecordLinks()).table("payouts")
    row = dict(zip(payouts.columns, row_of(payouts, "po_ok"), strict=True))
    assert row["NetSuite deposit"] == Link("deposit 701", None)


def test_an_empty_ledger_builds_empty_tables() -> None:
    report = build_report(Ledger(Scope.day(D1)), LINKS)
    assert all(not table.rows for table in report.tables)
    assert report.series["payments_by_day"] == [] and report.title == "Finance report 2026-03-02"


def test_a_deposit_that_differs_from_its_payout_shows_the_variance() -> None:
    differs = PayoutRow("po_diff", D2, 5000, "KWD", "paid", deposit_status="synced", deposit_id="9",
                        deposit_amount=4990)  # fmt: skip
    payouts = build_report(Ledger(Scope.day(D2), payouts=(differs,)), LINKS).table("payouts")
    row = dict(zip(payouts.columns, row_of(payouts, "po_diff"), strict=True))
    assert row["Variance"] == Money(-10, "KWD") and row["Status"] == "deposited, total differs"
    ok = build_report(ledger(), LINKS).table("payouts")
    assert dict(zip(ok.columns, row_of(ok, "po_ok"), strict=True))["Variance"] == Money(0, "USD")


def test_a_payout_blocked_twice_names_every_balance_transaction_and_every_fix() -> None:
    first = ("missing_payment", "txn_a", "charge ch_a has no synced NetSuite payment: load it.")
    second = ("customer_currency_missing", "txn_b", "customer 7 lacks EUR: add the currency.")
    blocked = PayoutRow("po_two", D2, 900, "USD", "paid", deposit_status="blocked", code=first[0],
                        balance_transaction=first[1], reason=first[2] + " (+1 more problem(s))",
                        problems=(first, second))  # fmt: skip
    payouts = build_report(Ledger(Scope.day(D2), payouts=(blocked,)), LINKS).table("payouts")
    row = dict(zip(payouts.columns, row_of(payouts, "po_two"), strict=True))
    assert row["Code"] == "missing_payment"
    assert row["Balance transaction"] == "txn_a, txn_b"
    assert row["What to do"] == f"{first[2]} {second[2]}"
