"""`expand[]`: replace id strings by the objects they name, along dotted paths (`data.source`)."""

from __future__ import annotations

import copy
from typing import Any

from . import errors
from .events import public
from .state import Ctx

MAX_DEPTH = 4  # Stripe allows expansions up to four levels deep


def _charge_refunds(ctx: Ctx, charge: dict[str, Any]) -> dict[str, Any]:
    from .params import Params
    from .resources.refunds import list_charge_refunds

    return list_charge_refunds(ctx, Params({}), charge["id"])


def _session_line_items(ctx: Ctx, session: dict[str, Any]) -> dict[str, Any]:
    from .params import Params
    from .resources.checkout_sessions import line_items

    return line_items(ctx, Params({}), session["id"])


# Lists Stripe leaves out of their parent unless expanded (charge.refunds since API version 2022-11-15).
INCLUDABLE = {("charge", "refunds"): _charge_refunds, ("checkout.session", "line_items"): _session_line_items}


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
    include = INCLUDABLE.get((str(node.get("object")), key))
    if include is not None and key not in node:
        node[key] = include(ctx, node)
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
