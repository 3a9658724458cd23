"""Writing raw Stripe objects: a row changes only when the object (or what we know about it) changed."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Boolean, CursorResult, DateTime, Integer, Numeric, String, Table, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from stripe_netsuite.store.base import UTCDateTime, utcnow
from stripe_netsuite.store.stripe_objects import COMMON_COLUMNS, StripeObject


class UpsertResult(enum.StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def canonical_json(obj: Mapping[str, Any]) -> str:
    """JSON with sorted keys and no whitespace, so equal objects give equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(obj: Mapping[str, Any]) -> str:
    """sha256 hex digest of the object's canonical JSON."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def _dig(obj: Mapping[str, Any], path: str) -> Any:
    value: Any = obj
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _coerce(value: Any, column: ColumnElement[Any]) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime | DateTime):
        return datetime.fromtimestamp(int(value), UTC)  # Stripe timestamps are unix seconds
    if isinstance(kind, String):
        # An expanded field (customer, charge, ...) arrives as the object; the column keeps its id.
        return value.get("id") if isinstance(value, Mapping) else str(value)
    if isinstance(kind, Numeric):
        return Decimal(str(value))  # str() of a JSON float is the shortest text that Stripe sent
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Integer):
        return int(value)
    return value


def columns_from_stripe(model: type[StripeObject], obj: Mapping[str, Any]) -> dict[str, Any]:
    """The model's typed columns filled from a Stripe object (see stripe_objects for the mapping rules)."""
    values: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.name in COMMON_COLUMNS:
            continue
        reader = column.info.get("from_stripe")
        if reader is not None:
            values[column.name] = reader(obj)
            continue
        path = column.info.get("stripe", column.name)
        if path is not None:
            values[column.name] = _coerce(_dig(obj, path), column)
    return values


def upsert_stripe_object(
    session: Session,
    model: type[StripeObject],
    obj: Mapping[str, Any],
    account: str = "",
    *,
    extra: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> UpsertResult:
    """Insert the object, or update its row when its content hash (or an `extra` column) differs.

    `extra` sets columns the object does not carry (a balance transaction's `payout`); columns left out of it
    keep their stored value. A changed row goes back to validation_status 'pending'. Runs inside the caller's
    transaction; safe against concurrent writers on SQLite and PostgreSQL (insert-or-nothing, then a
    conditional update).
    """
    if obj.get("object") not in (None, model.stripe_object):
        raise ValueError(f"{obj.get('object')!r} object given for table {model.__tablename__}")
    if not obj.get("id") or obj.get("created") is None:
        raise ValueError(f"Stripe object without id or created: {canonical_json(obj)[:200]}")
    now = now or utcnow()
    table = cast(Table, model.__table__)
    extra = dict(extra or {})
    unknown = set(extra) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{model.__tablename__} has no columns {sorted(unknown)}")
    payload = {
        "livemode": bool(obj.get("livemode", False)),
        "created": datetime.fromtimestamp(int(obj["created"]), UTC),
        "raw": dict(obj),
        "content_hash": content_hash(obj),
        "changed_at": now,
        "validation_status": "pending",
        "validated_at": None,
        **columns_from_stripe(model, obj),
        **extra,
    }
    key = {"id": str(obj["id"]), "account": account}

    insert = _insert_for(session)(table).values(**key, **payload, first_seen_at=now)
    inserted = session.execute(
        insert.on_conflict_do_nothing(index_elements=["id", "account"]).returning(table.c.id)
    )
    if inserted.first() is not None:
        return UpsertResult.INSERTED

    differs = [table.c.content_hash != payload["content_hash"]]
    differs += [table.c[name].is_distinct_from(value) for name, value in extra.items()]
    statement = update(table).where(table.c.id == key["id"], table.c.account == account, or_(*differs))
    changed = cast(CursorResult[Any], session.execute(statement.values(**payload)))
    return UpsertResult.UPDATED if changed.rowcount else UpsertResult.UNCHANGED


def _insert_for(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"upsert_stripe_object supports SQLite and PostgreSQL, not {dialect}")
