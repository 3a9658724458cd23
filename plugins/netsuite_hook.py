"""NetSuiteHook: the project's NetSuite REST client built from an Airflow connection (`netsuite_default`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings

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


def settings_from_connection(
    host: str | None, login: str | None, password: str | None, extra: Mapping[str, Any]
) -> NetSuiteSettings:
    """Map connection fields to settings: host = REST base URL, login/password = TBA token id/secret."""
    private_key = extra.get("oauth2_private_key")
    return NetSuiteSettings(
        account_id=str(extra.get("account_id") or ""),
        base_url=host or "",
        consumer_key=extra.get("consumer_key") or None,
        consumer_secret=extra.get("consumer_secret") or None,
        token_id=login or None,
        token_secret=password or None,
        client_id=extra.get("oauth2_client_id") or None,
        certificate_id=extra.get("oauth2_certificate_id") or None,
        private_key_pem=private_key.encode() if private_key else None,
        concurrency_limit=int(extra.get("concurrency_limit") or 5),
    )


class NetSuiteHook(BaseHook):
    """A thin wrapper around NetSuiteClient; secrets stay in the connection, never in task arguments."""

    conn_name_attr = "netsuite_conn_id"
    default_conn_name = "netsuite_default"
    conn_type = "netsuite"
    hook_name = "NetSuite (SuiteTalk REST)"

    def __init__(self, netsuite_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.netsuite_conn_id = netsuite_conn_id

    @cached_property
    def settings(self) -> NetSuiteSettings:
        conn = self.get_connection(self.netsuite_conn_id)
        return settings_from_connection(conn.host, conn.login, conn.password, conn.extra_dejson)

    @cached_property
    def client(self) -> NetSuiteClient:
        return NetSuiteClient(self.settings)

    def test_connection(self) -> tuple[bool, str]:
        """Used by the UI's Test button: authenticate and read the account's governance limits."""
        limits = self.client.governance_limits()
        return True, f"connected; account concurrency limit {limits.get('accountConcurrencyLimit')}"
