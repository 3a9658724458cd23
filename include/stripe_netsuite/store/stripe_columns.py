"""Stripe JSON -> a raw table's typed columns: the one mapping the repository and extraction share.

Which field fills which column is declared on the column (see stripe_objects); this module converts the
value to the column's type. A value that cannot be converted at all (amount "abc") raises ValueError or
ArithmeticError. With `placeholders`, a value that is missing from a NOT NULL column, or present with a
JSON type the column does not take (amount 12.5, a 300-character currency), is replaced: NULL where the
column allows it, else a neutral placeholder (0, False, ""). The raw JSON keeps what Stripe sent, and
validation, which reads the raw JSON, quarantines the row with the real reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, Numeric, String
from sqlalchemy.types import TypeEngine

from stripe_netsuite.store.base import UTCDateTime
from stripe_netsuite.store.stripe_objects import COMMON_COLUMNS, StripeObject
from stripe_netsuite.stripe_ids import expandable_id


def dig(obj: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path ("metadata.netsuite_customer_id"); None where any step is missing."""
    value: Any = obj
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _convert(value: Any, kind: TypeEngine[Any]) -> Any:
    """`value` as the column type takes it; raises ValueError/ArithmeticError when it is no such value."""
    if isinstance(kind, UTCDateTime | DateTime):
        return datetime.fromtimestamp(int(value), UTC)  # Stripe timestamps are unix seconds
    if isinstance(kind, String):
        # An expanded field (customer, charge, ...) arrives as the object; the column keeps its id.
        return expandable_id(value) if isinstance(value, Mapping) else str(value)
    if isinstance(kind, Numeric):
        return Decimal(str(value))  # str() of a JSON float is the shortest text that Stripe sent
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Integer):
        return int(value)
    return value


def _fits(value: Any, kind: TypeEngine[Any]) -> bool:
    """Whether `value` has the JSON type the column is for (an int for a timestamp or amount, ...)."""
    if isinstance(kind, UTCDateTime | DateTime | Integer):
        return _is_int(value)
    if isinstance(kind, Boolean):
        return isinstance(value, bool)
    if isinstance(kind, Numeric):
        return isinstance(value, int | float | str) and not isinstance(value, bool)
    if isinstance(kind, String):
        text = expandable_id(value) if isinstance(value, Mapping) else value
        return isinstance(text, str | int) and len(str(text)) <= (kind.length or 10**9)
    return True


def _placeholder(kind: TypeEngine[Any]) -> Any:
    if isinstance(kind, Integer):
        return 0
    if isinstance(kind, Boolean):
        return False
    return ""


def columns_from_stripe(
    model: type[StripeObject], obj: Mapping[str, Any], *, placeholders: bool = False
) -> dict[str, Any]:
    """The model's typed columns filled from a Stripe object; see the module docstring for `placeholders`."""
    values: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.name in COMMON_COLUMNS:
            continue
        reader = column.info.get("from_stripe")
        if reader is not None:
            values[column.name] = reader(obj)
            continue
        path = column.info.get("stripe", column.name)
        if path is None:
            continue
        value = dig(obj, path)
        values[column.name] = None if value is None else _convert(value, column.type)
        unfit = not column.nullable if value is None else not _fits(value, column.type)
        if placeholders and unfit:
            values[column.name] = None if column.nullable else _placeholder(column.type)
    return values
