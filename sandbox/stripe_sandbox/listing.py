"""Stripe's list pages: newest first, `limit` 1..100, cursors, `has_more`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import errors
from .params import Params
from .state import Ctx

_BOUNDS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def page_size(params: Params) -> int:
    limit = params.integer("limit")
    if limit is None:
        return 10
    if limit < 1:
        raise errors.invalid(
            "This value must be greater than or equal to 1.", "limit", "parameter_invalid_integer"
        )
    if limit > 100:
        raise errors.invalid(
            f"This value must be less than or equal to 100 (it currently is '{limit}').",
            "limit",
            "parameter_invalid_integer",
        )
    return limit


def range_conditions(column: str, bounds: Mapping[str, int]) -> list[tuple[str, list[Any]]]:
    return [(f"{column} {_BOUNDS[bound]} ?", [value]) for bound, value in bounds.items()]


def list_objects(
    ctx: Ctx,
    object_type: str,
    params: Params,
    url: str,
    filters: Mapping[str, Any] | None = None,
    conditions: Sequence[tuple[str, list[Any]]] = (),
) -> dict[str, Any]:
    """One page of `object_type` objects of the context's account; `filters` are column = value tests."""
    limit = page_size(params)
    where = ["type = ?", "account = ?"]
    args: list[Any] = [object_type, ctx.account]
    for column, value in (filters or {}).items():
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    for clause, values in [*range_conditions("created", params.range_filter("created")), *conditions]:
        where.append(clause)
        args.extend(values)
    after = params.text("starting_after")
    before = params.text("ending_before")
    if after and before:
        raise errors.invalid(
            "You may only specify one of these parameters: ending_before, starting_after.", "starting_after"
        )
    descending = True
    cursor_id = after or before
    if cursor_id:
        cursor = ctx.store.row(cursor_id, ctx.account)
        if cursor is None:
            param = "starting_after" if after else "ending_before"
            raise errors.StripeError(
                400, f"No such object: '{cursor_id}'", code="resource_missing", param=param
            )
        if after:
            where.append("(created, seq) < (?, ?)")
        else:
            where.append("(created, seq) > (?, ?)")
            descending = False
        args.extend([cursor.created, cursor.seq])
    order = "created DESC, seq DESC" if descending else "created ASC, seq ASC"
    rows = ctx.store.select(
        f"SELECT * FROM objects WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?", [*args, limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not descending:
        rows.reverse()
    return {"object": "list", "data": [row.data for row in rows], "has_more": has_more, "url": url}
