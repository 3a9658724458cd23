"""Webhook endpoints: the signing secret is shown once, on create."""

from __future__ import annotations

import copy
from typing import Any

from .. import errors
from ..params import Params, merge_metadata
from ..state import Ctx
from .crud import list_route
from .routing import Route

NOUN = "webhook endpoint"


def new_endpoint(
    ctx: Ctx,
    url: str,
    enabled_events: list[str],
    *,
    secret: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    api_version: str | None = None,
    connect: bool = False,
) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        "id": ctx.new_id("we"),
        "object": "webhook_endpoint",
        "api_version": api_version,
        "application": None,
        "created": ctx.now,
        "description": description,
        "enabled_events": enabled_events,
        "livemode": False,
        "metadata": metadata or {},
        "status": "enabled",
        "url": url,
        "_sandbox": {"secret": secret or ctx.new_id("whsec"), "connect": connect},
    }
    ctx.insert(endpoint)
    return endpoint


def _check_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise errors.invalid(f"Invalid URL: {url}", "url", "url_invalid")
    return url


def create(ctx: Ctx, params: Params) -> dict[str, Any]:
    events = params.strings("enabled_events")
    if not events:
        raise errors.missing("enabled_events")
    endpoint = new_endpoint(
        ctx,
        _check_url(params.req_text("url")),
        events,
        description=params.text("description"),
        metadata=params.metadata(),
        api_version=params.text("api_version"),
        connect=bool(params.flag("connect", False)),
    )
    shown = copy.deepcopy(endpoint)
    shown["secret"] = endpoint["_sandbox"]["secret"]
    return shown


def retrieve(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    return ctx.load(id, "webhook_endpoint", NOUN)


def update(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    endpoint = ctx.load(id, "webhook_endpoint", NOUN)
    if "url" in params:
        endpoint["url"] = _check_url(params.req_text("url"))
    if "enabled_events" in params:
        endpoint["enabled_events"] = params.strings("enabled_events")
    if "description" in params:
        endpoint["description"] = params.text("description") or None
    if "disabled" in params:
        endpoint["status"] = "disabled" if params.flag("disabled") else "enabled"
    endpoint["metadata"] = merge_metadata(endpoint["metadata"], params.metadata())
    return ctx.save(endpoint)


def delete(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
    ctx.load(id, "webhook_endpoint", NOUN)
    ctx.store.execute("DELETE FROM objects WHERE id = ?", (id,))
    return {"id": id, "object": "webhook_endpoint", "deleted": True}


ROUTES = [
    Route("POST", "/v1/webhook_endpoints", create),
    list_route("/v1/webhook_endpoints", "webhook_endpoint"),
    Route("GET", "/v1/webhook_endpoints/{id}", retrieve),
    Route("POST", "/v1/webhook_endpoints/{id}", update),
    Route("DELETE", "/v1/webhook_endpoints/{id}", delete),
]
