"""GET /v1/events: the last 30 days of changes, filtered by `type` (with `*`), `types[]` and `created`."""

from __future__ import annotations

import re
from typing import Any

from .. import errors
from ..clock import DAY
from ..listing import list_objects
from ..params import Params
from ..state import Ctx
from .routing import Route

NOUN = "event"
RETENTION = 30 * DAY
_TYPE = re.compile(r"^[a-z0-9_.*]+$")


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    event = ctx.load(id, "event", NOUN)
    if event["created"] < ctx.now - RETENTION:
        raise errors.resource_missing(NOUN, id)
    return event


def list_events(ctx: Ctx, params: Params) -> dict[str, Any]:
    kind = params.text("type")
    types = params.strings("types")
    if kind and types:
        raise errors.invalid("You may only specify one of these parameters: type, types.", "types")
    if len(types) > 20:
        raise errors.invalid("You may pass at most 20 event types in `types`.", "types")
    conditions: list[tuple[str, list[Any]]] = [("created >= ?", [ctx.now - RETENTION])]
    filters: dict[str, Any] = {}
    if kind:
        if not _TYPE.match(kind):
            raise errors.invalid(f"Invalid event type: {kind}", "type")
        if "*" in kind:
            # GLOB has Stripe's wildcard syntax and keeps the index usable for a prefix.
            conditions.append(("kind GLOB ?", [kind]))
        else:
            filters["kind"] = kind
    if types:
        conditions.append((f"kind IN ({', '.join('?' for _ in types)})", list(types)))
    return list_objects(ctx, "event", params, "/v1/events", filters, conditions)


ROUTES = [
    Route("GET", "/v1/events", list_events),
    Route("GET", "/v1/events/{id}", retrieve),
]
