"""The `netsuite` Airflow connection type as data (provider info `conn-fields`); imports no Airflow."""

from __future__ import annotations

from typing import Any

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
    "oauth2_private_key": {
        "label": "OAuth 2.0 private key (PEM)", "schema": {"type": ["string", "null"], "format": "password"},
    },
}
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port"],
    "relabeling": {"host": "REST base URL", "login": "Token ID", "password": "Token secret"},
    "placeholders": {"host": "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"},
}


def connection_type() -> dict[str, Any]:
    """The provider-info entry describing the `netsuite` connection type."""
    return {
        "connection-type": CONN_TYPE,
        "hook-class-name": HOOK_CLASS,
        "hook-name": "NetSuite (SuiteTalk REST)",
        "conn-fields": CONN_FIELDS,
        "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
    }
