"""The routes many resources have alike, declared in their ROUTES instead of written again in each module:
a list page narrowed by query parameters, and an update of metadata (plus plain text fields).

A resource whose list or update does more (checks, side effects) keeps its own handler.
"""

from __future__ import annotations

import copy
from typing import Any

from ..events import emit
from ..listing import list_objects
from ..params import Params, merge_metadata
from ..state import Ctx
from .routing import Route


def list_route(path: str, object_type: str, *filters: str, **renamed: str) -> Route:
    """GET `path`: a page of the account's `object_type` objects (listing.py's order and cursors).

    Each query parameter in `filters` is an equality test on the store column of the same name; `renamed`
    maps a parameter to a column of another name (`type="kind"`: the store keeps an object's type as kind).
    """
    columns = {**{name: name for name in filters}, **renamed}

    def list_page(ctx: Ctx, params: Params) -> dict[str, Any]:
        values = {column: params.text(param) for param, column in columns.items()}
        return list_objects(ctx, object_type, params, path, values)

    return Route("GET", path, list_page)


def update_route(path: str, object_type: str, noun: str, param: str, *, texts: tuple[str, ...] = ()) -> Route:
    """POST `path` (with `{id}`): merge the request's metadata into the object and set the named text fields
    (an empty value clears one); if anything changed, save it and send `<object_type>.updated` with the
    previous attributes."""

    def update(ctx: Ctx, params: Params, id: str) -> dict[str, Any]:
        obj = ctx.load(id, object_type, noun, param)
        before = copy.deepcopy(obj)
        obj["metadata"] = merge_metadata(obj["metadata"], params.metadata())
        for key in texts:
            if key in params:
                obj[key] = params.text(key) or None
        if obj != before:
            ctx.save(obj)
            emit(ctx, f"{object_type}.updated", obj, before)
        return obj

    return Route("POST", path, update)
