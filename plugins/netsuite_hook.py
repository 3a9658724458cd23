"""NetSuiteHook: the project's NetSuite REST client built from an Airflow connection (`netsuite_default`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings
from stripe_netsuite.netsuite.connection import CONN_TYPE, DEFAULT_CONN_ID


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
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
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
