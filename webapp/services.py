"""Per-app resources, flaskr's get_db() style: created on first use, shared by the app's requests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import stripe
from flask import Flask, current_app
from sqlalchemy import Engine

from stripe_netsuite import retries
from stripe_netsuite.config import Settings
from stripe_netsuite.links import LinkKeyRing, key_ring_from_text
from stripe_netsuite.netsuite import NetSuiteClient
from stripe_netsuite.netsuite.retry import policy_for
from stripe_netsuite.payments.merchant import (
    MerchantProfileCache,
    fetch_merchant_profile,
    page_business_name,
)
from stripe_netsuite.payments.service import PageSettings, PaymentServices
from stripe_netsuite.store import get_engine, migrate
from webapp.airflow_api import AirflowTrigger
from webapp.dispatch import LoadDispatcher

__all__ = [
    "get_airflow",
    "get_dispatcher",
    "get_engine_for_app",
    "get_links",
    "get_merchant_profiles",
    "get_netsuite",
    "get_page_settings",
    "get_services",
    "get_settings",
    "get_stripe",
    "init_app",
]


def init_app(app: Flask) -> None:
    """Validate what can be validated at start (link keys, NetSuite settings) and prepare the state DB."""
    settings: Settings = app.config["SETTINGS"]
    app.extensions["payment_links"] = key_ring_from_text(
        app.config["PAYMENT_LINK_KEYS"], app.config["SECRET_KEY"]
    )
    app.extensions["netsuite_settings"] = settings.require_netsuite()
    engine = get_engine(settings.state.database_url)
    if app.config["AUTO_MIGRATE"] and engine.dialect.name == "sqlite":
        # The embedded default creates its own schema; PostgreSQL deployments migrate in an init job.
        migrate(settings.state.database_url)
    app.extensions["state_db"] = engine
    with app.app_context():
        dispatcher = get_dispatcher()
        if dispatcher is not None:
            dispatcher.notify()  # requests left pending by a previous process; ends at once when none


def get_settings() -> Settings:
    return cast(Settings, current_app.config["SETTINGS"])


def get_links() -> LinkKeyRing:
    return cast(LinkKeyRing, current_app.extensions["payment_links"])


def get_engine_for_app() -> Engine:
    return cast(Engine, current_app.extensions["state_db"])


def _cached(name: str, make: Any) -> Any:
    if name not in current_app.extensions:
        current_app.extensions[name] = make()
    return current_app.extensions[name]


def get_netsuite() -> NetSuiteClient:
    """One thread-safe NetSuite client per app; short timeouts and retries (retries.NETSUITE_PAGE), because a
    person is waiting."""

    def make() -> NetSuiteClient:
        settings = replace(current_app.extensions["netsuite_settings"], timeout=(3.05, 20.0))
        return NetSuiteClient(settings, retry=policy_for(retries.NETSUITE_PAGE))

    return cast(NetSuiteClient, _cached("netsuite", make))


def get_stripe() -> stripe.StripeClient:
    """One StripeClient per app; STRIPE_API_BASE points it at the sandbox.

    The pages write (PaymentIntents, Checkout Sessions): stripe-python's own retries are their one retry
    layer, because it sends each retried POST with the same idempotency key
    (retries.STRIPE_PAGE_NETWORK_RETRIES).
    """

    def make() -> stripe.StripeClient:
        settings = get_settings().require_stripe()
        base = {"api": settings.api_base} if settings.api_base else {}
        return stripe.StripeClient(
            settings.api_key,
            base_addresses=base,  # type: ignore[arg-type]
            max_network_retries=retries.STRIPE_PAGE_NETWORK_RETRIES,
        )

    return cast(stripe.StripeClient, _cached("stripe", make))


def get_services() -> PaymentServices:
    return cast(
        PaymentServices,
        _cached(
            "payment_services", lambda: PaymentServices(get_netsuite(), get_stripe(), get_engine_for_app())
        ),
    )


def get_merchant_profiles() -> MerchantProfileCache:
    """The Stripe account's public details (business name, branding), cached per process."""

    def make() -> MerchantProfileCache:
        client = get_stripe()
        return MerchantProfileCache(lambda: fetch_merchant_profile(client))

    return cast(MerchantProfileCache, _cached("merchant_profiles", make))


def get_page_settings() -> PageSettings:
    settings = get_settings().page
    # BUSINESS_NAME overrides; by default the pages name whom Stripe's Checkout page names.
    profile = None if settings.business_name else get_merchant_profiles().get()
    return PageSettings(
        business_name=page_business_name(settings.business_name, profile),
        statement_descriptor_suffix=settings.statement_descriptor_suffix,
        stripe_receipts=settings.receipts == "stripe",
        allow_partial_invoice_payment=settings.allow_partial_invoice_payment,
    )


def get_airflow() -> AirflowTrigger | None:
    """The Airflow trigger client, or None when AIRFLOW_API_URL is unset (the schedule still runs)."""
    settings = get_settings().airflow
    if not settings.api_url:
        return None
    return cast(
        AirflowTrigger,
        _cached(
            "airflow",
            lambda: AirflowTrigger(
                settings.api_url or "", settings.api_user, settings.api_password
            ),
        ),
    )


def get_dispatcher() -> LoadDispatcher | None:
    """The process's load dispatcher (webapp/dispatch.py), or None when AIRFLOW_API_URL is unset."""
    airflow = get_airflow()
    if airflow is None:
        return None
    engine = get_engine_for_app()
    return cast(LoadDispatcher, _cached("load_dispatcher", lambda: LoadDispatcher(engine, airflow)))
