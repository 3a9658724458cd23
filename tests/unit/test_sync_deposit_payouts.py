"""Payouts that are not plain: on their way, manual, debit, failed before or after their deposit."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from stripe_netsuite.sync.deposits import PayoutAction, classify_payout
from stripe_netsuite.sync.external_ids import LedgerRecord, parse_external_id
from tests.unit.test_sync_deposit_fixtures import (
    ARRIVAL,
    BANK_USD,
    CLEARING,
    PAYOUT,
    deposit_settings,
    payout,
)

CURRENCY_IDS = {"USD": "1", "EUR": "4"}
NEW_YORK = ZoneInfo("America/New_York")


def plan(obj: dict[str, Any], deposit_id: str | None = None, **kwargs: Any) -> Any:
    return classify_payout(
        obj, deposit_id=deposit_id, settings=deposit_settings(), currency_ids=CURRENCY_IDS, **kwargs
    )


@pytest.mark.parametrize(
    ("obj", "action", "words"),
    [
        pytest.param(
            payout(9680), PayoutAction.DEPOSIT, "of 96.80 USD arrived 2026-10-02", id="paid-automatic"
        ),
        pytest.param(payout(9680, status="pending"), PayoutAction.WAIT, "is pending", id="pending"),
        pytest.param(payout(9680, status="in_transit"), PayoutAction.WAIT, "is in_transit", id="in-transit"),
        pytest.param(payout(0), PayoutAction.NOTHING, "moved no money", id="zero"),
        pytest.param(
            payout(5000, automatic=False),
            PayoutAction.MANUAL,
            "Stripe lists the balance transactions of automatic payouts only",
            id="manual",
        ),
        pytest.param(
            payout(-2500),
            PayoutAction.MANUAL,
            "Stripe took 25.00 USD from the bank on 2026-10-02",
            id="debit",
        ),
        pytest.param(
            payout(9680, status="failed"),
            PayoutAction.MANUAL,
            "failed before its deposit was written",
            id="failed-before-deposit",
        ),
        pytest.param(
            payout(9680, status="canceled"),
            PayoutAction.MANUAL,
            "canceled before its deposit was written",
            id="canceled-before-deposit",
        ),
    ],
)
def test_a_payout_is_classified_with_what_to_do(
    obj: dict[str, Any], action: PayoutAction, words: str
) -> None:
    result = plan(obj)
    assert (result.payout_id, result.action) == (PAYOUT, action)
    assert words in result.reason and result.reversal is None


def test_a_payout_that_failed_after_its_deposit_is_reversed_by_a_journal_entry() -> None:
    failed = {**payout(9680, status="failed"), "failure_code": "account_closed"}
    result = plan(failed, deposit_id="4001", failed_at=ARRIVAL + 3600 * 3, zone=NEW_YORK)
    assert result.action is PayoutAction.REVERSE and result.reversal is not None
    assert parse_external_id("journalEntry", result.reversal.external_id) == (
        LedgerRecord.DEPOSIT_REVERSAL,
        PAYOUT,
    )
    memo = f"Stripe payout {PAYOUT} failed (account_closed): reverses deposit 4001"
    assert result.reversal.body() == {
        "externalId": f"rev-{PAYOUT}",
        "currency": {"id": "1"},
        "tranDate": "2026-10-01",  # 03:00 UTC is the evening before in New York
        "memo": memo,
        "line": {
            "items": [
                {"account": {"id": CLEARING["USD"]}, "debit": "96.80", "memo": memo},
                {"account": {"id": BANK_USD}, "credit": "96.80", "memo": memo},
            ]
        },
    }


def test_a_failed_deposited_payout_without_its_failure_time_is_left_to_a_person() -> None:
    result = plan(payout(9680, status="failed"), deposit_id="4001")
    assert result.action is PayoutAction.MANUAL and "move 96.80 USD from the bank account" in result.reason
