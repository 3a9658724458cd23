"""Refunds, lost disputes, failed bank debits: credit memo on the invoice, refund from clearing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.records import ApplyLine, CreditMemo, CustomerRefund, PaymentApplications
from stripe_netsuite.sync.refunds import RecordedPayment, build_reversal
from stripe_netsuite.sync.reversals import (
    Reversal,
    dispute_reversal,
    failed_payment_reversal,
    refund_reversal,
)
from tests.unit.test_sync_fixtures import (
    OCT_1_0300_UTC,
    balance_transaction,
    charge,
    dispute,
    ledger_settings,
    refund,
)

D = Decimal
CHARGE = "ch_3PaidOnThePage001"


def paid(amount: str, *applications: tuple[str, str], currency: str = "USD", currency_id: str = "1",
         subsidiary: str | None = "1") -> RecordedPayment:
    lines = tuple(ApplyLine(doc, D(value)) for doc, value in applications)
    return RecordedPayment("2001", CHARGE, "102", currency, currency_id, D(amount), lines, subsidiary)


def reverse(reversal: Reversal | None, payment: RecordedPayment, earlier: str = "0", **settings: Any) -> Any:
    assert reversal is not None
    return build_reversal(reversal, payment, earlier_reversed=D(earlier),
                          settings=ledger_settings(**settings))


def lines(*pairs: tuple[str, str]) -> tuple[ApplyLine, ...]:
    return tuple(ApplyLine(doc, D(value)) for doc, value in pairs)


def test_refund_of_an_unapplied_payment_is_a_customer_refund_alone() -> None:
    result = reverse(refund_reversal(refund(5000)), paid("150.00"))
    assert result.payment_update is None and result.credit_memo is None
    assert result.writes() == (result.refund,)
    assert result.refund.body() == {
        "externalId": "re_3Refund001",
        "customer": {"id": "102"},
        "currency": {"id": "1"},
        "tranDate": "2026-10-01",  # a day after the charge, in Los Angeles
        "memo": "Stripe: re_3Refund001",
        "paymentOption": {"id": "1"},
        "account": {"id": "1"},  # the Stripe clearing account, not the bank
        "apply": {"items": [{"doc": {"id": "2001"}, "apply": True, "amount": "50.00"}]},
    }


def test_refund_of_an_applied_payment_moves_the_amount_from_payment_to_credit_memo() -> None:
    result = reverse(refund_reversal(refund(3000)), paid("100.00", ("1001", "100.00")))
    assert result.writes() == (result.payment_update, result.credit_memo, result.refund)
    assert result.payment_update == PaymentApplications("2001", lines(("1001", "70.00")))
    assert result.credit_memo == CreditMemo(
        external_id="cm-re_3Refund001", customer_id="102", currency_id="1", amount=D("30.00"),
        tran_date=result.refund.tran_date, exchange_rate=None, memo="Stripe: re_3Refund001", item_id="1",
        applications=lines(("1001", "30.00")),
    )
    assert result.refund.applications == lines(("2001", "30.00"))


@pytest.mark.parametrize(
    ("payment", "amount", "earlier", "update", "credit"),
    [
        pytest.param(paid("150.00", ("1001", "100.00")), 3000, "0", None, None, id="from-unapplied-first"),
        pytest.param(paid("150.00", ("1001", "100.00")), 4000, "30.00", lines(("1001", "80.00")),
                     lines(("1001", "20.00")), id="unapplied-then-applied"),
        pytest.param(paid("2900.00", ("1001", "1500.00"), ("1002", "1400.00")), 150000, "0",
                     lines(("1001", "1400.00"), ("1002", "0.00")),
                     lines(("1001", "100.00"), ("1002", "1400.00")), id="statement-last-invoice-first"),
        pytest.param(paid("2900.00", ("1001", "1500.00"), ("1002", "1400.00")), 100000, "1500.00",
                     lines(("1001", "400.00")), lines(("1001", "1000.00")), id="second-refund-continues"),
        pytest.param(paid("2900.00", ("1001", "1500.00"), ("1002", "1400.00")), 40000, "2500.00",
                     lines(("1001", "0.00")), lines(("1001", "400.00")),
                     id="last-refund-empties-the-payment"),
    ],
)
def test_partial_and_multiple_refunds_come_off_unapplied_money_then_the_last_application(
    payment: RecordedPayment, amount: int, earlier: str, update: tuple[ApplyLine, ...] | None,
    credit: tuple[ApplyLine, ...] | None,
) -> None:
    result = reverse(refund_reversal(refund(amount)), payment, earlier)
    assert (result.payment_update.lines if result.payment_update else None) == update
    assert (result.credit_memo.applications if result.credit_memo else None) == credit
    if result.credit_memo:
        assert result.credit_memo.amount == sum((line.amount for line in credit or ()), D(0))
    assert result.refund.applications == (ApplyLine("2001", D(amount) / 100),)


def test_three_refunds_in_turn_add_up_to_the_payment_and_credit_each_invoice_fully() -> None:
    payment = paid("2900.00", ("1001", "1500.00"), ("1002", "1400.00"))
    credited: dict[str, Decimal] = {}
    refunded = D(0)
    for number, minor in enumerate((100000, 90000, 100000)):
        result = reverse(refund_reversal(refund(minor, f"re_{number}")), payment, str(refunded))
        for line in result.credit_memo.applications:
            credited[line.doc_id] = credited.get(line.doc_id, D(0)) + line.amount
        refunded += result.refund.amount
    assert refunded == payment.amount
    assert credited == {"1001": D("1500.00"), "1002": D("1400.00")}
    assert result.payment_update.lines == lines(("1001", "0.00"))


@pytest.mark.parametrize(
    ("payment", "minor", "currency", "text"),
    [
        pytest.param(paid("125000", ("1026", "125000"), currency="JPY", currency_id="5"), 5000, "jpy", "5000",
                     id="jpy"),
        pytest.param(paid("1250.750", ("1037", "1250.750"), currency="KWD", currency_id="6"), 10250, "kwd",
                     "10.250", id="kwd"),
    ],
)
def test_refund_amounts_keep_the_currencys_decimals(
    payment: RecordedPayment, minor: int, currency: str, text: str
) -> None:
    result = reverse(refund_reversal(refund(minor, currency=currency)), payment)
    assert result.refund.body()["apply"]["items"][0]["amount"] == text
    assert result.credit_memo.body()["item"]["items"][0]["amount"] == text
    assert result.refund.body()["account"] == {"id": payment.currency_id}  # that currency's clearing account


def test_a_refund_of_a_converted_charge_uses_the_refunds_own_rate() -> None:
    payment = paid("1200.00", currency="EUR", currency_id="4")
    reversal = refund_reversal(refund(10000, currency="eur"), balance_transaction("usd", 1.0917))
    result = reverse(reversal, payment)
    assert result.refund.body()["exchangeRate"] == "1.0917"


def test_an_expanded_refund_balance_transaction_is_used() -> None:
    reversal = refund_reversal(refund(10000, currency="eur",
                                      balance_transaction=balance_transaction("usd", 1.0917)))
    assert reversal is not None and reversal.rate is not None and reversal.rate.rate == D("1.0917")


@pytest.mark.parametrize("status", ["failed", "canceled", "requires_action"])
def test_a_refund_that_never_took_money_back_is_no_reversal(status: str) -> None:
    assert refund_reversal(refund(1000, status=status)) is None


@pytest.mark.parametrize("status", ["pending", "succeeded"])
def test_a_refund_that_took_money_from_the_balance_is_a_reversal(status: str) -> None:
    assert refund_reversal(refund(1000, status=status)) is not None


WITHDRAWAL = balance_transaction("usd", None, -5000, id="txn_withdrawal", created=OCT_1_0300_UTC + 3 * 86400)
REINSTATED = balance_transaction("usd", None, 5000, id="txn_reinstated", created=OCT_1_0300_UTC + 40 * 86400)


def test_a_lost_dispute_is_a_refund_with_a_credit_memo_dated_when_the_funds_were_withdrawn() -> None:
    result = reverse(dispute_reversal(dispute(5000, [WITHDRAWAL])), paid("100.00", ("1001", "100.00")))
    assert result.refund.external_id == "dp_1Dispute001"
    assert result.credit_memo.external_id == "cm-dp_1Dispute001"
    assert result.refund.memo == "Stripe: dp_1Dispute001 (dispute: fraudulent)"
    assert result.refund.tran_date.isoformat() == "2026-10-03"
    assert result.payment_update.lines == lines(("1001", "50.00"))


def test_a_won_dispute_adds_nothing_and_keeps_the_withdrawal_whenever_it_is_first_seen() -> None:
    lost = dispute_reversal(dispute(5000, [WITHDRAWAL], status="lost"))
    won = dispute_reversal(dispute(5000, [WITHDRAWAL, REINSTATED], status="won"))
    assert won == lost


@pytest.mark.parametrize(
    "transactions",
    [
        pytest.param([], id="inquiry-no-money-moved"),
        pytest.param([balance_transaction("usd", None, 0)], id="zero"),
    ],
)
def test_a_dispute_that_withdrew_nothing_is_no_reversal(transactions: list[dict[str, Any]]) -> None:
    assert dispute_reversal(dispute(5000, transactions, status="warning_needs_response")) is None


def test_a_dispute_of_a_converted_charge_uses_the_withdrawals_rate() -> None:
    withdrawal = balance_transaction("usd", 1.1021, -5511, created=OCT_1_0300_UTC + 86400)
    reversal = dispute_reversal(dispute(5000, [withdrawal], currency="eur"))
    result = reverse(reversal, paid("1200.00", currency="EUR", currency_id="4"))
    assert result.refund.body()["exchangeRate"] == "1.1021"


def test_a_failed_bank_debit_is_unapplied_and_refunded_in_full_with_the_reason() -> None:
    failed = charge(150000, id="py_3BankDebit001", status="failed", failure_code="insufficient_funds",
                    failure_message="The account has insufficient funds.")
    payment = RecordedPayment("2001", "py_3BankDebit001", "102", "USD", "1", D("1500.00"),
                              lines(("1001", "1000.00"), ("1002", "400.00")), "1")
    result = reverse(failed_payment_reversal(failed, OCT_1_0300_UTC + 4 * 86400), payment)
    assert result.credit_memo is None  # the customer never paid: the invoices are open again
    assert result.payment_update == PaymentApplications("2001", lines(("1001", "0"), ("1002", "0")))
    assert result.payment_update.body()["apply"]["items"][0] == {"doc": {"id": "1001"}, "apply": False}
    assert result.refund == CustomerRefund(
        external_id="fail-py_3BankDebit001", customer_id="102", currency_id="1",
        tran_date=result.refund.tran_date, exchange_rate=None,
        memo="Stripe: py_3BankDebit001 payment failed: The account has insufficient funds. "
             "(insufficient_funds)",
        payment_option_id="1", account_id="1", applications=lines(("2001", "1500.00")),
    )
    assert result.writes() == (result.payment_update, result.refund)


def test_a_failed_debit_after_a_partial_refund_returns_what_is_left() -> None:
    failed = charge(150000, status="failed")
    result = reverse(failed_payment_reversal(failed, OCT_1_0300_UTC), paid("1500.00", ("1001", "1500.00")),
                     "100.00")
    assert result.refund.amount == D("1400.00")
    assert result.payment_update.lines == lines(("1001", "0"))


def test_only_a_failed_charge_has_a_failed_payment_to_reverse() -> None:
    with pytest.raises(LedgerMappingError, match="has not failed"):
        failed_payment_reversal(charge(), OCT_1_0300_UTC)


@pytest.mark.parametrize(
    ("reversal", "payment", "earlier", "message"),
    [
        pytest.param(refund_reversal(refund(20000)), paid("150.00"), "0", "left to return",
                     id="more-than-paid"),
        pytest.param(refund_reversal(refund(5000)), paid("150.00"), "120.00", "left to return",
                     id="more-than-left"),
        pytest.param(refund_reversal(refund(5000, charge="ch_other")), paid("150.00"), "0",
                     "belongs to charge ch_other", id="another-charge"),
        pytest.param(refund_reversal(refund(5000, currency="eur")), paid("150.00"), "0", "is in EUR",
                     id="another-currency"),
        pytest.param(failed_payment_reversal(charge(status="failed"), 1), paid("150.00"), "150.00",
                     "left to return", id="failed-after-full-refund"),
    ],
)
def test_a_reversal_that_does_not_fit_its_payment_is_an_error(
    reversal: Reversal | None, payment: RecordedPayment, earlier: str, message: str
) -> None:
    with pytest.raises(LedgerMappingError, match=message):
        reverse(reversal, payment, earlier)


def test_a_refund_without_a_clearing_account_for_its_currency_is_an_actionable_error() -> None:
    with pytest.raises(LedgerMappingError, match="no Stripe clearing account is configured for USD"):
        reverse(refund_reversal(refund(1000)), paid("150.00"), clearing_accounts={"EUR": "4"})


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        pytest.param(refund(1000, charge=None), "names no charge", id="refund-without-charge"),
        pytest.param(refund(1000, created=None), "no created time", id="refund-without-time"),
        pytest.param(refund(-5), "no positive amount", id="negative-refund"),
    ],
)
def test_malformed_stripe_objects_are_errors(obj: dict[str, Any], message: str) -> None:
    with pytest.raises(LedgerMappingError, match=message):
        refund_reversal(obj)


def test_a_failed_debit_paid_on_account_is_a_refund_alone() -> None:
    failed = charge(150000, status="failed", failure_code="account_closed")
    result = reverse(failed_payment_reversal(failed, OCT_1_0300_UTC), paid("1500.00"))
    assert result.writes() == (result.refund,)
    assert result.refund.memo == f"Stripe: {CHARGE} payment failed: the bank debit failed (account_closed)"
