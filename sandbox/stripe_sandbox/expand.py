"""`expand[]`: replace id strings by the objects they name, along dotted paths (`data.source`)."""

from __future__ import annotations

import copy
from typing import Any

from . import errors
from .events import public
from .state import Ctx

MAX_DEPTH = 4  # Stripe allows expansions up to four levels deep


def render(ctx: Ctx, obj: dict[str, Any], expand: list[str]) -> dict[str, Any]:
    """The public form of `obj` with the requested expansions applied."""
    result = _public_deep(obj)
    for path in expand:
        parts = path.split(".")
        if len(parts) > MAX_DEPTH:
            raise errors.invalid(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}", "expand"
            )
        result = _expand(ctx, result, parts, path)
    return result


def _public_deep(obj: dict[str, Any]) -> dict[str, Any]:
    out = public(obj)
    if out.get("object") == "list" and isinstance(out.get("data"), list):
        out["data"] = [public(item) if isinstance(item, dict) else item for item in out["data"]]
    return copy.deepcopy(out)


def _expand(ctx: Ctx, node: Any, parts: list[str], path: str) -> Any:
    if not parts:
        return node
    if isinstance(node, list):
        return [_expand(ctx, item, parts, path) for item in node]
    if not isinstance(node, dict):
        return node
    key, rest = parts[0], parts[1:]
    if key not in node:
        raise errors.invalid(f"This property cannot be expanded ({path}).", "expand")
    value = node[key]
    if isinstance(value, str):
        found = ctx.find(value)
        if found is None:
            raise errors.invalid(f"This property cannot be expanded ({path}).", "expand")
        value = public(found)
    elif value is not None and not isinstance(value, (dict, list)):
        raise errors.invalid(f"This property cannot be expanded ({path}).", "expand")
    node[key] = _expand(ctx, value, rest, path)
    return node
