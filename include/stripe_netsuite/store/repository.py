"""Writing raw Stripe objects: a row changes only when the object (or what we know about it) changed."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from stripe_netsuite.store.base import utcnow
from stripe_netsuite.store.stripe_columns import columns_from_stripe
from stripe_netsuite.store.stripe_objects import StripeObject


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


def upsert_stripe_object(
    session: Session,
    model: type[StripeObject],
    obj: Mapping[str, Any],
    account: str = "",
    *,
    extra: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    placeholders: bool = False,
) -> UpsertResult:
    """Insert the object, or update its row when its content hash (or an `extra` column) differs.

    `extra` sets columns the object does not carry (a balance transaction's `payout`); columns left out of it
    keep their stored value. `placeholders` stores an object whose typed fields are missing or of the wrong
    JSON type (see stripe_columns) instead of failing on it. A changed row goes back to validation_status
    'pending'. Runs inside the caller's transaction; safe against concurrent writers on SQLite and
    PostgreSQL (insert-or-nothing, then a conditional update).
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
        **columns_from_stripe(model, obj, placeholders=placeholders),
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
