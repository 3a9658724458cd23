"""Settings from the environment (stripe_netsuite.config) and their documentation in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dotenv import dotenv_values

from stripe_netsuite.config import ConfigError, Settings, database_url, default_database_url, project_root

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
# Enough to name both accounts, so that the stripe and netsuite sections exist.
ACCOUNTS = {
    "STRIPE_API_KEY": "sk_test_1", "NETSUITE_ACCOUNT_ID": "1234567_SB1", "NETSUITE_CONSUMER_KEY": "ck",
    "NETSUITE_CONSUMER_SECRET": "cs", "NETSUITE_TOKEN_ID": "ti", "NETSUITE_TOKEN_SECRET": "ts",
}


def test_empty_environment_gives_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env({"CONNECTOR_HOME": str(tmp_path)})
    assert settings.stripe is None and settings.netsuite is None  # no account named
    assert settings.page.receipts == "stripe"
    assert settings.page.allow_partial_invoice_payment is False
    assert settings.page.default_locale == "en_US"
    assert dict(settings.accounts.bank_accounts) == {}
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'connector.db'}"


def test_the_example_file_is_a_valid_configuration() -> None:
    env = {key: value or "" for key, value in dotenv_values(ENV_EXAMPLE).items()}
    settings = Settings.from_env(env)
    assert settings.require("STRIPE_API_KEY").startswith("sk_test_")
    assert settings.require_netsuite().account_id == "1234567_SB1"
    assert settings.page.brand_color == "#635bff"
    assert settings.accounts.deposit_settings().bank_account("usd") == "11"  # Operating Bank USD
    assert settings.accounts.ledger_settings().clearing_account("usd") == "1"


def test_every_setting_is_documented_with_a_comment() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    for name in (*Settings.env_names(), "CONNECTOR_HOME"):
        index = next((i for i, line in enumerate(lines) if re.match(rf"#?\s*{name}=", line)), None)
        assert index is not None, f"{name} missing from .env.example"
        paragraph = []  # the lines above it, up to the previous blank line
        for line in reversed(lines[:index]):
            if not line.strip():
                break
            paragraph.append(line)
        assert any(line.startswith("# ") for line in paragraph), f"{name} has no comment"


@pytest.mark.parametrize(
    ("name", "value", "expected_attr", "expected"),
    [
        ("STRIPE_API_BASE", "http://127.0.0.1:12111/", "STRIPE_API_BASE", "http://127.0.0.1:12111"),
        ("RECEIPTS", "NetSuite", "RECEIPTS", "netsuite"),
        ("BRAND_COLOR", "#AABBCC", "BRAND_COLOR", "#aabbcc"),
        ("ALLOW_PARTIAL_INVOICE_PAYMENT", "yes", "ALLOW_PARTIAL_INVOICE_PAYMENT", True),
        ("ALLOW_PARTIAL_INVOICE_PAYMENT", "0", "ALLOW_PARTIAL_INVOICE_PAYMENT", False),
        ("DEFAULT_LOCALE", "de-DE", "DEFAULT_LOCALE", "de_DE"),
        ("STATEMENT_DESCRIPTOR_SUFFIX", "INV 2025", "STATEMENT_DESCRIPTOR_SUFFIX", "INV 2025"),
        ("NETSUITE_FEE_ACCOUNT", " 58 ", "NETSUITE_FEE_ACCOUNT", "58"),
        ("STRIPE_RATE_BUDGET", "8.5", "STRIPE_RATE_BUDGET", 8.5),
        ("STRIPE_CONNECTED_ACCOUNT_IDS", "acct_1,acct_2", "STRIPE_CONNECTED_ACCOUNT_IDS", ("acct_1", "acct_2")),  # noqa: E501
        ("NETSUITE_CONCURRENCY_LIMIT", "15", "NETSUITE_CONCURRENCY_LIMIT", 15),
        ("NETSUITE_TIME_ZONE", "Asia/Tokyo", "NETSUITE_TIME_ZONE", "Asia/Tokyo"),
        ("CONNECTOR_DATABASE_URL", "postgresql://u:p@db/c", "CONNECTOR_DATABASE_URL", "postgresql://u:p@db/c"),
    ],
    ids=[
        "api-base-trailing-slash",
        "receipts-case",
        "colour-lowered",
        "bool-yes",
        "bool-zero",
        "locale-dash",
        "descriptor",
        "internal-id-trimmed",
        "rate-budget",
        "connected-accounts",
        "concurrency-limit",
        "time-zone",
        "database-url",
    ],
)
def test_values_are_parsed(name: str, value: str, expected_attr: str, expected: object) -> None:
    assert Settings.from_env({**ACCOUNTS, name: value}).value(expected_attr) == expected


def test_bank_accounts_parse_to_an_immutable_mapping() -> None:
    settings = Settings.from_env({"NETSUITE_BANK_ACCOUNTS": "usd=101, EUR = 104,"}).accounts
    assert dict(settings.bank_accounts) == {"USD": "101", "EUR": "104"}
    with pytest.raises(TypeError):
        settings.bank_accounts["GBP"] = "1"  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("STRIPE_API_KEY", "pk_test_123", "must start with sk_ or rk_"),
        ("STRIPE_WEBHOOK_SECRET", "secret", "must start with whsec_"),
        ("STRIPE_API_BASE", "localhost:12111", "http"),
        ("NETSUITE_BASE_URL", "ftp://x", "http"),
        ("PAYMENT_LINK_BASE_URL", "pay.example.com", "http"),
        ("RECEIPTS", "email", "one of stripe, netsuite"),
        ("BRAND_COLOR", "red", "#1a2b3c"),
        ("BRAND_COLOR", "#abc", "#1a2b3c"),
        ("STATEMENT_DESCRIPTOR_SUFFIX", "A" * 23, "22"),
        ("STATEMENT_DESCRIPTOR_SUFFIX", "12345", "letter"),
        ("STATEMENT_DESCRIPTOR_SUFFIX", "BAD*CHAR", "except"),
        ("STATEMENT_DESCRIPTOR_SUFFIX", "CAFÉ", "Latin"),
        ("ALLOW_PARTIAL_INVOICE_PAYMENT", "maybe", "true or false"),
        ("DEFAULT_LOCALE", "xx_YY", "locale"),
        ("NETSUITE_BANK_ACCOUNTS", "USD:101", "CURRENCY=ACCOUNT_ID"),
        ("NETSUITE_BANK_ACCOUNTS", "USD=", "CURRENCY=ACCOUNT_ID"),
        ("NETSUITE_BANK_ACCOUNTS", "XXX=101", "not a currency Stripe supports"),
        ("NETSUITE_BANK_ACCOUNTS", "USD=101,usd=102", "mapped twice"),
        ("NETSUITE_BANK_ACCOUNTS", "USD=abc", "internal id"),
        ("NETSUITE_UNDEPOSITED_FUNDS_ACCOUNT", "Undeposited", "internal id"),
        ("NETSUITE_UNALLOCATED_CUSTOMER", "-1", "internal id"),
        ("WEBAPP_SECRET_KEY", "short", "16"),
        ("AIRFLOW_API_URL", "airflow:8080", "http"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 and v.isupper() else None,
)
def test_invalid_values_raise_config_error_naming_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(f"{name}: ")
    assert message in str(raised.value)


def test_empty_values_count_as_unset() -> None:
    settings = Settings.from_env({"STRIPE_API_BASE": "", "BRAND_COLOR": "  ", "RECEIPTS": ""})
    assert settings.stripe is None
    assert settings.page.brand_color is None
    assert settings.page.receipts == "stripe"


def test_require_returns_values_or_names_what_is_missing() -> None:
    settings = Settings.from_env({"STRIPE_API_KEY": "sk_test_1", "NETSUITE_FEE_ACCOUNT": "123"})
    assert settings.require("STRIPE_API_KEY") == "sk_test_1"
    assert settings.require("STRIPE_API_KEY", "NETSUITE_FEE_ACCOUNT") == ("sk_test_1", "123")
    with pytest.raises(ConfigError, match=r"^STRIPE_WEBHOOK_SECRET, WEBAPP_SECRET_KEY: required"):
        settings.require("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "WEBAPP_SECRET_KEY")


def test_require_an_empty_mapping_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match="NETSUITE_BANK_ACCOUNTS"):
        Settings.from_env({}).require("NETSUITE_BANK_ACCOUNTS")


def test_require_unknown_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="STRIPE_KEY"):
        Settings.from_env({}).require("STRIPE_KEY")


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env(
        {
            "STRIPE_API_KEY": "sk_live_supersecret",
            "STRIPE_WEBHOOK_SECRET": "whsec_hidden",
            "NETSUITE_TOKEN_SECRET": "token-secret",
            "WEBAPP_SECRET_KEY": "0123456789abcdef0123",
            "AIRFLOW_API_PASSWORD": "pw-hidden",
            "CONNECTOR_DATABASE_URL": "postgresql://u:dbpass@db/c",
        }
    )
    text = repr(settings)
    for secret in (
        "supersecret",
        "whsec_hidden",
        "token-secret",
        "0123456789abcdef0123",
        "pw-hidden",
        "dbpass",
    ):
        assert secret not in text


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.page.receipts = "netsuite"  # type: ignore[misc]


def test_env_name_of_a_field() -> None:
    assert Settings.env_name("stripe", "api_key") == "STRIPE_API_KEY"
    assert "NETSUITE_BANK_ACCOUNTS" in Settings.env_names()


def test_project_root_is_this_checkout_by_default() -> None:
    assert project_root({}) == ROOT


def test_project_root_override(tmp_path: Path) -> None:
    assert project_root({"CONNECTOR_HOME": str(tmp_path)}) == tmp_path.resolve()
    assert default_database_url({"CONNECTOR_HOME": str(tmp_path)}).endswith("/var/connector.db")


def test_database_url_prefers_the_environment(tmp_path: Path) -> None:
    assert database_url({"CONNECTOR_DATABASE_URL": " sqlite:///x.db "}) == "sqlite:///x.db"
    assert database_url({"CONNECTOR_HOME": str(tmp_path)}) == f"sqlite:///{tmp_path / 'var' / 'connector.db'}"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAYMENT_LINK_KEYS", "k1"),
        ("PAYMENT_LINK_KEYS", "k1:short"),
        ("PAYMENT_LINK_KEYS", "k1:0123456789abcdef0123,k1:fedcba9876543210fedc"),
        ("WEBAPP_TRUSTED_PROXIES", "-1"),
        ("WEBAPP_TRUSTED_PROXIES", "two"),
    ],
    ids=["no-secret", "short-secret", "duplicate-id", "negative-proxies", "word-proxies"],
)
def test_webapp_link_and_proxy_settings_are_checked_at_start(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}: "):
        Settings.from_env({name: value})


def test_link_key_ring_and_proxy_count_are_read() -> None:
    ring = "k2:0123456789abcdef0123,k1:fedcba9876543210fedc"
    settings = Settings.from_env({"PAYMENT_LINK_KEYS": ring, "WEBAPP_TRUSTED_PROXIES": "1"})
    assert (settings.page.payment_link_keys, settings.page.webapp_trusted_proxies) == (ring, 1)
    assert ring not in repr(settings)


def test_a_netsuite_account_without_credentials_fails_at_start_naming_them() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"NETSUITE_ACCOUNT_ID": "1234567_SB1", "NETSUITE_TOKEN_ID": "ti"})
    assert str(raised.value).startswith(
        "NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_SECRET: required"
    )


def test_an_unused_section_is_unset_until_required() -> None:
    settings = Settings.from_env({"BRAND_COLOR": "#000000"})
    with pytest.raises(ConfigError, match=r"^STRIPE_API_KEY: required"):
        settings.require_stripe()
    with pytest.raises(ConfigError, match=r"^NETSUITE_ACCOUNT_ID: required"):
        settings.require_netsuite()


def test_ledger_settings_come_from_the_accounts_section() -> None:
    env = {
        "NETSUITE_TIME_ZONE": "Asia/Tokyo", "NETSUITE_SUBSIDIARY_CURRENCIES": "1=usd,3=JPY",
        "NETSUITE_PAYMENT_METHOD": "1", "NETSUITE_UNDEPOSITED_FUNDS_ACCOUNT": "7",
        "NETSUITE_CLEARING_ACCOUNTS": "USD=1,JPY=5", "NETSUITE_UNALLOCATED_CUSTOMER": "101",
        "NETSUITE_CREDIT_MEMO_ITEM": "9", "NETSUITE_MATCH_BY_EMAIL": "true",
    }  # fmt: skip
    ledger = Settings.from_env(env).accounts.ledger_settings()
    assert ledger.base_currency("3") == "JPY" and ledger.clearing_account("jpy") == "5"
    assert (ledger.credit_memo_item_id, ledger.match_by_email, ledger.auto_apply) == ("9", True, False)
    assert str(ledger.zone) == "Asia/Tokyo"


def test_ledger_settings_name_every_variable_they_miss() -> None:
    settings = Settings.from_env({"NETSUITE_PAYMENT_METHOD": "1", "NETSUITE_UNDEPOSITED_FUNDS_ACCOUNT": "7"})
    with pytest.raises(ConfigError) as raised:
        settings.accounts.ledger_settings()
    assert str(raised.value).startswith(
        "NETSUITE_TIME_ZONE, NETSUITE_SUBSIDIARY_CURRENCIES, NETSUITE_CLEARING_ACCOUNTS, "
        "NETSUITE_UNALLOCATED_CUSTOMER, NETSUITE_CREDIT_MEMO_ITEM: required by the ledger"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NETSUITE_TIME_ZONE", "Pacific Time", "IANA time zone"),
        ("NETSUITE_SUBSIDIARY_CURRENCIES", "1:USD", "SUBSIDIARY_ID=CURRENCY"),
        ("NETSUITE_SUBSIDIARY_CURRENCIES", "1=USD,1=EUR", "listed twice"),
        ("NETSUITE_CLEARING_ACCOUNTS", "USD=x", "internal id"),
        ("NETSUITE_AUTO_APPLY", "sometimes", "true or false"),
        ("STRIPE_RATE_BUDGET", "0", "number > 0"),
        ("STRIPE_MAX_NETWORK_RETRIES", "-1", "whole number"),
        ("NETSUITE_CONCURRENCY_LIMIT", "0", "whole number >= 1"),
        ("NETSUITE_OAUTH2_ALGORITHM", "HS256", "PS256"),
        ("NETSUITE_ACCOUNT_ID", "1234567 SB1", "account id"),
    ],
)
def test_new_variables_have_their_validator(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({**ACCOUNTS, name: value})
    assert str(raised.value).startswith(f"{name}: ") and message in str(raised.value)


def test_every_default_has_one_home() -> None:
    """The connection forms show the settings' own defaults; the retry numbers are retries.py's."""
    from dataclasses import fields

    from stripe_netsuite import retries
    from stripe_netsuite.config import NetSuiteSettings, StripeSettings
    from stripe_netsuite.stripe_api.connection import CONN_FIELDS

    defaults = {spec.name: spec.default for spec in fields(StripeSettings)}
    assert CONN_FIELDS["rate_budget"]["schema"]["default"] == defaults["rate_budget"]
    assert CONN_FIELDS["max_network_retries"]["schema"]["default"] == defaults["max_network_retries"] == 0
    netsuite = {spec.name: spec.default for spec in fields(NetSuiteSettings)}
    assert netsuite["max_retries"] == retries.NETSUITE.max_retries
