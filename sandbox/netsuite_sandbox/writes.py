"""Create, update, upsert and delete records: parse, merge, apply the rules, store, refresh SuiteQL rows."""

from __future__ import annotations

import sqlite3
from typing import Any

from . import rules, store, tables
from .errors import NetSuiteError, invalid_parameter, nonexistent_id, user_error
from .fields import RecordType
from .money import to_text
from .parse import NameCheck, check_external_id, parse_body
from .records import merge


def find(conn: sqlite3.Connection, record: RecordType, key: str) -> store.StoredRecord | None:
    """A record by internal id or `eid:<externalId>`, only if it is of this type."""
    if key.startswith("eid:"):
        return store.load_by_external_id(conn, record.name, key[4:])
    if not key.isdigit():
        return None
    found = store.load_record(conn, record.family, int(key))
    return found if found is not None and found.type == record.name else None


def find_or_404(conn: sqlite3.Connection, record: RecordType, key: str) -> store.StoredRecord:
    found = find(conn, record, key)
    if found is None:
        raise nonexistent_id(record.name, key)
    return found


def create(conn: sqlite3.Connection, record: RecordType, body: Any, names: NameCheck | None = None) -> int:
    patch = parse_body(conn, record, body, names or NameCheck())
    return insert(conn, record, patch)


def update(
    conn: sqlite3.Connection,
    record: RecordType,
    key: str,
    body: Any,
    replace: set[str],
    names: NameCheck | None = None,
) -> int:
    stored = find_or_404(conn, record, key)
    names = names or NameCheck()
    patch = parse_body(conn, record, body, names)
    _update(conn, record, stored, _drop_create_only(record, patch, names), replace)
    return stored.id


def upsert(
    conn: sqlite3.Connection,
    record: RecordType,
    key: str,
    body: Any,
    replace: set[str],
    names: NameCheck | None = None,
) -> tuple[int, bool]:
    """PUT .../eid:X: create the record with that external id, or update the one that has it.

    Returns (internal id, created). An existing record is updated with PATCH semantics, so an
    unkeyed sublist (invoice items, deposit other/cashback) is appended unless `replace` names it.
    """
    if not key.startswith("eid:"):
        raise invalid_parameter("Upsert (PUT) needs an external id in the URL: .../eid:<externalId>.")
    external_id = key[4:]
    check_external_id(external_id)
    names = names or NameCheck()
    patch = parse_body(conn, record, body, names)
    if patch.get("externalId") not in (None, external_id):
        raise invalid_parameter("The body's externalId differs from the one in the URL.", "externalId")
    patch["externalId"] = external_id
    stored = store.load_by_external_id(conn, record.name, external_id)
    if stored is None:
        return insert(conn, record, patch), True
    _update(conn, record, stored, _drop_create_only(record, patch, names), replace)
    return stored.id, False


def _drop_create_only(record: RecordType, patch: dict[str, Any], names: NameCheck) -> dict[str, Any]:
    """Fields NetSuite sets only when a record is created are ignored on an update, and reported."""
    kept = {}
    for name, value in patch.items():
        if record.fields[name].create_only:
            names.ignored(name, "create-only")
        else:
            kept[name] = value
    return kept


def delete(conn: sqlite3.Connection, record: RecordType, key: str) -> None:
    stored = find_or_404(conn, record, key)
    blocker = rules.deletion_blocker(conn, record, stored.id)
    if blocker is not None:
        raise user_error(blocker)
    targets = _link_targets(conn, stored.id)
    entity = _entity_of(conn, stored.id) if record.family == "transaction" else None
    conn.execute("DELETE FROM _link WHERE source = ?", (stored.id,))
    store.delete_record(conn, record.family, stored.id)
    tables.remove(conn, record.family, stored.id)
    _refresh(conn, targets, {entity})


def insert(
    conn: sqlite3.Connection,
    record: RecordType,
    patch: dict[str, Any],
    base: dict[str, Any] | None = None,
    replace: set[str] | None = None,
) -> int:
    """Create a record from a parsed body, over `base` (a transform's pre-filled record) if given."""
    record_id = store.allocate_id(conn, record.family)
    doc = merge(record, base or {}, patch, set(record.sublists) if base is None else (replace or set()))
    outcome = rules.validate(conn, record, doc, record_id)
    _save(conn, record, record_id, outcome, set(), None)
    return record_id


def _update(
    conn: sqlite3.Connection,
    record: RecordType,
    stored: store.StoredRecord,
    patch: dict[str, Any],
    replace: set[str],
) -> None:
    unknown = replace - set(record.sublists)
    if unknown:
        raise invalid_parameter(f"Invalid sublist name in replace: {', '.join(sorted(unknown))}.", "replace")
    doc = merge(record, stored.doc, patch, replace)
    outcome = rules.validate(conn, record, doc, stored.id)
    old_entity = _entity_of(conn, stored.id) if record.family == "transaction" else None
    _save(conn, record, stored.id, outcome, _link_targets(conn, stored.id), old_entity)


def _save(
    conn: sqlite3.Connection,
    record: RecordType,
    record_id: int,
    outcome: rules.Outcome,
    old_targets: set[int],
    old_entity: int | None,
) -> None:
    external_id = outcome.doc.get("externalId")
    if external_id is not None:
        clash = store.load_by_external_id(conn, record.name, external_id)
        if clash is not None and clash.id != record_id:
            raise user_error(
                f"A {record.name} record with external ID '{external_id}' already exists (id {clash.id}).",
                "externalId",
            )
    total = None if outcome.total is None else to_text(outcome.total)
    try:
        store.save_record(
            conn, record.name, record.family, record_id, outcome.doc, outcome.entity, outcome.currency, total
        )
    except sqlite3.IntegrityError as exc:  # the unique index is the last word on external ids
        raise NetSuiteError(400, "USER_ERROR", f"Duplicate external ID: {exc}", "externalId") from exc
    conn.execute("DELETE FROM _link WHERE source = ?", (record_id,))
    conn.executemany(
        "INSERT INTO _link (source, target, kind, amount) VALUES (?, ?, ?, ?)",
        [(record_id, target, kind, to_text(amount)) for target, kind, amount in outcome.links],
    )
    targets = old_targets | {target for target, _, _ in outcome.links}
    tables.sync(conn, record.family, record_id)
    _refresh(conn, targets, {old_entity, outcome.entity})


def _refresh(conn: sqlite3.Connection, transactions: set[int], customers: set[int | None]) -> None:
    """Re-sync the documents whose remaining/unapplied amounts and the customers whose balances moved."""
    for txn_id in sorted(transactions):
        tables.sync(conn, "transaction", txn_id)
        customers.add(_entity_of(conn, txn_id))
    for customer_id in sorted(c for c in customers if c is not None):
        tables.sync(conn, "entity", customer_id)


def _link_targets(conn: sqlite3.Connection, source: int) -> set[int]:
    return {int(r[0]) for r in conn.execute("SELECT target FROM _link WHERE source = ?", (source,))}


def _entity_of(conn: sqlite3.Connection, txn_id: int) -> int | None:
    row = conn.execute(
        "SELECT entity FROM _record WHERE family = 'transaction' AND id = ?", (txn_id,)
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])
