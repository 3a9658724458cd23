"""REST record documents: parse a request body, merge it into a stored record, render NetSuite's JSON."""

from __future__ import annotations

import copy
import re
import sqlite3
from datetime import date
from typing import Any

from . import rules, store
from .errors import invalid_parameter, nonexistent_field, user_error
from .fields import RECORD_TYPES, TRANSACTION_TYPES, Field, RecordType, Sublist
from .money import to_decimal, to_json_number, to_text

Doc = dict[str, Any]
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_external_id(value: str, path: str = "externalId") -> None:
    if not EXTERNAL_ID.match(value):
        raise invalid_parameter(
            f"Invalid external ID '{value}': use only letters, digits, underscore (_) and hyphen (-).", path
        )


# ---------------------------------------------------------------- parsing


def parse_body(conn: sqlite3.Connection, record: RecordType, body: Any) -> Doc:
    """Validate a request body field by field; read-only fields are ignored, unknown ones refused."""
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    return _parse_fields(conn, record.fields, body, "")


def _parse_fields(conn: sqlite3.Connection, fields: dict[str, Field], body: Doc, prefix: str) -> Doc:
    out: Doc = {}
    for name, value in body.items():
        if name == "links":
            continue
        spec = fields.get(name)
        path = prefix + name
        if spec is None:
            raise nonexistent_field(path)
        if spec.readonly:
            continue
        out[name] = _parse_value(conn, spec, value, path)
    return out


def _parse_value(conn: sqlite3.Connection, spec: Field, value: Any, path: str) -> Any:
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
        try:
            number = to_decimal(value)
        except ValueError as exc:
            raise invalid_parameter(f"Invalid value for field {path}: {exc}.", path) from exc
        if kind == "integer":
            if number != number.to_integral_value():
                raise invalid_parameter(f"Invalid value for field {path}: expected an integer.", path)
            return int(number)
        return to_text(number)
    if kind == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            raise invalid_parameter(f"Invalid value for field {path}: expected a date YYYY-MM-DD.", path)
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            raise invalid_parameter(f"Invalid date for field {path}: {value}.", path) from exc
        return value
    if kind == "enum":
        choice = value.get("id") if isinstance(value, dict) else value
        if not isinstance(choice, str) or (spec.choices and choice not in spec.choices):
            raise invalid_parameter(
                f"Invalid value for field {path}. Valid values: {', '.join(spec.choices)}.", path
            )
        return choice
    if kind == "ref":
        return _parse_ref(conn, spec, value, path)
    if kind == "sublist":
        assert spec.sublist is not None
        return _parse_sublist(conn, spec.sublist, value, path)
    raise invalid_parameter(f"Field {path} cannot be set.", path)


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
        raise user_error(
            f"Error while accessing a resource. You have entered an Invalid Field Value {raw} "
            f"for the following field: {path.rsplit('.', 1)[-1]}",
            path,
        )
    return {"id": str(row[0])}


def _parse_sublist(conn: sqlite3.Connection, sub: Sublist, value: Any, path: str) -> list[Doc]:
    if not isinstance(value, dict) or not isinstance(value.get("items", []), list):
        raise invalid_parameter(f'Invalid value for sublist {path}: expected {{"items": [...]}}.', path)
    for name in value:
        if name not in ("items", "links"):
            raise nonexistent_field(f"{path}.{name}")
    lines = []
    for index, line in enumerate(value.get("items", [])):
        line_path = f"{path}.items[{index}]"
        if not isinstance(line, dict):
            raise invalid_parameter(f"Invalid line {line_path}: expected an object.", line_path)
        parsed = _parse_fields(conn, sub.fields, line, line_path + ".")
        # Remember the line's place in the request so a rule can name it in o:errorPath.
        parsed["_path"] = index
        lines.append(parsed)
    return lines


# ---------------------------------------------------------------- merging


def _line_key(sub: Sublist, line: Doc) -> Any:
    assert sub.key is not None
    value = line.get(sub.key)
    return rules.ref_id(value) if isinstance(value, dict) else value


def merge(record: RecordType, old: Doc, patch: Doc, replace: set[str]) -> Doc:
    """PATCH semantics: omitted fields stay, null clears, keyed lines merge, unkeyed lines append."""
    new = copy.deepcopy(old)
    for name, value in patch.items():
        spec = record.fields[name]
        if spec.kind == "sublist":
            assert spec.sublist is not None
            new[name] = _merge_lines(spec.sublist, old.get(name) or [], value or [], name in replace)
        elif value is None:
            new.pop(name, None)
        else:
            new[name] = value
    return new


def _clean(line: Doc) -> Doc:
    return {k: v for k, v in line.items() if v is not None}


