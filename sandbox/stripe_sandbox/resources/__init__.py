"""The /v1 routes, one module per resource family."""

from __future__ import annotations

from importlib import import_module

from .routing import Handler, Route, match

# The modules that declare ROUTES, named once; the helper modules beside them (routing, crud, lookup,
# checkout_settlement) declare none.
RESOURCE_MODULES = (
    "account",
    "balance",
    "charges",
    "checkout_sessions",
    "customers",
    "disputes",
    "events_api",
    "mandates",
    "payment_intents",
    "payment_methods",
    "payouts",
    "refunds",
    "setup_intents",
    "webhook_endpoints",
)


def all_routes() -> list[Route]:
    modules = [import_module(f"{__name__}.{name}") for name in RESOURCE_MODULES]
    return [route for module in modules for route in module.ROUTES]


__all__ = ["RESOURCE_MODULES", "Handler", "Route", "all_routes", "match"]
