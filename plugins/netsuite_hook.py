"""NetSuiteHook: the project's NetSuite REST client built from an Airflow connection (`netsuite_default`).

The connection -> settings mapping is the library's (stripe_netsuite.netsuite.connection), as for Stripe.
"""

from __future__ import annotations

from functools import cached_property

from airflow.sdk import BaseHook

from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings
from stripe_netsuite.netsuite.connection import CONN_TYPE, DEFAULT_CONN_ID, settings_from_connection

__all__ = ["NetSuiteHook"]


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
        return settings_from_connection(
            conn.host, conn.login, conn.password, conn.extra_dejson, self.netsuite_conn_id
        )

    @cached_property
    def client(self) -> NetSuiteClient:
        return NetSuiteClient(self.settings)

    def test_connection(self) -> tuple[bool, str]:
        """Used by the UI's Test button: authenticate and read the account's governance limits."""
        limits = self.client.governance_limits()
        return True, f"connected; account concurrency limit {limits.get('accountConcurrencyLimit')}"
