"""LedgerSettings: validated once, read-only, and actionable when a mapping needs what is missing."""

from __future__ import annotations

import dataclasses

import pytest

from stripe_netsuite.sync.errors import LedgerMappingError
from tests.unit.test_sync_fixtures import ledger_settings


def test_currencies_are_normalised_and_mappings_are_read_only() -> None:
    settings = ledger_settings(base_currencies={"1": "usd", "2": "gbp"})
    assert dict(settings.base_currencies) == {"1": "USD", "2": "GBP"}
    assert settings.clearing_accounts["USD"] == "1"
    with pytest.raises(TypeError):
        settings.clearing_accounts["USD"] = "9"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.auto_apply = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"time_zone": "Mars/Olympus"}, "time_zone", id="unknown-zone"),
        pytest.param({"time_zone": "../etc/passwd"}, "time_zone", id="path-as-zone"),
        pytest.param({"payment_option_id": "Stripe"}, "payment_option_id", id="name-not-id"),
        pytest.param({"undeposited_funds_account_id": ""}, "undeposited_funds_account_id",
                     id="empty-account"),
        pytest.param({"unallocated_customer_id": "10 1"}, "unallocated_customer_id", id="space-in-id"),
        pytest.param({"credit_memo_item_id": "-1"}, "credit_memo_item_id", id="negative-item"),
        pytest.param({"base_currencies": {}}, "base currency", id="no-subsidiary"),
        pytest.param({"base_currencies": {"1": "XXX"}}, "XXX", id="unknown-base-currency"),
        pytest.param({"clearing_accounts": {"USD": "acct"}}, "clearing account", id="clearing-not-id"),
    ],
)
def test_bad_settings_fail_at_construction_naming_the_setting(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ledger_settings(**overrides)


@pytest.mark.parametrize(
    ("bases", "subsidiary", "expected"),
    [
        pytest.param({"1": "USD"}, "1", "USD", id="named"),
        pytest.param({"1": "USD"}, None, "USD", id="single-subsidiary-account"),
        pytest.param({"1": "USD", "3": "GBP"}, "3", "GBP", id="second-subsidiary"),
    ],
)
def test_base_currency_of_a_subsidiary(bases: dict[str, str], subsidiary: str | None, expected: str) -> None:
    assert ledger_settings(base_currencies=bases).base_currency(subsidiary) == expected


@pytest.mark.parametrize(
    ("bases", "subsidiary"),
    [
        pytest.param({"1": "USD"}, "2", id="unknown-subsidiary"),
        pytest.param({"1": "USD", "2": "GBP"}, None, id="no-subsidiary-among-several"),
    ],
)
def test_an_unconfigured_subsidiary_is_an_actionable_error(
    bases: dict[str, str], subsidiary: str | None
) -> None:
    with pytest.raises(LedgerMappingError, match="no base currency is configured for subsidiary"):
        ledger_settings(base_currencies=bases).base_currency(subsidiary)


def test_a_currency_without_a_clearing_account_is_an_actionable_error() -> None:
    settings = ledger_settings(clearing_accounts={"USD": "1"})
    assert settings.clearing_account("usd") == "1"
    with pytest.raises(LedgerMappingError, match="no Stripe clearing account is configured for EUR"):
        settings.clearing_account("EUR")
