"""Review mode's settings (DEPOSIT_REVIEW, DEPOSIT_REVIEW_ABOVE): which deposits wait for approval, why."""

from __future__ import annotations

import pytest

from stripe_netsuite.config import ConfigError, Settings


def test_review_is_off_by_default_and_then_asks_for_nothing() -> None:
    review = Settings.from_env({"DEPOSIT_REVIEW_ABOVE": "USD=0"}).review
    assert not review.enabled
    assert review.reasons(10_000_000, "usd", adjustments=3) == []


def test_a_deposit_above_its_currencys_amount_or_with_adjustments_needs_review() -> None:
    env = {"DEPOSIT_REVIEW": "true", "DEPOSIT_REVIEW_ABOVE": "USD=10000, JPY=1500000"}
    review = Settings.from_env(env).review
    assert review.reasons(1_000_000, "usd", adjustments=0) == []  # 10,000.00 is not above 10,000
    assert review.reasons(1_000_001, "usd", adjustments=0) == ["above the review amount of 10000 USD"]
    assert review.reasons(1_500_001, "jpy", adjustments=0) == ["above the review amount of 1500000 JPY"]
    assert review.reasons(1_500_000, "jpy", adjustments=0) == []  # JPY has no minor unit
    assert review.reasons(50, "eur", adjustments=1) == ["has 1 adjustment line"]  # no EUR amount: lines only
    assert review.reasons(2_000_000, "usd", adjustments=2) == [
        "above the review amount of 10000 USD", "has 2 adjustment lines"]


@pytest.mark.parametrize("value", ["USD", "USD=ten", "XYZ=5", "USD=-1", "USD=1,USD=2", "USD=NaN"])
def test_bad_review_amounts_are_refused_at_start(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^DEPOSIT_REVIEW_ABOVE: "):
        Settings.from_env({"DEPOSIT_REVIEW_ABOVE": value})
