"""StripeHook from an AIRFLOW_CONN_STRIPE_DEFAULT environment connection, and the connection type's form."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Importing Airflow creates its home folder: keep it out of the user's ~/airflow when run alone.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
sys.path.insert(0, str(ROOT / "plugins"))

from stripe_netsuite.stripe_api.client import transport_of  # noqa: E402
from stripe_netsuite.stripe_api.connection import CONN_FIELDS, get_provider_info  # noqa: E402


@pytest.fixture
def stripe_env(monkeypatch: pytest.MonkeyPatch) -> None:
    connection = {
        "conn_type": "stripe",
        "password": "sk_test_hook",
        "extra": {
            "api_base": "http://127.0.0.1:12111/",
            "connected_account_ids": ["acct_9"],
            "rate_budget": 10,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_STRIPE_DEFAULT", json.dumps(connection))


def test_hook_builds_settings_and_client_from_the_default_connection(stripe_env: None) -> None:
    from stripe_hook import StripeHook

    hook = StripeHook()
    assert hook.settings.api_key == "sk_test_hook"
    assert hook.settings.api_base == "http://127.0.0.1:12111"
    assert hook.settings.accounts == ("", "acct_9")
    client = hook.client
    assert client is hook.client  # cached: one client (and one rate budget) per hook
    assert client._requestor._options.base_addresses["api"] == "http://127.0.0.1:12111"
    transport = transport_of(client)
    assert transport is not None and transport.bucket.rate == 10


def test_hook_declares_the_stripe_connection_type() -> None:
    from stripe_hook import StripeHook

    assert (StripeHook.conn_type, StripeHook.default_conn_name, StripeHook.conn_name_attr) == (
        "stripe", "stripe_default", "stripe_conn_id",
    )  # fmt: skip
    assert set(StripeHook.connection_form()["conn-fields"]) == set(CONN_FIELDS)


def test_provider_info_matches_airflows_schema_and_names_the_hook() -> None:
    import airflow
    import jsonschema

    info = get_provider_info()
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(info, schema)
    assert info["package-name"] == "stripe-netsuite-connector"  # must equal the distribution's name
    by_type = {connection["connection-type"]: connection for connection in info["connection-types"]}
    assert set(by_type) == {"stripe", "netsuite"}
    for conn_type, connection in by_type.items():
        module, _, name = connection["hook-class-name"].rpartition(".")
        hook = getattr(__import__(module), name)
        assert hook.conn_type == conn_type
        assert all("label" in field and "schema" in field for field in connection["conn-fields"].values())
    assert by_type["stripe"]["ui-field-behaviour"]["hidden-fields"] == ["host", "schema", "login", "port"]


PROBE = """
from airflow.providers_manager import ProvidersManager
manager = ProvidersManager()
manager.initialize_providers_hooks()
print(sorted(key for key in manager.connection_form_widgets if key.startswith("extra__stripe__")))
print(manager.field_behaviours["stripe"]["hidden_fields"])
"""


def test_the_entry_point_makes_airflow_register_the_connection_form(tmp_path: Path) -> None:
    """What pyproject's `apache_airflow_provider` entry point does once installed, with a stand-in dist."""
    import subprocess

    dist = tmp_path / "site" / "stripe_netsuite_connector-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: stripe-netsuite-connector\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text(
        "[apache_airflow_provider]\nprovider_info = stripe_netsuite.stripe_api.connection:get_provider_info\n"
    )
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "PYTHONPATH": os.pathsep.join([str(dist.parent), str(ROOT / "plugins")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    widgets, hidden = done.stdout.strip().splitlines()[-2:]
    assert widgets == str(sorted(f"extra__stripe__{name}" for name in CONN_FIELDS))
    assert hidden == "['host', 'schema', 'login', 'port']"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"rate_budget": -1}, "connection stripe_default, field rate_budget: expected a number > 0"),
        ({"api_base": "127.0.0.1:1"}, "connection stripe_default, field api_base: must be an http(s) URL"),
        ({"max_network_retries": "three"}, "connection stripe_default, field max_network_retries: expected"),
    ],
    ids=["budget", "api-base", "retries"],
)
def test_connection_extras_pass_the_variables_validators(extra: dict[str, object], message: str) -> None:
    from stripe_netsuite.config import ConfigError
    from stripe_netsuite.stripe_api.connection import settings_from_connection

    with pytest.raises(ConfigError) as raised:
        settings_from_connection("sk_test_hook", extra)
    assert str(raised.value).startswith(message)


def test_a_connection_without_a_password_names_the_key() -> None:
    from stripe_netsuite.config import ConfigError
    from stripe_netsuite.stripe_api.connection import settings_from_connection

    with pytest.raises(ConfigError, match=r"^STRIPE_API_KEY: required .*the connection's password"):
        settings_from_connection(None, {"api_base": "http://127.0.0.1:12111"})


def test_the_connection_and_the_environment_map_to_the_same_settings() -> None:
    from stripe_netsuite.config import Settings
    from stripe_netsuite.stripe_api.connection import settings_from_connection

    extra = {"api_base": "http://127.0.0.1:12111/", "connected_account_ids": ["acct_9"], "rate_budget": 10}
    from_env = Settings.from_env({
        "STRIPE_API_KEY": "sk_test_hook", "STRIPE_API_BASE": "http://127.0.0.1:12111/",
        "STRIPE_CONNECTED_ACCOUNT_IDS": "acct_9", "STRIPE_RATE_BUDGET": "10",
    }).require_stripe()  # fmt: skip
    assert settings_from_connection("sk_test_hook", extra) == from_env
