"""The `q` filter of record collections: `field OPERATOR value`, joined by AND / OR (AND binds tighter)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from .errors import invalid_parameter, nonexistent_field
from .fields import RecordType
from .money import to_decimal

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+')
_NO_VALUE = {"EMPTY", "EMPTY_NOT"}
_OPERATORS = {
    "IS",
    "IS_NOT",
    "START_WITH",
    "START_WITH_NOT",
    "END_WITH",
    "END_WITH_NOT",
    "CONTAIN",
    "CONTAIN_NOT",
    "EQUAL",
    "EQUAL_NOT",
    "GREATER",
    "GREATER_OR_EQUAL",
    "LESS",
    "LESS_OR_EQUAL",
    "ANY_OF",
    "ANY_OF_NOT",
    "BEFORE",
    "AFTER",
    "ON",
    "ON_OR_BEFORE",
    "ON_OR_AFTER",
    "EMPTY",
    "EMPTY_NOT",
}

Condition = tuple[str, str, Any]
Predicate = Callable[[dict[str, Any]], bool]


def parse(text: str, record: RecordType) -> list[list[Condition]]:
    """Disjunction of conjunctions of (field, operator, value)."""
    tokens = _TOKEN.findall(text)
    groups: list[list[Condition]] = [[]]
    i = 0
    while i < len(tokens):
        if i + 1 >= len(tokens):
            raise invalid_parameter(
                f"Invalid query '{text}': a condition needs a field and an operator.", "q"
            )
        field, operator = tokens[i], tokens[i + 1].upper()
        if operator not in _OPERATORS:
            raise invalid_parameter(f"Invalid query '{text}': unknown operator {tokens[i + 1]}.", "q")
        if field.split(".")[0] not in record.fields:
            raise nonexistent_field(field)
        i += 2
        value: Any = None
        if operator not in _NO_VALUE:
            if i >= len(tokens):
                raise invalid_parameter(f"Invalid query '{text}': {operator} needs a value.", "q")
            value = _literal(tokens[i])
            i += 1
        groups[-1].append((field.split(".")[0], operator, value))
        if i < len(tokens):
            joiner = tokens[i].upper()
            if joiner == "OR":
                groups.append([])
            elif joiner != "AND":
                raise invalid_parameter(f"Invalid query '{text}': expected AND or OR, got {tokens[i]}.", "q")
            i += 1
    if not groups[-1]:
        raise invalid_parameter(f"Invalid query '{text}'.", "q")
    return groups


def _literal(token: str) -> Any:
    if token.startswith('"'):
        return token[1:-1].replace('\\"', '"')
    if token.startswith("["):
        return [_literal(part.strip()) for part in token[1:-1].split(",") if part.strip()]
    return token


def _plain(value: Any) -> Any:
    """A stored/derived value as the filter compares it: references by id, enums by id."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def _date(value: Any) -> str:
    text = str(value)
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text[:10], fmt).date().isoformat()
        except ValueError:
            continue
    return text


def _number(value: Any) -> Decimal | None:
    try:
        return to_decimal(value)
    except ValueError:
        return None


def _test(actual: Any, operator: str, wanted: Any) -> bool:
    actual = _plain(actual)
    if operator == "EMPTY":
        return actual in (None, "", [])
    if operator == "EMPTY_NOT":
        return actual not in (None, "", [])
    if operator in ("ANY_OF", "ANY_OF_NOT"):
        options = {str(v) for v in (wanted if isinstance(wanted, list) else [wanted])}
        return (str(actual) in options) == (operator == "ANY_OF")
    if actual is None:
        return operator.endswith("_NOT")
    if isinstance(actual, bool):
        result = actual == (str(wanted).lower() == "true")
        return result if operator in ("IS", "EQUAL") else not result
    if operator in ("BEFORE", "AFTER", "ON", "ON_OR_BEFORE", "ON_OR_AFTER"):
        a, w = _date(actual), _date(wanted)
        return {"BEFORE": a < w, "AFTER": a > w, "ON": a == w, "ON_OR_BEFORE": a <= w, "ON_OR_AFTER": a >= w}[
            operator
        ]
    a_num, w_num = _number(actual), _number(wanted)
    if operator in ("EQUAL", "EQUAL_NOT", "GREATER", "GREATER_OR_EQUAL", "LESS", "LESS_OR_EQUAL"):
        if a_num is None or w_num is None:
            return False
        return {
            "EQUAL": a_num == w_num,
            "EQUAL_NOT": a_num != w_num,
            "GREATER": a_num > w_num,
            "GREATER_OR_EQUAL": a_num >= w_num,
            "LESS": a_num < w_num,
            "LESS_OR_EQUAL": a_num <= w_num,
        }[operator]
    a_text, w_text = str(actual).casefold(), str(wanted).casefold()
    base = operator.removesuffix("_NOT")
    result = {
        "IS": a_text == w_text or (a_num is not None and a_num == w_num),
        "START_WITH": a_text.startswith(w_text),
        "END_WITH": a_text.endswith(w_text),
        "CONTAIN": w_text in a_text,
    }[base]
    return result != operator.endswith("_NOT")


def matcher(groups: list[list[Condition]]) -> Predicate:
    def matches(view: dict[str, Any]) -> bool:
        return any(all(_test(view.get(f), op, v) for f, op, v in group) for group in groups)

    return matches
