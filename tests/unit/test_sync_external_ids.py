"""Each ledger record's externalId comes from its Stripe id, fits NetSuite's `eid:` paths, never collides."""

from __future__ import annotations

import re

import pytest

from stripe_netsuite.netsuite.client import _external_id as client_accepts
from stripe_netsuite.sync.external_ids import LedgerRecord, external_id, parse_external_id

# NetSuite: an external id used in a URL holds letters, digits, `_` and `-` only.
NETSUITE_EID = re.compile(r"[A-Za-z0-9_-]+")


@pytest.mark.parametrize(
    ("record", "stripe_id", "expected"),
    [
        pytest.param(LedgerRecord.PAYMENT, "ch_3PaidOnThePage001", "ch_3PaidOnThePage001", id="card-charge"),
        pytest.param(LedgerRecord.PAYMENT, "py_3BankDebit001", "py_3BankDebit001", id="bank-debit-charge"),
        pytest.param(LedgerRecord.REFUND, "re_3Refund001", "re_3Refund001", id="refund"),
        pytest.param(LedgerRecord.REFUND, "pyr_1BankRefund", "pyr_1BankRefund", id="bank-debit-refund"),
        pytest.param(LedgerRecord.REFUND, "dp_1Dispute001", "dp_1Dispute001", id="dispute-withdrawal"),
        pytest.param(LedgerRecord.CREDIT_MEMO, "re_3Refund001", "cm-re_3Refund001", id="refund-credit-memo"),
        pytest.param(LedgerRecord.CREDIT_MEMO, "dp_1Dispute001", "cm-dp_1Dispute001",
                     id="dispute-credit-memo"),
        pytest.param(LedgerRecord.FAILED_PAYMENT_REFUND, "py_3BankDebit001", "fail-py_3BankDebit001",
                     id="failed-debit-refund"),
    ],
)
def test_external_id_is_derived_from_the_stripe_id(
    record: LedgerRecord, stripe_id: str, expected: str
) -> None:
    result = external_id(record, stripe_id)
    assert result == expected
    assert NETSUITE_EID.fullmatch(result)
    assert client_accepts(result) == result  # the NetSuite client will put it in a URL as is
    assert parse_external_id(record.record_type, result) == (record, stripe_id)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("", id="empty"),
        pytest.param("ch 1", id="space"),
        pytest.param("ch_1/../customer", id="path"),
        pytest.param("ch_1?x=1", id="query"),
        pytest.param("ch-1", id="dash-would-collide-with-prefixes"),
        pytest.param("ch_ü", id="non-ascii"),
        pytest.param("c" * 256, id="longer-than-stripe-ids"),
        pytest.param(None, id="none"),
    ],
)
def test_a_value_that_is_not_a_stripe_id_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="not a Stripe id"):
        external_id(LedgerRecord.PAYMENT, bad)  # type: ignore[arg-type]


def test_records_of_one_stripe_object_never_share_an_external_id() -> None:
    stripe_id = "ch_3Same"
    by_type: dict[str, set[str]] = {}
    for record in LedgerRecord:
        ids = by_type.setdefault(record.record_type, set())
        value = external_id(record, stripe_id)
        assert value not in ids
        ids.add(value)


@pytest.mark.parametrize(
    ("record_type", "value"),
    [
        pytest.param("customerPayment", "PYMT-manual-1", id="someone-elses"),
        pytest.param("creditMemo", "re_1", id="credit-memo-without-prefix"),
        pytest.param("invoice", "in_1", id="not-a-ledger-type"),
        pytest.param("journalEntry", "po_1", id="reversal-without-prefix"),
    ],
)
def test_external_ids_the_ledger_did_not_make_are_not_parsed(record_type: str, value: str) -> None:
    assert parse_external_id(record_type, value) is None
