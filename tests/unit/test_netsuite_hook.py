"""NetSuiteHook from an AIRFLOW_CONN_NETSUITE_DEFAULT environment connection, against the NetSuite sandbox."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

from tests.servers import RunningServer

ROOT = Path(__file__).resolve().parents[2]
# Importing Airflow creates its home folder: keep it out of the user's ~/airflow when run alone.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
sys.path.insert(0, str(ROOT / "plugins"))


def netsuite_connection(env: dict[str, str], **overrides: str) -> str:
    values = {**env, **overrides}
    return json.dumps({
        "conn_type": "netsuite", "host": values["NETSUITE_BASE_URL"], "login": values["NETSUITE_TOKEN_ID"],
        "password": values["NETSUITE_TOKEN_SECRET"],
        "extra": {
            "account_id": values["NETSUITE_ACCOUNT_ID"], "consumer_key": values["NETSUITE_CONSUMER_KEY"],
            "consumer_secret": values["NETSUITE_CONSUMER_SECRET"], "concurrency_limit": "3",
        },
    })


def test_hook_reaches_the_sandbox_with_the_connections_credentials(
    netsuite_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from netsuite_hook import NetSuiteHook

    monkeypatch.setenv("AIRFLOW_CONN_NETSUITE_DEFAULT", netsuite_connection(netsuite_env))
    hook = NetSuiteHook()
    assert hook.settings.account_id == "1234567_SB1"
    assert hook.settings.concurrency_limit == 3
    assert hook.test_connection()[0] is True
    rows = list(hook.client.suiteql("SELECT id, companyname FROM customer WHERE id = 106"))
    assert rows == [{"id": "106", "companyname": "Tanaka Trading K.K."}]


def test_hook_with_a_wrong_token_secret_is_refused(
    netsuite_env: dict[str, str], netsuite_sandbox: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netsuite_hook import NetSuiteHook

    from stripe_netsuite.netsuite import NetSuiteAuthError

    bad = netsuite_connection(netsuite_env, NETSUITE_TOKEN_SECRET="not-the-secret")
    monkeypatch.setenv("AIRFLOW_CONN_NETSUITE_DEFAULT", bad)
    with pytest.raises(NetSuiteAuthError, match="INVALID_LOGIN"):
        NetSuiteHook().test_connection()


def test_missing_account_id_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from stripe_netsuite.config import ConfigError
    from stripe_netsuite.netsuite.connection import settings_from_connection

    with pytest.raises(ConfigError, match=r"^NETSUITE_ACCOUNT_ID: required"):
        settings_from_connection("http://127.0.0.1:1/services/rest", "t", "s", {"consumer_key": "k"})


def test_connection_fields_pass_the_variables_validators() -> None:
    from stripe_netsuite.config import ConfigError
    from stripe_netsuite.netsuite.connection import settings_from_connection

    extra = {"account_id": "1234567_SB1", "consumer_key": "k", "consumer_secret": "s"}
    extra["concurrency_limit"] = "0"
    field = "^connection netsuite_default, field"
    with pytest.raises(ConfigError, match=rf"{field} concurrency_limit: expected"):
        settings_from_connection("http://127.0.0.1:1/services/rest", "t", "s", extra)
    with pytest.raises(ConfigError, match=rf"{field} host: must be an http\(s\) URL"):
        settings_from_connection("127.0.0.1:1", "t", "s", {**extra, "concurrency_limit": 3})


def test_the_connection_and_the_environment_map_to_the_same_settings(tmp_path: Path) -> None:
    from stripe_netsuite.netsuite import NetSuiteSettings
    from stripe_netsuite.netsuite.connection import settings_from_connection

    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nabc\n")
    env = {"NETSUITE_ACCOUNT_ID": "1234567_SB1", "NETSUITE_BASE_URL": "http://127.0.0.1:1/services/rest",
           "NETSUITE_OAUTH2_CLIENT_ID": "cid", "NETSUITE_OAUTH2_CERTIFICATE_ID": "kid",
           "NETSUITE_OAUTH2_PRIVATE_KEY_FILE": str(key), "NETSUITE_CONCURRENCY_LIMIT": "15"}
    extra = {"account_id": "1234567_SB1", "oauth2_client_id": "cid", "oauth2_certificate_id": "kid",
             "oauth2_private_key": key.read_text(), "concurrency_limit": 15}
    from_connection = settings_from_connection("http://127.0.0.1:1/services/rest/", None, None, extra)
    assert from_connection == NetSuiteSettings.from_env(env)
    assert from_connection.concurrency_limit == 15 and from_connection.uses_oauth2
