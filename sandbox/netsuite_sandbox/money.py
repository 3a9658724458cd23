"""Exact amounts: Decimal inside, decimal text in storage, JSON numbers on the wire."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal(0)


def to_decimal(value: Any) -> Decimal:
    """Decimal from stored text, an int or a Decimal parsed from JSON (never via float)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a number") from exc
        if not result.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return result
    if isinstance(value, float):
        # Only reached for floats built in Python code; repr is the shortest exact round trip.
        return Decimal(repr(value))
    raise ValueError(f"{value!r} is not a number")


def decimals_of(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -int(exponent))


def quantize(value: Decimal, precision: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)


def to_text(value: Decimal) -> str:
    return format(value, "f")


def to_json_number(value: Decimal) -> int | float:
    """A JSON number for an amount: integral amounts as ints, others via their exact decimal text."""
    if value == value.to_integral_value():
        return int(value)
    return float(format(value, "f"))
