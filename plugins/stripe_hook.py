"""StripeHook: a stripe.StripeClient built from an Airflow connection (`stripe_default`). (The run-note
listener of stripe_sync and the ledger lives in run_notes.py.)

Connection: password = secret key; extras api_base, connected_account_ids, rate_budget, max_network_retries
(the form and the connection -> settings mapping come from stripe_netsuite.stripe_api.connection).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import stripe
from airflow.sdk import BaseHook

from stripe_netsuite.stripe_api.client import StripeSettings, make_client
from stripe_netsuite.stripe_api.connection import (
    CONN_FIELDS,
    CONN_TYPE,
    DEFAULT_CONN_ID,
    UI_FIELD_BEHAVIOUR,
    settings_from_connection,
)


class StripeHook(BaseHook):
    """A thin wrapper around stripe.StripeClient; the key stays in the connection, never in task arguments."""

    conn_name_attr = "stripe_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
    hook_name = "Stripe"

    def __init__(self, stripe_conn_id: str = DEFAULT_CONN_ID) -> None:
        super().__init__()
        self.stripe_conn_id = stripe_conn_id

    @cached_property
    def settings(self) -> StripeSettings:
        conn = self.get_connection(self.stripe_conn_id)
        return settings_from_connection(conn.password, conn.extra_dejson, self.stripe_conn_id)

    @cached_property
    def client(self) -> stripe.StripeClient:
        """StripeClient(key, base_addresses={"api": api_base}, max_network_retries=N) under the budget."""
        return make_client(self.settings)

    @classmethod
    def connection_form(cls) -> dict[str, Any]:
        """The form Airflow shows (conn-fields + ui-field-behaviour), for tests and documentation."""
        return {"conn-fields": CONN_FIELDS, "ui-field-behaviour": UI_FIELD_BEHAVIOUR}

    def test_connection(self) -> tuple[bool, str]:
        """The UI's Test button: read the account behind the key (never prints the key)."""
        try:
            account = self.client.v1.accounts.retrieve_current()
        except stripe.StripeError as error:
            return False, f"Stripe answered {error.http_status}: {error.user_message or error}"
        return True, f"connected to {account.id}"
