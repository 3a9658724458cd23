"""Request bodies: check each property against the record's field list and parse its value.

Unknown property names follow NetSuite's `X-NetSuite-PropertyNameValidation` request header: `Warning`
(NetSuite's default) drops them and reports them back in the `X-NetSuite-Warning` response header, `Ignore`
drops them silently, `Error` refuses the request with 400 NONEXISTENT_FIELD naming the property.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import NetSuiteError, invalid_parameter, nonexistent_field
from .fields import TRANSACTION_TYPES, Field, RecordType, Sublist
from .money import to_decimal, to_text

Doc = dict[str, Any]
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NAME_VALIDATION_HEADER = "X-NetSuite-PropertyNameValidation"
WARNING_HEADER = "X-NetSuite-Warning"
MODES = ("Error", "Warning", "Ignore")


@dataclass
class NameCheck:
    """How this request treats unknown property names, and the ones it dropped (for the warning header)."""

    mode: str = "Warning"
    dropped: list[str] = field(default_factory=list)

    @classmethod
    def from_header(cls, value: str | None) -> NameCheck:
        if value is None or not value.strip():
            return cls()
        for mode in MODES:
            if value.strip().lower() == mode.lower():
                return cls(mode)
        raise invalid_parameter(
            f"Invalid value '{value}' for header {NAME_VALIDATION_HEADER}. Valid values: {', '.join(MODES)}."
        )

    def unknown(self, path: str) -> None:
        if self.mode == "Error":
            raise nonexistent_field(path)
        if self.mode == "Warning":
            self.dropped.append(path)

    def ignored(self, path: str, why: str) -> None:
        """A known field the request may not set here (create-only on an update): always reported."""
        if self.mode != "Ignore":
            self.dropped.append(f"{path} ({why})")

    def warning(self) -> str | None:
        """The X-NetSuite-Warning value, or None when nothing was dropped."""
        if not self.dropped:
            return None
        return "Ignored property names: " + "; ".join(self.dropped)


def check_external_id(value: str, path: str = "externalId") -> None:
    if not EXTERNAL_ID.match(value):
        raise invalid_parameter(
            f"Invalid external ID '{value}': use only letters, digits, underscore (_) and hyphen (-).", path
        )


def parse_body(conn: sqlite3.Connection, record: RecordType, body: Any, names: NameCheck) -> Doc:
    """Validate a request body field by field; read-only fields are ignored, unknown ones per `names`."""
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    return _parse_fields(conn, record.fields, body, "", names)


def _parse_fields(
    conn: sqlite3.Connection, fields: dict[str, Field], body: Doc, prefix: str, names: NameCheck
) -> Doc:
    out: Doc = {}
    for name, value in body.items():
        if name == "links":
            continue
        spec = fields.get(name)
        path = prefix + name
        if spec is None:
            names.unknown(path)
            continue
        if spec.readonly:
            continue
        out[name] = _parse_value(conn, spec, value, path, names)
    return out


def _parse_value(conn: sqlite3.Connection, spec: Field, value: Any, path: str, names: NameCheck) -> Any:
    if value is None:
        return None
    kind = spec.kind
    if kind == "string":
        if not isinstance(value, str):
            raise invalid_parameter(f"Invalid value for field {path}: expected a string.", path)
        if path == "externalId":
            check_external_id(value)
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise invalid_parameter(f"Invalid value for field {path}: expected true or false.", path)
        return value
    if kind in ("decimal", "integer"):
        return _parse_number(kind, value, path)
    if kind == "date":
        return _parse_date(value, path)
    if kind == "enum":
        return _parse_enum(spec, value, path)
    if kind == "ref":
        return _parse_ref(conn, spec, value, path)
    if kind == "sublist":
        assert spec.sublist is not None
        return _parse_sublist(conn, spec.sublist, value, path, names)
    if kind == "unsupported":
        raise invalid_parameter(f"The sandbox does not emulate writing field {path}.", path)
    raise invalid_parameter(f"Field {path} cannot be set.", path)


def _parse_number(kind: str, value: Any, path: str) -> Any:
    try:
        number = to_decimal(value)
    except ValueError as exc:
        raise invalid_parameter(f"Invalid value for field {path}: {exc}.", path) from exc
    if kind == "integer":
        if number != number.to_integral_value():
            raise invalid_parameter(f"Invalid value for field {path}: expected an integer.", path)
        return int(number)
    return to_text(number)


def _parse_date(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        raise invalid_parameter(f"Invalid value for field {path}: expected a date YYYY-MM-DD.", path)
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise invalid_parameter(f"Invalid date for field {path}: {value}.", path) from exc
    return value


def _parse_enum(spec: Field, value: Any, path: str) -> Any:
    """A select value. `labels` marks an object-only field (undepFunds): {"id": ...}, never a bare value."""
    if spec.labels and not isinstance(value, dict):
        raise invalid_parameter(
            f'Invalid value for field {path}: expected an object {{"id": ...}} with id one of '
            f"{', '.join(spec.choices)}.",
            path,
        )
    choice = value.get("id") if isinstance(value, dict) else value
    if not isinstance(choice, str) or (spec.choices and choice not in spec.choices):
        raise invalid_parameter(
            f"Invalid value for field {path}. Valid values: {', '.join(spec.choices)}.", path
        )
    return {"id": choice} if spec.labels else choice


def invalid_reference(raw: str, path: str) -> NetSuiteError:
    """Oracle's own example of a bad reference: 400 INVALID_CONTENT naming the field."""
    return NetSuiteError(
        400,
        "INVALID_CONTENT",
        f"Error while accessing a resource. You have entered an Invalid Field Value {raw} "
        f"for the following field: {path.rsplit('.', 1)[-1]}",
        path,
    )


