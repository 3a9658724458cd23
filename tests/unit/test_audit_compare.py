"""The ledger audit's pure comparison, over hand-built sides: a clean ledger agrees, each kind of drift is
found with both sides and a remedy."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from stripe_netsuite.audit import AGREEMENT, DISAGREEMENT, AuditPeriod, Code, audit_ledger
from stripe_netsuite.audit.report import build_summary, render_markdown, render_note
from stripe_netsuite.audit.sides import LedgerEntry, NetSuiteSide, StripeSide
from stripe_netsuite.sync.customers import CustomerFacts
from stripe_netsuite.sync.settings import LedgerSettings

D = Decimal
PERIOD = AuditPeriod(date(2026, 10, 1), date(2026, 10, 7))
NOON = int(datetime(2026, 10, 3, 19, 0, tzinfo=UTC).timestamp())  # 12:00 in Los Angeles
ARRIVAL = int(datetime(2026, 10, 6, tzinfo=UTC).timestamp())
SETTINGS = LedgerSettings(
    time_zone="America/Los_Angeles",
    base_currencies={"1": "USD"},
    payment_option_id="1",
    undeposited_funds_account_id="7",
    clearing_accounts={"USD": "1"},
    unallocated_customer_id="101",
    credit_memo_item_id="1",
)
CUSTOMERS = {
    "101": CustomerFacts("101", "Stripe Unallocated Charges", ("USD", "JPY", "KWD")),
    "106": CustomerFacts("106", "Acme", ("USD", "JPY", "KWD")),
    "107": CustomerFacts("107", "Globex", ("USD",)),
    "108": CustomerFacts("108", "Gone Ltd", ("USD",), is_inactive=True),
}


def charge(
    charge_id: str,
    amount: int,
    currency: str = "usd",
    customer: str | None = "106",
    status: str = "succeeded",
    **extra: Any,
) -> dict[str, Any]:
    metadata = {"netsuite_customer_id": customer} if customer else {}
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "currency": currency,
        "status": status,
        "created": NOON,
        "metadata": metadata,
        **extra,
    }


def refund(refund_id: str, charge_id: str, amount: int, status: str = "succeeded") -> dict[str, Any]:
    return {
        "id": refund_id,
        "object": "refund",
        "charge": charge_id,
        "amount": amount,
        "currency": "usd",
        "status": status,
        "created": NOON,
    }


def dispute(
    dispute_id: str, charge_id: str, amount: int, status: str, withdrawn: bool, currency: str = "usd"
) -> dict[str, Any]:
    moves = [{"id": "txn_d1", "amount": -amount, "created": NOON, "currency": "usd"}] if withdrawn else []
    if status == "won":
        moves.append({"id": "txn_d2", "amount": amount, "created": NOON + 99, "currency": "usd"})
    return {
        "id": dispute_id,
        "object": "dispute",
        "charge": charge_id,
        "amount": amount,
        "currency": currency,
        "status": status,
        "created": NOON,
        "reason": "fraudulent",
        "balance_transactions": moves,
    }


def payout(payout_id: str, amount: int, status: str = "paid", automatic: bool = True) -> dict[str, Any]:
    return {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "currency": "usd",
        "status": status,
        "automatic": automatic,
        "arrival_date": ARRIVAL,
    }


def entry(
    record_type: str,
    external_id: str,
    amount: str,
    customer: str | None = "106",
    currency: str = "USD",
    day: date = date(2026, 10, 3),
    internal_id: str = "",
) -> LedgerEntry:
    return LedgerEntry(
        internal_id or str(abs(hash(external_id)) % 10_000),
        record_type,
        external_id,
        customer,
        currency,
        D(amount),
        day,
    )


def clean() -> tuple[StripeSide, dict[tuple[str, str], LedgerEntry]]:
    """A small ledger that agrees: USD, JPY and KWD charges, a refund, a lost and a won dispute, a payout."""
    charges = [
        charge("ch_usd", 12_345),
        charge("ch_jpy", 5_000, "jpy"),
        charge("ch_kwd", 12_340, "kwd"),
        charge("ch_nobody", 2_000, customer=None),  # no customer id: the catch-all customer
        charge("ch_declined", 999, status="failed"),  # a declined card: nothing in NetSuite
    ]
    refunds = [refund("re_1", "ch_usd", 2_345), refund("re_failed", "ch_usd", 100, status="failed")]
    disputes = [
        dispute("dp_lost", "ch_nobody", 2_000, "lost", True),
        dispute("dp_won", "ch_jpy", 5_000, "won", True, "jpy"),
        dispute("dp_open", "ch_kwd", 12_340, "warning_needs_response", False, "kwd"),
    ]
    payouts = [
        payout("po_1", 10_000),
        payout("po_manual", 5_000, automatic=False),
        payout("po_debit", -300),
        payout("po_transit", 700, status="in_transit"),
    ]
    known = {str(o["id"]): o for o in (*charges, *refunds, *disputes, *payouts)}
    entries = [
        entry("customerPayment", "ch_usd", "123.45"),
        entry("customerPayment", "ch_jpy", "5000", currency="JPY"),
        entry("customerPayment", "ch_kwd", "12.340", currency="KWD"),
        entry("customerPayment", "ch_nobody", "20.00", customer="101"),
        entry("customerRefund", "re_1", "23.45"),
        entry("creditMemo", "cm-re_1", "23.45"),
        entry("customerRefund", "dp_lost", "20.00", customer="101"),
        entry("customerRefund", "dp_won", "5000", currency="JPY"),
        entry("deposit", "po_1", "100.00", customer=None, day=date(2026, 10, 6)),
        entry("customerPayment", "INV-1001", "10.00"),  # not a Stripe external id: not the audit's business
    ]
    return StripeSide(charges, refunds, disputes, payouts, known), {e.key: e for e in entries}


def audit(stripe: StripeSide, entries: dict[tuple[str, str], LedgerEntry]) -> Any:
    return audit_ledger(stripe, NetSuiteSide(entries, CUSTOMERS), SETTINGS, PERIOD)


def codes(result: Any) -> list[tuple[Code, str]]:
    return [(d.code, d.stripe_id) for d in result.disagreements]


def test_a_clean_ledger_is_in_agreement() -> None:
    stripe, entries = clean()
    result = audit(stripe, entries)
    assert codes(result) == []
    assert result.verdict == AGREEMENT
    assert result.checked == {"charges": 5, "refunds": 2, "disputes": 3, "payouts": 4, "netsuite_records": 10}


def test_a_deleted_payment_is_missing_with_stripes_side_and_a_replay() -> None:
    stripe, entries = clean()
    del entries[("customerPayment", "ch_usd")]
    (found,) = audit(stripe, entries).disagreements
    assert (found.code, found.stripe_id, found.netsuite) == (Code.MISSING_PAYMENT, "ch_usd", None)
    assert found.stripe["amount"] == "123.45 USD" and found.stripe["customer"] == "106 (by charge metadata)"
    assert found.stripe["date"] == "2026-10-03"
    assert "replay ch_usd" in found.what_to_do


@pytest.mark.parametrize(
    ("external_id", "amount", "currency"),
    [("ch_usd", "123.46", "USD"), ("ch_jpy", "5001", "JPY"), ("ch_kwd", "12.341", "KWD")],
    ids=["usd-cent", "jpy-zero-decimal", "kwd-three-decimals"],
)
def test_an_edited_payment_amount_shows_both_amounts(external_id: str, amount: str, currency: str) -> None:
    stripe, entries = clean()
    key = ("customerPayment", external_id)
    entries[key] = replace(entries[key], amount=D(amount))
    (found,) = audit(stripe, entries).disagreements
    assert (found.code, found.stripe_id) == (Code.PAYMENT_AMOUNT, external_id)
    assert found.netsuite is not None and found.netsuite["amount"] == f"{amount} {currency}"
    assert found.stripe["amount"] != found.netsuite["amount"]


def test_the_same_amount_written_with_other_trailing_zeros_agrees() -> None:
    stripe, entries = clean()
    key = ("customerPayment", "ch_kwd")
    entries[key] = replace(entries[key], amount=D("12.34"))  # NetSuite drops trailing zeros
    assert codes(audit(stripe, entries)) == []


def test_a_payment_moved_to_another_customer_is_found() -> None:
    stripe, entries = clean()
    key = ("customerPayment", "ch_usd")
    entries[key] = replace(entries[key], customer_id="107")
    # Its refund stays on 106: the refund now disagrees with its payment too.
    assert codes(audit(stripe, entries)) == [
        (Code.PAYMENT_CUSTOMER, "ch_usd"),
        (Code.REFUND_CUSTOMER, "re_1"),
    ]


def test_the_customer_is_the_connectors_rule_an_inactive_named_customer_means_the_catch_all() -> None:
    stripe, entries = clean()
    charges = [*stripe.charges, charge("ch_gone", 500, customer="108")]
    stripe = replace(stripe, charges=charges, known={**stripe.known, "ch_gone": charges[-1]})
    entries[("customerPayment", "ch_gone")] = entry("customerPayment", "ch_gone", "5.00", customer="101")
    assert codes(audit(stripe, entries)) == []
    entries[("customerPayment", "ch_gone")] = entry("customerPayment", "ch_gone", "5.00", customer="108")
    (found,) = audit(stripe, entries).disagreements
    assert found.code == Code.PAYMENT_CUSTOMER and found.stripe["customer"] == "101 (by unallocated)"


def test_a_charge_the_connector_cannot_record_is_missing_with_the_reason() -> None:
    stripe, entries = clean()
    charges = [*stripe.charges, charge("ch_eur", 500, "eur", customer="107")]
    stripe = replace(stripe, charges=charges, known={**stripe.known, "ch_eur": charges[-1]})
    (found,) = audit(stripe, entries).disagreements
    assert found.code == Code.MISSING_PAYMENT and "has no EUR currency" in found.detail


def test_a_payment_in_another_currency_is_found() -> None:
    stripe, entries = clean()
    key = ("customerPayment", "ch_usd")
    entries[key] = replace(entries[key], currency="EUR")
    assert codes(audit(stripe, entries)) == [(Code.PAYMENT_CURRENCY, "ch_usd")]


def test_refunds_and_withdrawn_disputes_need_their_customer_refund_whatever_the_outcome() -> None:
    stripe, entries = clean()
    for key in [("customerRefund", "re_1"), ("customerRefund", "dp_lost"), ("customerRefund", "dp_won")]:
        del entries[key]
    assert codes(audit(stripe, entries)) == [
        (Code.MISSING_REFUND, "dp_lost"),
        (Code.MISSING_REFUND, "dp_won"),
        (Code.MISSING_REFUND, "re_1"),
    ]


def test_an_edited_refund_and_a_refund_stripe_never_took_are_found() -> None:
    stripe, entries = clean()
    key = ("customerRefund", "re_1")
    entries[key] = replace(entries[key], amount=D("20.00"))
    entries[("customerRefund", "re_failed")] = entry("customerRefund", "re_failed", "1.00")
    entries[("customerRefund", "dp_open")] = entry("customerRefund", "dp_open", "12.34", currency="KWD")
    assert codes(audit(stripe, entries)) == [
        (Code.REFUND_AMOUNT, "re_1"),
        (Code.REFUND_NOT_TAKEN, "dp_open"),
        (Code.REFUND_NOT_TAKEN, "re_failed"),
    ]


def test_a_deleted_deposit_is_missing_and_only_paid_automatic_credit_payouts_need_one() -> None:
    stripe, entries = clean()
    del entries[("deposit", "po_1")]
    (found,) = audit(stripe, entries).disagreements
    assert (found.code, found.stripe_id, found.netsuite) == (Code.MISSING_DEPOSIT, "po_1", None)
    assert found.stripe == {
        "object": "payout po_1",
        "status": "paid",
        "amount": "100.00 USD",
        "date": "2026-10-06",
    }


def test_a_deposit_edited_in_total_or_date_is_found() -> None:
    stripe, entries = clean()
    key = ("deposit", "po_1")
    entries[key] = replace(entries[key], amount=D("99.99"), tran_date=date(2026, 10, 5))
    assert codes(audit(stripe, entries)) == [(Code.DEPOSIT_TOTAL, "po_1"), (Code.DEPOSIT_DATE, "po_1")]


def test_a_payout_failed_after_its_deposit_needs_the_reversal_journal() -> None:
    stripe, entries = clean()
    failed = {**stripe.payouts[0], "status": "failed"}
    stripe = replace(stripe, payouts=[failed], known={**stripe.known, "po_1": failed})
    assert codes(audit(stripe, entries)) == [(Code.PAYOUT_FAILED_NOT_REVERSED, "po_1")]
    entries[("journalEntry", "rev-po_1")] = entry("journalEntry", "rev-po_1", "100.00", customer=None)
    assert codes(audit(stripe, entries)) == []


def test_a_failed_bank_debit_with_a_payment_needs_its_fail_refund() -> None:
    stripe, entries = clean()
    charges = [*stripe.charges, charge("py_debit", 4_000, status="failed")]
    stripe = replace(stripe, charges=charges, known={**stripe.known, "py_debit": charges[-1]})
    entries[("customerPayment", "py_debit")] = entry("customerPayment", "py_debit", "40.00")
    assert codes(audit(stripe, entries)) == [(Code.FAILED_DEBIT_NOT_REVERSED, "py_debit")]
    entries[("customerRefund", "fail-py_debit")] = entry("customerRefund", "fail-py_debit", "40.00")
    assert codes(audit(stripe, entries)) == []
    entries[("customerPayment", "ch_declined")] = entry("customerPayment", "ch_declined", "9.99")
    entries[("customerRefund", "fail-ch_declined")] = entry("customerRefund", "fail-ch_declined", "9.99")
    assert codes(audit(stripe, entries)) == []  # a failed charge recorded then reversed is consistent


def test_a_payment_for_a_charge_that_took_no_money_is_found() -> None:
    stripe, entries = clean()
    charges = [*stripe.charges, charge("ch_auth", 300, status="canceled")]
    stripe = replace(stripe, charges=charges, known={**stripe.known, "ch_auth": charges[-1]})
    entries[("customerPayment", "ch_auth")] = entry("customerPayment", "ch_auth", "3.00")
    assert codes(audit(stripe, entries)) == [(Code.PAYMENT_FOR_UNPAID_CHARGE, "ch_auth")]


def test_records_under_stripe_ids_stripe_does_not_know_or_of_the_wrong_kind_are_found() -> None:
    stripe, entries = clean()
    for extra in (
        entry("customerPayment", "ch_madebyhand", "50.00"),
        entry("deposit", "po_madebyhand", "50.00", customer=None),
        entry("customerPayment", "re_1x", "1.00"),
        entry("creditMemo", "cm-re_gone", "1.00"),
        entry("customerPayment", "abc_def", "1.00"),
    ):  # not a Stripe kind of id: ignored
        entries[extra.key] = extra
    entries[("customerPayment", "re_failed")] = entry("customerPayment", "re_failed", "1.00")
    found = audit(stripe, entries).disagreements
    assert [(d.code, d.stripe_id) for d in found] == [
        (Code.UNKNOWN_TO_STRIPE, "ch_madebyhand"),
        (Code.UNKNOWN_TO_STRIPE, "po_madebyhand"),
        (Code.UNKNOWN_TO_STRIPE, "re_1x"),
        (Code.UNKNOWN_TO_STRIPE, "re_gone"),
        (Code.WRONG_KIND, "re_failed"),
    ]
    assert found[0].netsuite is not None and found[0].netsuite["amount"] == "50.00 USD"
    assert "delete it" in found[0].what_to_do


def test_the_report_states_the_verdict_both_sides_and_what_to_do() -> None:
    stripe, entries = clean()
    summary = build_summary("run-1", audit(stripe, entries))
    assert summary["verdict"] == AGREEMENT
    assert render_note(summary, "/r/run-1.md").startswith(
        "ledger_audit 2026-10-01 to 2026-10-07: in agreement (5 charges, 2 refunds, 3 disputes, 4 payouts"
    )
    del entries[("customerPayment", "ch_usd")]
    entries[("deposit", "po_1")] = replace(entries[("deposit", "po_1")], amount=D("1.00"))
    summary = build_summary("run-2", audit(stripe, entries))
    assert summary["verdict"] == DISAGREEMENT and summary["by_code"] == {
        "deposit_total": 1,
        "missing_payment": 1,
    }
    note = render_note(summary, "/r/run-2.md")
    assert (
        "DISAGREEMENT, 2 found" in note and "missing_payment ch_usd" in note and note.endswith("/r/run-2.md")
    )
    markdown = render_markdown(summary)
    row = next(line for line in markdown.splitlines() if line.startswith("| deposit_total"))
    assert "amount 100.00 USD" in row and "amount 1.00 USD" in row and "--requeue po_1" in row


def test_a_ledger_record_kind_without_a_kind_check_is_still_checked_against_stripe() -> None:
    stripe, entries = clean()
    # A failed refund's money back (`rf-`, a customer payment) names the refund: Stripe knows it.
    entries[("customerPayment", "rf-re_1")] = entry("customerPayment", "rf-re_1", "23.45")
    assert codes(audit(stripe, entries)) == []


def test_a_copy_without_the_external_id_whose_memo_names_the_charge_is_a_duplicate() -> None:
    stripe, entries = clean()
    copy = replace(
        entries[("customerPayment", "ch_usd")], internal_id="9001", external_id="", memo="Stripe: ch_usd"
    )
    lone = replace(copy, internal_id="9002", memo="Stripe: ch_elsewhere")  # no record of it: not a copy
    other = replace(copy, internal_id="9003", memo="Paid by cheque")
    netsuite = NetSuiteSide(entries, CUSTOMERS, memo_only=[copy, lone, other])
    (found,) = audit_ledger(stripe, netsuite, SETTINGS, PERIOD).disagreements
    assert (found.code, found.stripe_id) == (Code.DUPLICATE, "ch_usd")
    assert found.netsuite is not None and found.netsuite["record"] == "customerPayment 9001"
    assert "is the record under ch_usd" in found.detail


def test_a_refund_that_failed_after_leaving_needs_its_refund_and_the_rf_payment_bringing_it_back() -> None:
    stripe, entries = clean()
    failed = {**refund("re_back", "ch_usd", 1_000, status="failed"), "failure_balance_transaction": "txn_f"}
    stripe = replace(stripe, refunds=[*stripe.refunds, failed], known={**stripe.known, "re_back": failed})
    entries[("customerRefund", "re_back")] = entry("customerRefund", "re_back", "10.00")
    assert codes(audit(stripe, entries)) == [(Code.REFUND_RETURN, "re_back")]
    entries[("customerPayment", "rf-re_back")] = entry("customerPayment", "rf-re_back", "10.00")
    assert codes(audit(stripe, entries)) == []
    entries[("customerPayment", "rf-re_back")] = entry(
        "customerPayment", "rf-re_back", "1.00", customer="107"
    )
    (found,) = audit(stripe, entries).disagreements
    assert found.code == Code.REFUND_RETURN
    assert found.detail == "amount: NetSuite 1.00, expected 10.00; customer: NetSuite 107, expected 106"
