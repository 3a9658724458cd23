"""The /v1 routes, one module per resource family."""

from __future__ import annotations

from .routing import Handler, Route, match


def all_routes() -> list[Route]:
    from . import (
        account,
        balance,
        charges,
        checkout_sessions,
        customers,
        disputes,
        events_api,
        mandates,
        payment_intents,
        payment_methods,
        payouts,
        refunds,
        setup_intents,
        webhook_endpoints,
    )

    modules = (
        account,
        balance,
        charges,
        checkout_sessions,
        customers,
        disputes,
        events_api,
        mandates,
        payment_intents,
        payment_methods,
        payouts,
        refunds,
        setup_intents,
        webhook_endpoints,
    )
    return [route for module in modules for route in module.ROUTES]


__all__ = ["Handler", "Route", "all_routes", "match"]