def _merge_lines(sub: Sublist, old: list[Doc], incoming: list[Doc], replace: bool) -> list[Doc]:
    """Oracle's sublist rules: keyed lines matching a key are updated and new keys added; unkeyed lines
    are appended. With ?replace=<sublist>, unkeyed lines are all replaced and keyed lines the request
    does not name are removed (the named ones are still updated, not rebuilt)."""
    if sub.key is None:
        kept = [] if replace else copy.deepcopy(old)
        return [*kept, *(_clean(line) for line in incoming)]
    existing = {_line_key(sub, line): copy.deepcopy(line) for line in old}
    merged = [] if replace else list(existing.values())
    position = {} if replace else {key: i for i, key in enumerate(existing)}
    for line in incoming:
        key = _line_key(sub, line)
        if key is not None and key in position:
            target = merged[position[key]]
        else:
            target = existing.get(key, {}) if key is not None else {}
            position[key] = len(merged)
            merged.append(target)
        for name, value in line.items():
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
    return merged


# ---------------------------------------------------------------- rendering


def record_url(base: str, record_type: str, record_id: int | str) -> str:
    return f"{base}/record/v1/{record_type}/{record_id}"


def _self(href: str) -> list[Doc]:
    return [{"rel": "self", "href": href}]


def ref_name(conn: sqlite3.Connection, record_type: str, record_id: int) -> str | None:
    record = RECORD_TYPES[record_type]
    doc = rules.load_doc(conn, record.family, record_id)
    if doc is None:
        return None
    if record_type == "customer":
        name = doc.get("companyName") or " ".join(filter(None, [doc.get("firstName"), doc.get("lastName")]))
        return f"{doc.get('entityId')} {name}".strip()
    if record.family == "transaction":
        return f"{record.label} #{doc.get('tranId', record_id)}"
    if record_type == "account":
        return " ".join(filter(None, [doc.get("acctNumber"), doc.get("acctName")]))
    if record_type == "nonInventorySaleItem":
        return str(doc.get("itemId"))
    return str(doc.get("name"))


def _render_ref(conn: sqlite3.Connection, spec: Field, value: Doc, base: str) -> Doc:
    record_id = int(value["id"])
    record_type = spec.target or ""
    if record_type == "transaction":
        row = conn.execute(
            "SELECT type FROM _record WHERE family = 'transaction' AND id = ?", (record_id,)
        ).fetchone()
        record_type = row[0] if row else "transaction"
    out: Doc = {"links": _self(record_url(base, record_type, record_id)), "id": str(record_id)}
    if record_type in RECORD_TYPES:
        name = ref_name(conn, record_type, record_id)
        if name is not None:
            out["refName"] = name
    return out


def _render_value(conn: sqlite3.Connection, spec: Field, value: Any, base: str) -> Any:
    if spec.kind == "ref":
        return _render_ref(conn, spec, value, base)
    if spec.kind == "decimal":
        return to_json_number(to_decimal(value))
    if spec.kind == "enum":
        return value if isinstance(value, dict) else {"id": value, "refName": value}
    return value


def _render_fields(conn: sqlite3.Connection, fields: dict[str, Field], view: Doc, base: str) -> Doc:
    out: Doc = {}
    for name, spec in fields.items():
        value = view.get(name)
        if value is None or spec.kind == "sublist":
            continue
        out[name] = _render_value(conn, spec, value, base)
    return out


def render_lines(conn: sqlite3.Connection, sub: Sublist, lines: list[Doc], base: str, href: str) -> Doc:
    items = [{"links": [], **_render_fields(conn, sub.fields, line, base)} for line in lines]
    return {
        "links": _self(href),
        "items": items,
        "totalResults": len(items),
        "count": len(items),
        "hasMore": False,
        "offset": 0,
    }


def view_of(conn: sqlite3.Connection, stored: store.StoredRecord) -> Doc:
    """The stored document with the ledger's read-only values merged in."""
    view = {**stored.doc, **rules.derived(conn, stored.type, stored.id, stored.doc)}
    view.update(id=str(stored.id), createdDate=stored.created, lastModifiedDate=stored.modified)
    return view


def render(
    conn: sqlite3.Connection,
    stored: store.StoredRecord,
    base: str,
    expand: bool,
    fields: set[str] | None,
) -> Doc:
    record = RECORD_TYPES[stored.type]
    href = record_url(base, stored.type, stored.id)
    view = view_of(conn, stored)
    if fields is not None:
        for name in fields:
            if name not in record.fields:
                raise nonexistent_field(name)
    out: Doc = {"links": _self(href)}
    for name, value in _render_fields(conn, record.fields, view, base).items():
        if fields is None or name in fields or name == "id":
            out[name] = value
    for name in record.sublists:
        if fields is not None and name not in fields:
            continue
        spec = record.fields[name]
        assert spec.sublist is not None
        if expand:
            out[name] = render_lines(conn, spec.sublist, view.get(name) or [], base, f"{href}/{name}")
        else:
            out[name] = {"links": _self(f"{href}/{name}")}
    return out
