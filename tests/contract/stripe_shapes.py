"""Compare objects the Stripe sandbox returns with the spec (2024-04-10) and with fixtures3.json (2026).

The spec says which keys exist and what they hold; the real example says which keys Stripe actually renders
(Stripe writes every key of an object, null when it doesn't apply, while its spec marks many as optional).
Both comparisons are guided by the schema, so only keys the 2024 spec knows can be demanded and nested
objects are compared with the example of the same type.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from stripe_sandbox import openapi

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "stripe" / "fixtures3.json"

Schema = Mapping[str, Any]


@cache
def fixtures() -> Mapping[str, Any]:
    """The real examples, by object type; empty when ../shared is absent."""
    if not FIXTURES.is_file():
        return {}
    with FIXTURES.open(encoding="utf-8") as handle:
        resources: Mapping[str, Any] = json.load(handle)["resources"]
    return resources


def describe(error: ValidationError) -> str:
    """One line naming where and why; for an anyOf, the reason inside the alternative the value meant."""
    while error.context:
        error = _meant_alternative(error)
    where = "/".join(str(p) for p in error.absolute_path) or "<root>"
    return f"{where}: {error.message[:300]}"


def _meant_alternative(error: ValidationError) -> ValidationError:
    """The deepest error of the alternative that failed for a reason other than being the wrong kind.

    An expanded object fails the id alternative by type and the other objects' alternatives by `object`;
    what remains is the alternative of its own type, whose errors are the real news.
    """
    by_alternative: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        by_alternative.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)

    def wrong_kind(errors: list[ValidationError]) -> bool:
        return any((not e.relative_path and e.validator == "type") or list(e.relative_path) == ["object"]
                   for e in errors)

    meant = [errors for errors in by_alternative.values() if not wrong_kind(errors)]
    candidates = min(meant, key=len) if meant else list(error.context or [])
    return best_match(candidates) or error


def schema_errors(name: str, value: Any) -> list[str]:
    """Why `value` doesn't fit the spec's schema for `name` (empty when it fits)."""
    return [describe(e) for e in openapi.validator_for(name).iter_errors(value)]


def list_errors(method: str, path: str, value: Any) -> list[str]:
    """Why `value` doesn't fit the spec's response of `method path` (a list envelope, say)."""
    return [describe(e) for e in openapi.response_validator(method, path).iter_errors(value)]


def _alternatives(node: Schema, defs: Schema) -> list[Schema]:
    if "$ref" in node:
        return _alternatives(defs[str(node["$ref"]).rsplit("/", 1)[1]], defs)
    nested = node.get("anyOf") or node.get("oneOf")
    if nested:
        return [alt for sub in nested for alt in _alternatives(sub, defs)]
    return [node]


def _objects(nodes: Iterable[Schema], defs: Schema, sample: Mapping[str, Any]) -> list[Schema]:
    """The object alternatives that can describe `sample`: of its own type when it names one (an expanded
    balance_transaction.source that is a dispute is not read with the charge's keys)."""
    objects = [alt for node in nodes for alt in _alternatives(node, defs) if "properties" in alt]
    kind = sample.get("object")
    own = [obj for obj in objects if kind in obj["properties"].get("object", {}).get("enum", ())]
    return own or objects


def _children(objects: Iterable[Schema], key: str) -> list[Schema]:
    return [obj["properties"][key] for obj in objects if key in obj["properties"]]


def _items(nodes: Iterable[Schema], defs: Schema) -> list[Schema]:
    return [alt["items"] for node in nodes for alt in _alternatives(node, defs) if "items" in alt]


def _same_kind(sample: Mapping[str, Any], example: Mapping[str, Any]) -> bool:
    """Compare a nested object only with an example of the same type (event.data.object varies, say)."""
    return sample.get("object") == example.get("object")


def _example_for(sample: Mapping[str, Any], example: Any) -> Any:
    """An expanded object (charge.balance_transaction, balance_transaction.source) where the example holds
    an id, or an object of another type, is compared with the real example of its own type."""
    kind = sample.get("object")
    if isinstance(kind, str) and not (isinstance(example, Mapping) and example.get("object") == kind):
        return fixtures().get(kind, example)
    return example


def _other_type_hash(key: str, sample: Mapping[str, Any], example: Mapping[str, Any]) -> bool:
    """Polymorphic objects (payment_method_details, destination_details, ...) hold one hash named after their
    `type`; the example's hash for another type (its `card` when the sample is a `us_bank_account`) is
    absent by design."""
    return example.get("type") == key and sample.get("type") != key


def missing_keys(name: str, sample: Any, example: Any) -> list[str]:
    """Paths of keys the example has, the 2024 schema knows, and the sample lacks (nested, schema-guided)."""
    schema = openapi.object_schema(name)
    found: list[str] = []
    _missing(sample, example, [schema], schema["$defs"], name, found)
    return found


def _missing(sample: Any, example: Any, nodes: list[Schema], defs: Schema, path: str,
             found: list[str]) -> None:
    if isinstance(sample, Mapping):
        example = _example_for(sample, example)
    if isinstance(sample, Mapping) and isinstance(example, Mapping):
        if not _same_kind(sample, example):
            return
        objects = _objects(nodes, defs, sample)
        for key in example:
            children = _children(objects, key)
            if not children or _other_type_hash(key, sample, example):
                continue  # not in the 2024 spec here (newer field, free key such as metadata's), other type
            if key not in sample:
                found.append(f"{path}.{key}")
            else:
                _missing(sample[key], example[key], children, defs, f"{path}.{key}", found)
    elif isinstance(sample, list) and isinstance(example, list) and example:
        items = _items(nodes, defs)
        for item in sample:
            _missing(item, example[0], items, defs, f"{path}[]", found)


def invented_keys(name: str, sample: Any) -> list[str]:
    """Paths of keys the sample has but neither the 2024 schema nor the 2026 example of its type knows.

    Keys newer than 2024 are fine when the real example has them; a key found in neither is made up.
    """
    schema = openapi.object_schema(name)
    found: list[str] = []
    _invented(sample, fixtures().get(name), [schema], schema["$defs"], name, found)
    return found


def _invented(sample: Any, example: Any, nodes: list[Schema], defs: Schema, path: str,
              found: list[str]) -> None:
    if isinstance(sample, Mapping):
        objects = _objects(nodes, defs, sample)
        if not objects or any(obj.get("additionalProperties") not in (None, False) for obj in objects):
            return  # free keys (metadata) or a schema that says nothing about keys
        example = _example_for(sample, example)
        if isinstance(example, Mapping) and not _same_kind(sample, example):
            example = None
        for key, value in sample.items():
            children = _children(objects, key)
            sub_example = example.get(key) if isinstance(example, Mapping) else None
            if not children:
                if not (isinstance(example, Mapping) and key in example):
                    found.append(f"{path}.{key}")
                continue
            _invented(value, sub_example, children, defs, f"{path}.{key}", found)
    elif isinstance(sample, list):
        items = _items(nodes, defs)
        first = example[0] if isinstance(example, list) and example else None
        for item in sample:
            _invented(item, first, items, defs, f"{path}[]", found)
