"""The language of the rule table: what a rule checks, on which columns, for which rows, and why.

Pure data (no Great Expectations import): suites.py turns each Rule into an expectation, frames.py computes
each Related fact. The table itself is rules.RULES.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Check(enum.Enum):
    """What a rule expects of its column(s); suites.py turns each into a Great Expectations expectation."""

    NOT_NULL = enum.auto()
    NULL = enum.auto()
    IN_SET = enum.auto()
    NOT_IN_SET = enum.auto()
    MATCHES = enum.auto()
    UNIQUE = enum.auto()  # the columns together, within the batch
    BETWEEN = enum.auto()
    EQUAL = enum.auto()  # column A == column B where both are present
    NOT_LESS_THAN = enum.auto()  # column A >= column B where both are present


@dataclass(frozen=True)
class When:
    """A rule applies only to rows whose `column` holds one of `values`."""

    column: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Rule:
    """One check on a batch's rows, with the reason a failing row is quarantined."""

    check: Check
    columns: tuple[str, ...]
    reason: str
    options: Mapping[str, Any] = field(default_factory=dict)  # value_set, min_value, max_value, regex
    when: When | None = None

    @property
    def reads(self) -> tuple[str, ...]:
        """Every column the rule looks at, its condition's included."""
        return self.columns + ((self.when.column,) if self.when else ())


def not_null(column: str, reason: str) -> Rule:
    return Rule(Check.NOT_NULL, (column,), reason)


def null(column: str, reason: str) -> Rule:
    return Rule(Check.NULL, (column,), reason)


def in_set(column: str, values: Any, reason: str) -> Rule:
    return Rule(Check.IN_SET, (column,), reason, {"value_set": list(values)})


def not_in_set(column: str, values: Any, reason: str) -> Rule:
    return Rule(Check.NOT_IN_SET, (column,), reason, {"value_set": list(values)})


def at_least(column: str, minimum: int, reason: str, when: When | None = None) -> Rule:
    return Rule(Check.BETWEEN, (column,), reason, {"min_value": minimum}, when)


def at_most(column: str, maximum: int, reason: str, when: When | None = None) -> Rule:
    return Rule(Check.BETWEEN, (column,), reason, {"max_value": maximum}, when)


def equal(column_a: str, column_b: str, reason: str) -> Rule:
    return Rule(Check.EQUAL, (column_a, column_b), reason)


def not_less_than(column_a: str, column_b: str, reason: str) -> Rule:
    return Rule(Check.NOT_LESS_THAN, (column_a, column_b), reason)


class Related(enum.Enum):
    """Facts from other rows of the state DB, added to the batch by frames.py; the value names the columns."""

    # charge_amount: the refunded charge's amount; charge_refunded_total: its refunds counted below.
    CHARGE_REFUNDS = ("charge_amount", "charge_refunded_total")
    # itemised_net: a paid automatic payout's balance transactions' nets summed (its own debit excluded).
    PAYOUT_ITEMS = ("itemised_net",)
