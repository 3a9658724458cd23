"""The `stripe` Airflow connection type as data: form fields, field behaviour and the provider info.

Airflow 3.2+ builds connection forms from the provider info (`conn-fields`, `ui-field-behaviour`) without
importing hooks; `get_connection_form_widgets` / `get_ui_field_behaviour` on a hook are deprecated. Pure data
here, so the `apache_airflow_provider` entry point loads without Airflow or the plugins folder on sys.path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stripe_netsuite import retries
from stripe_netsuite.config.fields import read_extras
from stripe_netsuite.config.sections import DEFAULT_RATE_BUDGET, StripeSettings
from stripe_netsuite.netsuite import connection as netsuite_connection

CONN_TYPE = "stripe"
DEFAULT_CONN_ID = "stripe_default"
HOOK_CLASS = "stripe_hook.StripeHook"  # plugins/ is on Airflow's sys.path

CONN_FIELDS: dict[str, dict[str, Any]] = {
    "api_base": {
        "label": "API base URL",
        "description": "Leave empty for api.stripe.com; the sandbox is http://127.0.0.1:12111",
        "schema": {"type": ["string", "null"]},
    },
    "connected_account_ids": {
        "label": "Connected account ids",
        "description": "Comma-separated acct_... ids to extract besides the platform (Stripe-Account header)",
        "schema": {"type": ["string", "null"]},
    },
    "rate_budget": {
        "label": "Rate budget (requests/s)",
        "description": "Client-side limit shared by a run's extraction tasks (Stripe: 25/s in test mode)",
        "schema": {"type": ["number", "null"], "default": DEFAULT_RATE_BUDGET},
    },
    "max_network_retries": {
        "label": "Network retries",
        "description": "stripe-python's own retries; 0 (default): the connector's backoff is the only layer",
        "schema": {"type": ["integer", "null"], "default": retries.STRIPE_PYTHON_RETRIES},
    },
}
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["host", "schema", "login", "port"],
    "relabeling": {"password": "Secret key (sk_... or rk_...)"},
    "placeholders": {
        "password": "sk_test_...",
        "api_base": "https://api.stripe.com",
        "connected_account_ids": "acct_1,acct_2",
    },
}


def settings_from_connection(
    password: str | None, extra: Mapping[str, Any], conn_id: str = DEFAULT_CONN_ID
) -> StripeSettings:
    """The stripe section from a connection: password = secret key, extras as in CONN_FIELDS.

    Each value passes the validator of its STRIPE_* variable; an invalid one raises ConfigError naming the
    connection and field, a missing key one naming STRIPE_API_KEY and the password.
    """
    return StripeSettings(**read_extras(StripeSettings, {**extra, "password": password}, conn_id))


def connection_type() -> dict[str, Any]:
    """The provider-info entry describing the `stripe` connection type."""
    return {
        "connection-type": CONN_TYPE,
        "hook-class-name": HOOK_CLASS,
        "hook-name": "Stripe",
        "conn-fields": CONN_FIELDS,
        "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
    }


def get_provider_info() -> dict[str, Any]:
    """Entry point `apache_airflow_provider`: makes the connection type appear in the Airflow UI."""
    return {
        "package-name": "stripe-netsuite-connector",
        "name": "Stripe <-> NetSuite connector",
        "description": "Connection types of the open-source Stripe <-> NetSuite connector.",
        "connection-types": [connection_type(), netsuite_connection.connection_type()],
    }
