"""REST record documents: merge a parsed request into a stored record, render NetSuite's JSON."""

from __future__ import annotations

import copy
import sqlite3
from typing import Any

from . import derived, ledger, store
from .errors import nonexistent_field
from .fields import RECORD_TYPES, Field, RecordType, Sublist
from .money import to_decimal, to_json_number

Doc = dict[str, Any]


# ---------------------------------------------------------------- merging


def _line_key(sub: Sublist, line: Doc) -> Any:
    assert sub.key is not None
    value = line.get(sub.key)
    return ledger.ref_id(value) if isinstance(value, dict) else value


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
    doc = ledger.load_doc(conn, record.family, record_id)
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
    if record_type == "accountingPeriod":
        return str(doc.get("periodName"))
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
        choice = value.get("id") if isinstance(value, dict) else value
        if isinstance(value, dict) and value.get("refName") is not None:
            return value
        label = spec.labels[spec.choices.index(choice)] if spec.labels and choice in spec.choices else choice
        return {"id": choice, "refName": label}
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


def view_of(conn: sqlite3.Connection, stored: store.StoredRecord, prefill: bool = False) -> Doc:
    """The stored document with the ledger's read-only values (and, with `prefill`, the pre-filled
    sublist lines NetSuite shows) merged in."""
    view = {**stored.doc, **derived.derived(conn, stored.type, stored.id, stored.doc, prefill)}
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
    view = view_of(conn, stored, prefill=True)
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
