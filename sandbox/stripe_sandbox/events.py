"""Events: one per state change, with a snapshot of the object and, on updates, its previous attributes."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .state import Ctx
from .webhooks import schedule_deliveries


def public(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object as the API shows it: without the sandbox's private `_sandbox` notes."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def previous_attributes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Stripe's `previous_attributes`: the old values of what changed (one level into nested hashes)."""
    changed: dict[str, Any] = {}
    for key, old in before.items():
        if key.startswith("_"):
            continue
        new = after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and key != "data":
            inner = {k: old.get(k) for k in set(old) | set(new) if old.get(k) != new.get(k)}
            changed[key] = inner if key != "metadata" else {k: old.get(k, "") for k in inner}
        else:
            changed[key] = copy.deepcopy(old)
    return changed


def emit(
    ctx: Ctx, event_type: str, obj: Mapping[str, Any], before: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Record an event about `obj` (as it is now) and schedule its webhook deliveries."""
    data: dict[str, Any] = {"object": copy.deepcopy(public(obj))}
    if before is not None:
        data["previous_attributes"] = previous_attributes(before, obj)
    event: dict[str, Any] = {
        "id": ctx.new_id("evt"),
        "object": "event",
        "api_version": ctx.api_version,
        "created": ctx.now,
        "data": data,
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": ctx.request_id, "idempotency_key": ctx.idempotency_key},
        "type": event_type,
    }
    if ctx.account != ctx.sandbox.platform_account:
        event["account"] = ctx.account
    event["pending_webhooks"] = schedule_deliveries(ctx, event)
    ctx.insert(event)
    ctx.events.append(event["id"])
    return event
