"""NetSuiteSettings.from_env (Settings' netsuite section): defaults, the derived base URL, errors naming
the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from stripe_netsuite.config import ConfigError
from stripe_netsuite.netsuite import NetSuiteSettings
from stripe_netsuite.netsuite.settings import default_base_url

TBA_ENV = {
    "NETSUITE_ACCOUNT_ID": "1234567_SB1",
    "NETSUITE_CONSUMER_KEY": "ck",
    "NETSUITE_CONSUMER_SECRET": "cs-very-secret",
    "NETSUITE_TOKEN_ID": "tk",
    "NETSUITE_TOKEN_SECRET": "ts-very-secret",
}


def test_tba_settings_from_env_with_defaults() -> None:
    settings = NetSuiteSettings.from_env(TBA_ENV)
    assert settings.base_url == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
    assert settings.concurrency_limit == 5
    assert settings.timeout == (5, 60)
    assert settings.max_retries == 5
    assert not settings.uses_oauth2


def test_base_url_and_limit_from_env() -> None:
    env = {**TBA_ENV, "NETSUITE_BASE_URL": "http://127.0.0.1:12112/services/rest/",
           "NETSUITE_CONCURRENCY_LIMIT": "15"}
    settings = NetSuiteSettings.from_env(env)
    assert settings.base_url == "http://127.0.0.1:12112/services/rest"
    assert settings.concurrency_limit == 15


@pytest.mark.parametrize(
    ("account", "host"),
    [("1234567", "1234567"), ("1234567_SB1", "1234567-sb1"), ("TSTDRV123_RP", "tstdrv123-rp")],
    ids=["production", "sandbox", "release-preview"],
)
def test_default_base_url_from_account_id(account: str, host: str) -> None:
    assert default_base_url(account) == f"https://{host}.suitetalk.api.netsuite.com/services/rest"


@pytest.mark.parametrize("missing", sorted(TBA_ENV), ids=sorted(TBA_ENV))
def test_missing_variable_is_named(missing: str) -> None:
    env = {name: value for name, value in TBA_ENV.items() if name != missing}
    with pytest.raises(ConfigError, match=f"^{missing}: required"):
        NetSuiteSettings.from_env(env)


@pytest.mark.parametrize(
    ("name", "value"),
    [("NETSUITE_CONCURRENCY_LIMIT", "zero"), ("NETSUITE_CONCURRENCY_LIMIT", "0"), ("NETSUITE_BASE_URL", "ftp://x")],
    ids=["limit-not-number", "limit-zero", "base-url-scheme"],
)
def test_invalid_variable_is_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}: (must|expected)"):
        NetSuiteSettings.from_env({**TBA_ENV, name: value})


def test_oauth2_from_env_reads_the_key_file(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_bytes(b"-----BEGIN PRIVATE KEY-----\n...")
    env = {"NETSUITE_ACCOUNT_ID": "1234567", "NETSUITE_OAUTH2_CLIENT_ID": "cid",
           "NETSUITE_OAUTH2_CERTIFICATE_ID": "kid", "NETSUITE_OAUTH2_PRIVATE_KEY_FILE": str(key)}
    settings = NetSuiteSettings.from_env(env)
    assert settings.uses_oauth2
    assert settings.private_key_pem == key.read_bytes()
    assert settings.token_url == "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"


def test_oauth2_wins_when_both_are_configured(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_bytes(b"pem")
    env = {**TBA_ENV, "NETSUITE_OAUTH2_CLIENT_ID": "cid", "NETSUITE_OAUTH2_CERTIFICATE_ID": "kid",
           "NETSUITE_OAUTH2_PRIVATE_KEY_FILE": str(key), "NETSUITE_OAUTH2_ALGORITHM": "ES256"}
    settings = NetSuiteSettings.from_env(env)
    assert settings.uses_oauth2 and settings.has_tba
    assert settings.algorithm == "ES256"


def test_partial_oauth2_names_the_missing_variable(tmp_path: Path) -> None:
    env = {**TBA_ENV, "NETSUITE_OAUTH2_CLIENT_ID": "cid"}
    missing = "NETSUITE_OAUTH2_CERTIFICATE_ID, NETSUITE_OAUTH2_PRIVATE_KEY_FILE"
    with pytest.raises(ConfigError, match=rf"^{missing}: required"):
        NetSuiteSettings.from_env(env)


def test_unreadable_key_file_is_named(tmp_path: Path) -> None:
    env = {**TBA_ENV, "NETSUITE_OAUTH2_CLIENT_ID": "cid", "NETSUITE_OAUTH2_CERTIFICATE_ID": "kid",
           "NETSUITE_OAUTH2_PRIVATE_KEY_FILE": str(tmp_path / "absent.pem")}
    with pytest.raises(ConfigError, match=r"^NETSUITE_OAUTH2_PRIVATE_KEY_FILE: cannot read"):
        NetSuiteSettings.from_env(env)


def test_repr_hides_secrets() -> None:
    text = repr(NetSuiteSettings.from_env(TBA_ENV))
    assert "very-secret" not in text
    assert "1234567_SB1" in text
