"""The `netsuite` Airflow connection type as data (provider info `conn-fields`); imports no Airflow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stripe_netsuite.config.fields import read_extras
from stripe_netsuite.config.sections import NetSuiteSettings

CONN_TYPE = "netsuite"
DEFAULT_CONN_ID = "netsuite_default"
HOOK_CLASS = "netsuite_hook.NetSuiteHook"  # plugins/ is on Airflow's sys.path

# The connection form (Airflow 3 reads it from the provider info as `conn-fields`): extras beyond
# host = REST base URL, login = token id, password = token secret.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "account_id": {"label": "Account ID", "schema": {"type": "string"}},
    "consumer_key": {"label": "Consumer key", "schema": {"type": ["string", "null"]}},
    "consumer_secret": {
        "label": "Consumer secret", "schema": {"type": ["string", "null"], "format": "password"},
    },
    "concurrency_limit": {"label": "Account concurrency limit", "schema": {"type": ["integer", "null"]}},
    "oauth2_client_id": {"label": "OAuth 2.0 client id", "schema": {"type": ["string", "null"]}},
    "oauth2_certificate_id": {"label": "OAuth 2.0 certificate id", "schema": {"type": ["string", "null"]}},
    "oauth2_algorithm": {
        "label": "OAuth 2.0 algorithm (default PS256)", "schema": {"type": ["string", "null"]},
    },
    "oauth2_private_key": {
        "label": "OAuth 2.0 private key (PEM)", "schema": {"type": ["string", "null"], "format": "password"},
    },
}
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port"],
    "relabeling": {"host": "REST base URL", "login": "Token ID", "password": "Token secret"},
    "placeholders": {"host": "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"},
}


def settings_from_connection(
    host: str | None,
    login: str | None,
    password: str | None,
    extra: Mapping[str, Any],
    conn_id: str = DEFAULT_CONN_ID,
) -> NetSuiteSettings:
    """The netsuite section from a connection: host = REST base URL, login/password = TBA token id/secret.

    Each value passes the validator of its NETSUITE_* variable (ConfigError names the connection's field);
    the OAuth 2.0 key is the PEM itself here, where the environment names a file.
    """
    fields = {**extra, "host": host, "login": login, "password": password}
    values = read_extras(NetSuiteSettings, fields, conn_id)
    pem = str(extra.get("oauth2_private_key") or "")
    if pem.strip():  # kept as typed: the PEM is the key's bytes
        values["private_key_pem"] = pem.encode()
    return NetSuiteSettings(**values)


def connection_type() -> dict[str, Any]:
    """The provider-info entry describing the `netsuite` connection type."""
    return {
        "connection-type": CONN_TYPE,
        "hook-class-name": HOOK_CLASS,
        "hook-name": "NetSuite (SuiteTalk REST)",
        "conn-fields": CONN_FIELDS,
        "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
    }
