"""The /v1 routes, one module per resource family."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..params import Params
from ..state import Ctx

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """`pattern` is a path with `{name}` placeholders, matched against the whole request path."""

    method: str
    pattern: str
    handler: Handler

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "$")


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


def match(
    method: str, path: str, routes: list[tuple[Route, re.Pattern[str]]]
) -> tuple[Route, dict[str, str]] | None:
    for route, regex in routes:
        if route.method != method:
            continue
        found = regex.match(path)
        if found:
            return route, found.groupdict()
    return None


__all__ = ["Ctx", "Handler", "Params", "Route", "all_routes", "match"]
