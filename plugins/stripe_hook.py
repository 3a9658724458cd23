"""StripeHook: a stripe.StripeClient built from an Airflow connection (`stripe_default`), and the plugin that
copies each stripe_sync run's report summary into the run's note.

Connection: password = secret key; extras api_base, connected_account_ids, rate_budget, max_network_retries
(the form and the connection -> settings mapping come from stripe_netsuite.stripe_api.connection).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import stripe
from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseHook
from sqlalchemy.orm import object_session

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


class RunNoteListener:
    """On a successful stripe_sync run, its report summary becomes the DagRun note (the grid shows it).

    Tasks cannot set a note (the Task SDK has no call for it); the scheduler, which runs listeners with the
    run's database session, can. A note someone already wrote is left alone.
    """

    dag_id = "stripe_sync"

    @hookimpl
    def on_dag_run_success(self, dag_run: Any, msg: str) -> None:
        if dag_run.dag_id != self.dag_id:
            return
        if object_session(dag_run) is not None:
            # The scheduler's session: it commits the note with the run's new state. A second session here
            # could wait forever on the row lock that session holds.
            self._annotate(dag_run)
            return
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session

        with create_session() as session:  # dag.test() reports runs already detached from their session
            fresh = session.get(DagRun, dag_run.id)
            if fresh is not None:
                self._annotate(fresh)

    @staticmethod
    def _annotate(dag_run: Any) -> None:
        if dag_run.note:
            return
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.validation.report import latest_note

        note = latest_note(get_engine(), dag_run.dag_id, dag_run.run_id)
        if note:
            dag_run.note = note


class StripeSyncPlugin(AirflowPlugin):
    name = "stripe_sync"
    listeners = [RunNoteListener()]
