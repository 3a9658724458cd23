"""One Great Expectations suite per Stripe object type, generated from the rule table (rules.py).

Every expectation carries meta["reason"], the rule's reason template: filled from the failing row's values,
it is what finance reads in the quarantine report.
"""

from __future__ import annotations

from typing import Any

import great_expectations as gx
from great_expectations.expectations import Expectation

from stripe_netsuite.validation.checks import Check, Rule, When
from stripe_netsuite.validation.rules import rules_for

ex = gx.expectations

_EXPECTATIONS: dict[Check, type[Expectation]] = {
    Check.NOT_NULL: ex.ExpectColumnValuesToNotBeNull,
    Check.NULL: ex.ExpectColumnValuesToBeNull,
    Check.IN_SET: ex.ExpectColumnValuesToBeInSet,
    Check.NOT_IN_SET: ex.ExpectColumnValuesToNotBeInSet,
    Check.MATCHES: ex.ExpectColumnValuesToMatchRegex,
    Check.UNIQUE: ex.ExpectCompoundColumnsToBeUnique,
    Check.BETWEEN: ex.ExpectColumnValuesToBeBetween,
    Check.EQUAL: ex.ExpectColumnPairValuesToBeEqual,
    Check.NOT_LESS_THAN: ex.ExpectColumnPairValuesAToBeGreaterThanB,
}


def _columns(rule: Rule) -> dict[str, Any]:
    if rule.check is Check.UNIQUE:
        return {"column_list": list(rule.columns)}
    if rule.check is Check.EQUAL:
        column_a, column_b = rule.columns
        return {"column_A": column_a, "column_B": column_b, "ignore_row_if": "either_value_is_missing"}
    if rule.check is Check.NOT_LESS_THAN:
        column_a, column_b = rule.columns
        return {"column_A": column_a, "column_B": column_b, "ignore_row_if": "either_value_is_missing",
                "or_equal": True}  # fmt: skip
    (column,) = rule.columns
    return {"column": column}


def _condition(when: When | None) -> dict[str, Any]:
    """A pandas row condition: the rule checks only the rows it is about."""
    if when is None:
        return {}
    values = when.values
    test = f"{when.column} == {values[0]!r}" if len(values) == 1 else f"{when.column} in {list(values)}"
    return {"row_condition": test, "condition_parser": "pandas"}


def expectation_for(rule: Rule) -> Expectation:
    """The Great Expectations expectation that checks `rule`, its reason in meta."""
    return _EXPECTATIONS[rule.check](
        **_columns(rule), **rule.options, **_condition(rule.when), meta={"reason": rule.reason}
    )


def build_suite(object_type: str) -> gx.ExpectationSuite:
    """The suite for `object_type` (a Stripe `object` value such as "charge" or "checkout.session")."""
    return gx.ExpectationSuite(
        name=f"stripe_{object_type.replace('.', '_')}",
        expectations=[expectation_for(rule) for rule in rules_for(object_type)],
    )
