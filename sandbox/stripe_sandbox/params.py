"""Decoding Stripe's form encoding (`a[b][c]=v`, `list[0]=`, `list[]=`); typed access, Stripe's errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import errors

_SEGMENT = re.compile(r"\[([^\]]*)\]")

Nested = dict[str, Any]


def _split_key(key: str) -> list[str]:
    head, bracket, _ = key.partition("[")
    if not bracket:
        return [key]
    return [head, *_SEGMENT.findall(key[len(head) :])]


def _listify(node: Any) -> Any:
    """Dicts keyed only by indexes become lists, in index order."""
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def decode(pairs: Iterable[tuple[str, str]]) -> Nested:
    """Turn flat form pairs into the nested structure they describe."""
    root: Nested = {}
    for key, value in pairs:
        segments = _split_key(key)
        node = root
        for position, segment in enumerate(segments):
            last = position == len(segments) - 1
            if segment == "":
                segment = str(len(node))  # `list[]=` appends
            if last:
                node[segment] = value
            else:
                child = node.get(segment)
                if not isinstance(child, dict):
                    child = {}
                    node[segment] = child
                node = child
    result = _listify(root)
    assert isinstance(result, dict)
    return result


class Params:
    """Typed, Stripe-checked access to one level of parameters; `prefix` names nested ones in errors."""

    def __init__(self, values: Mapping[str, Any] | None, prefix: str = "") -> None:
        self.values: Mapping[str, Any] = values or {}
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}[{key}]" if self.prefix else key

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def raw(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str, required: bool = False, default: str | None = None) -> str | None:
        value = self.values.get(key)
        if value is None:
            if required:
                raise errors.missing(self.name(key))
            return default
        if not isinstance(value, str):
            raise errors.invalid(f"Invalid string: {value!r}", self.name(key), "parameter_invalid_string")
        if value == "" and required:
            raise errors.StripeError(
                400,
                f"You passed an empty string for '{self.name(key)}'. We assume empty values are an "
                "attempt to unset a parameter; however '" + self.name(key) + "' cannot be unset. You should "
                "remove '" + self.name(key) + "' from your request or supply a non-empty value.",
                code="parameter_invalid_empty",
                param=self.name(key),
            )
        return value

    def req_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def integer(self, key: str, required: bool = False, minimum: int | None = None) -> int | None:
        value = self.values.get(key)
        if value is None or value == "":
            if required:
                raise errors.missing(self.name(key))
            return None
        if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value.strip()):
            raise errors.invalid_integer(self.name(key), value)
        number = int(value)
        if minimum is not None and number < minimum:
            raise errors.invalid(
                f"This value must be greater than or equal to {minimum}.",
                self.name(key),
                "parameter_invalid_integer",
            )
        return number

    def req_integer(self, key: str, minimum: int | None = None) -> int:
        value = self.integer(key, required=True, minimum=minimum)
        assert value is not None
        return value

    def flag(self, key: str, default: bool | None = None) -> bool | None:
        value = self.values.get(key)
        if value is None:
            return default
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise errors.invalid_boolean(self.name(key), value)

    def enum(
        self, key: str, allowed: list[str], required: bool = False, default: str | None = None
    ) -> str | None:
        value = self.text(key, required=required)
        if value is None or value == "":
            return default
        if value not in allowed:
            raise errors.invalid_enum(self.name(key), value, allowed)
        return value

    def sub(self, key: str) -> Params:
        value = self.values.get(key)
        if value is None or value == "":
            return Params({}, self.name(key))
        if not isinstance(value, Mapping):
            raise errors.invalid(f"Invalid object: {value!r}", self.name(key), "parameter_invalid_object")
        return Params(value, self.name(key))

    def array(self, key: str) -> list[Any]:
        value = self.values.get(key)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [value]  # `expand=foo` is accepted as a one-element list, as Stripe does
        if isinstance(value, Mapping):
            raise errors.invalid(f"Invalid array: {value!r}", self.name(key), "parameter_invalid_array")
        return list(value)

    def strings(self, key: str) -> list[str]:
        items = self.array(key)
        for item in items:
            if not isinstance(item, str):
                raise errors.invalid(f"Invalid string: {item!r}", self.name(key), "parameter_invalid_string")
        return items

    def metadata(self, key: str = "metadata") -> dict[str, str] | None:
        """Metadata as given: None when absent, {} when unset with an empty string."""
        value = self.values.get(key)
        if value is None:
            return None
        if value == "":
            return {}
        if not isinstance(value, Mapping):
            raise errors.invalid("Invalid hash", self.name(key), "parameter_invalid_object")
        if len(value) > 50:
            raise errors.invalid("You can specify at most 50 keys in metadata.", self.name(key))
        for meta_key, meta_value in value.items():
            if len(meta_key) > 40:
                raise errors.invalid(
                    f"Metadata keys can have up to 40 characters; '{meta_key}' has {len(meta_key)}.",
                    self.name(key),
                )
            if not isinstance(meta_value, str):
                raise errors.invalid("Metadata values must be strings.", f"{self.name(key)}[{meta_key}]")
            if len(meta_value) > 500:
                raise errors.invalid(
                    "Metadata values can have up to 500 characters.", f"{self.name(key)}[{meta_key}]"
                )
        return dict(value)

    def range_filter(self, key: str) -> dict[str, int]:
        """A `created`-style filter: an exact integer or any of gt/gte/lt/lte."""
        value = self.values.get(key)
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            exact = self.req_integer(key)
            return {"gte": exact, "lte": exact}
        if not isinstance(value, Mapping):
            raise errors.invalid_integer(self.name(key), value)
        nested = self.sub(key)
        bounds: dict[str, int] = {}
        for bound in value:
            if bound not in ("gt", "gte", "lt", "lte"):
                raise errors.unknown_parameter(nested.name(bound))
            number = nested.integer(bound)
            if number is not None:
                bounds[bound] = number
        return bounds


def merge_metadata(current: Mapping[str, str], update: Mapping[str, str] | None) -> dict[str, str]:
    """Stripe's metadata update: keys merge, an empty value deletes its key, an empty hash clears all."""
    if update is None:
        return dict(current)
    if not update:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