def _parse_ref(conn: sqlite3.Connection, spec: Field, value: Any, path: str) -> Doc:
    """A reference {"id": ...} or {"externalId": ...}; it must name an existing record."""
    if not isinstance(value, dict) or (value.get("id") is None and value.get("externalId") is None):
        raise invalid_parameter(f"Invalid value for field {path}: expected an object with an id.", path)
    target = spec.target or ""
    types = list(TRANSACTION_TYPES) if target == "transaction" else [target]
    marks = ",".join("?" * len(types))
    if value.get("id") is not None:
        raw = str(value["id"])
        row = (
            conn.execute(
                f"SELECT id FROM _record WHERE type IN ({marks}) AND id = ?", (*types, int(raw))
            ).fetchone()
            if raw.isdigit()
            else None
        )
    else:
        raw = str(value["externalId"])
        row = conn.execute(
            f"SELECT id FROM _record WHERE type IN ({marks}) AND externalid = ?", (*types, raw)
        ).fetchone()
    if row is None:
        raise invalid_reference(raw, path)
    return {"id": str(row[0])}


def _parse_sublist(
    conn: sqlite3.Connection, sub: Sublist, value: Any, path: str, names: NameCheck
) -> list[Doc]:
    if not isinstance(value, dict) or not isinstance(value.get("items", []), list):
        raise invalid_parameter(f'Invalid value for sublist {path}: expected {{"items": [...]}}.', path)
    for name in value:
        if name not in ("items", "links", "count", "hasMore", "offset", "totalResults"):
            names.unknown(f"{path}.{name}")
    lines = []
    for index, line in enumerate(value.get("items", [])):
        line_path = f"{path}.items[{index}]"
        if not isinstance(line, dict):
            raise invalid_parameter(f"Invalid line {line_path}: expected an object.", line_path)
        parsed = _parse_fields(conn, sub.fields, line, line_path + ".", names)
        # Remember the line's place in the request so a rule can name it in o:errorPath.
        parsed["_path"] = index
        lines.append(parsed)
    return lines
