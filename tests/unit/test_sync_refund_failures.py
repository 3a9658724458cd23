"""A refund that fails after it left Stripe's balance: the refund's records stand, and its failure is a
customer payment of the same amount into the Stripe clearing account, unapplied, with the reason (never a
deletion)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from stripe_netsuite.sync.errors import LedgerMappingError
from stripe_netsuite.sync.external_ids import LedgerRecord, parse_external_id
from stripe_netsuite.sync.records import ApplyLine
from stripe_netsuite.sync.refunds import RecordedPayment, ReturnedRefund, build_reversal
from stripe_netsuite.sync.reversals import refund_failure_reversal, refund_reversal
from tests.unit.test_sync_fixtures import OCT_1_0300_UTC, balance_transaction, ledger_settings, refund

D = Decimal
CHARGE = "ch_3PaidOnThePage001"
DAY = 86400
FAILED_AT = OCT_1_0300_UTC + 20 * DAY  # Oct 20, 20:00 in Los Angeles


def failed(amount: int = 3000, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": "failed",
        "failure_reason": "expired_or_canceled_card",
        "failure_balance_transaction": "txn_back",
    }
    values.update(fields)
    return refund(amount, **values)


def returned(currency: str = "usd", rate: Any = None, amount: int = 3000) -> dict[str, Any]:
    return balance_transaction(
        currency, rate, amount, id="txn_back", type="refund_failure", created=FAILED_AT
    )


def paid(amount: str = "100.00", *applications: tuple[str, str], currency: str = "USD",
         currency_id: str = "1") -> RecordedPayment:  # fmt: skip
    lines = tuple(ApplyLine(doc, D(value)) for doc, value in applications)
    return RecordedPayment("2001", CHARGE, "102", currency, currency_id, D(amount), lines, "1")


def build(refund_obj: dict[str, Any], txn: dict[str, Any], payment: RecordedPayment, earlier: str = "30.00",
          **settings: Any) -> Any:  # fmt: skip
    reversal = refund_failure_reversal(refund_obj, txn)
    assert reversal is not None
    return build_reversal(
        reversal, payment, earlier_reversed=D(earlier), settings=ledger_settings(**settings)
    )


def test_a_failed_refund_that_had_left_the_balance_still_stands_as_the_refund_it_was() -> None:
    standing = refund_reversal(failed())
    succeeded = refund_reversal(refund(3000))
    assert standing == succeeded  # the same records on every run, whenever the loader first sees it


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(refund(3000, status="canceled"), id="canceled"),
        pytest.param(refund(3000, status="failed"), id="failed-without-leaving"),
        pytest.param(refund(3000, status="failed", failure_balance_transaction=None), id="no-return"),
    ],
)
def test_a_refund_that_never_left_the_balance_is_nothing_and_has_no_failure(obj: dict[str, Any]) -> None:
    assert refund_reversal(obj) is None
    assert refund_failure_reversal(obj, returned()) is None


def test_a_refund_still_succeeded_has_no_failure() -> None:
    assert refund_failure_reversal(refund(3000), returned()) is None


def test_the_failure_is_a_customer_payment_into_the_clearing_account_with_the_reason() -> None:
    result = build(failed(), returned(), paid("100.00"))
    assert result.writes() == (result.refund,) and isinstance(result.refund, ReturnedRefund)
    assert result.payment_update is None and result.credit_memo is None
    assert result.refund.amount == D("30.00")
    assert result.refund.body() == {
        "externalId": "rf-re_3Refund001",
        "customer": {"id": "102"},
        "currency": {"id": "1"},
        "tranDate": "2026-10-20",  # when the money came back, in Los Angeles
        "memo": "Stripe: re_3Refund001 refund failed: expired_or_canceled_card",
        "payment": "30.00",
        "paymentOption": {"id": "1"},
        "undepFunds": {"id": "F"},  # posted to `account`, not Undeposited Funds
        "account": {"id": "1"},  # the clearing account the refund was paid from
        "autoApply": False,
        "apply": {"items": []},  # unapplied: the customer's credit, to refund another way
    }


def test_an_applied_payment_keeps_its_credit_memo_the_failure_only_returns_the_money() -> None:
    result = build(failed(4000), returned(amount=4000), paid("100.00", ("1001", "100.00")), earlier="40.00")
    assert result.writes() == (result.refund,)
    assert result.refund.body()["payment"] == "40.00" and result.refund.body()["apply"] == {"items": []}


@pytest.mark.parametrize(
    ("currency", "currency_id", "amount", "rate", "expected_amount", "expected_rate"),
    [
        pytest.param("eur", "4", 2500, 1.0843, "25.00", "1.0843", id="eur-converted-at-the-failure-rate"),
        pytest.param("jpy", "5", 12500, 0.0067, "12500", "0.0067", id="jpy-no-decimals"),
        pytest.param("kwd", "6", 12340, 3.25, "12.340", "3.25", id="kwd-three-decimals"),
        pytest.param("usd", "1", 999, None, "9.99", None, id="usd-base-no-rate"),
    ],
)
def test_amounts_in_the_charge_currency_at_the_rate_of_the_day_the_money_came_back(
    currency: str, currency_id: str, amount: int, rate: Any, expected_amount: str, expected_rate: str | None
) -> None:
    obj = failed(amount, currency=currency)
    payment = paid(
        "500.000" if currency == "kwd" else "50000", currency=currency.upper(), currency_id=currency_id
    )
    result = build(obj, returned("usd", rate, amount), payment, earlier="0")
    body = result.refund.body()
    assert (body["payment"], body.get("exchangeRate"), body["currency"], body["account"]) == (
        expected_amount,
        expected_rate,
        {"id": currency_id},
        {"id": currency_id},
    )


def test_the_failure_must_be_the_refunds_own_transaction() -> None:
    with pytest.raises(LedgerMappingError, match="is not the failure transaction of re_3Refund001"):
        refund_failure_reversal(failed(), {**returned(), "id": "txn_other"})


def test_a_failure_of_another_charges_refund_is_refused() -> None:
    reversal = refund_failure_reversal(failed(charge="ch_somethingElse"), returned())
    assert reversal is not None
    with pytest.raises(LedgerMappingError, match="belongs to charge ch_somethingElse"):
        build_reversal(reversal, paid(), earlier_reversed=D(0), settings=ledger_settings())


def test_a_currency_without_a_clearing_account_is_an_actionable_error() -> None:
    with pytest.raises(LedgerMappingError, match="no Stripe clearing account is configured for USD"):
        build(failed(), returned(), paid(), clearing_accounts={"EUR": "4"})


def test_the_external_id_is_keyed_by_the_refund_and_parses_back() -> None:
    reversal = refund_failure_reversal(failed(), returned())
    assert reversal is not None and reversal.record is LedgerRecord.REFUND_FAILURE
    assert (
        reversal.created == FAILED_AT
        and date(2026, 10, 20) == build(failed(), returned(), paid()).refund.payment.tran_date
    )
    assert parse_external_id("customerPayment", "rf-re_3Refund001") == (
        LedgerRecord.REFUND_FAILURE,
        "re_3Refund001",
    )
    assert parse_external_id("customerPayment", "ch_3PaidOnThePage001") == (LedgerRecord.PAYMENT, CHARGE)
