"""Writing extracted objects: raw JSON always lands; malformed typed fields get placeholders to validate.

The raw landing tables keep some typed columns NOT NULL (amount, currency) for the loaders. An object that
lacks one, or carries a value of the wrong type, is still stored as Stripe sent it: the typed column gets a
neutral placeholder and validation, which reads the raw JSON, quarantines the row with the real reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, Numeric, String, select
from sqlalchemy.orm import Session

from stripe_netsuite.store.base import UTCDateTime
from stripe_netsuite.store.repository import UpsertResult, content_hash, upsert_stripe_object
from stripe_netsuite.store.stripe_objects import COMMON_COLUMNS, StripeObject


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, result: UpsertResult) -> None:
        setattr(self, result.value, getattr(self, result.value) + 1)

    def merge(self, other: UpsertCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


def _dig(obj: Mapping[str, Any], path: str) -> Any:
    value: Any = obj
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _fits(value: Any, column_type: Any) -> bool:
    if isinstance(column_type, UTCDateTime):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(column_type, BigInteger | Integer):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(column_type, Boolean):
        return isinstance(value, bool)
    if isinstance(column_type, Numeric):
        return isinstance(value, int | float | str) and not isinstance(value, bool)
    if isinstance(column_type, String):
        text = value.get("id") if isinstance(value, Mapping) else value
        return isinstance(text, str | int) and len(str(text)) <= (column_type.length or 10**9)
    return True


def _placeholder(column_type: Any) -> Any:
    if isinstance(column_type, BigInteger | Integer):
        return 0
    if isinstance(column_type, Boolean):
        return False
    return ""


def storable_overrides(model: type[StripeObject], obj: Mapping[str, Any]) -> dict[str, Any]:
    """Typed columns whose value in `obj` is missing (where required) or of the wrong type -> placeholder."""
    overrides: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.name in COMMON_COLUMNS:
            continue
        path = column.info.get("stripe", column.name)
        if path is None:
            continue
        value = _dig(obj, path)
        if value is None:
            if not column.nullable:
                overrides[column.name] = _placeholder(column.type)
        elif not _fits(value, column.type):
            overrides[column.name] = None if column.nullable else _placeholder(column.type)
    return overrides


def store_page(
    session: Session,
    model: type[StripeObject],
    objects: list[dict[str, Any]],
    account: str,
    extra: Mapping[str, Any] | None = None,
) -> tuple[UpsertCounts, list[tuple[dict[str, Any], Exception]]]:
    """Store a page of objects; returns the counts and the objects that could not be stored, with why.

    Rows already stored with the same content hash (and `extra` values) are counted unchanged without an
    upsert: one SELECT for the page instead of one INSERT attempt per object, which matters because
    SQLAlchemy cannot cache INSERT ... ON CONFLICT statements and compiles each one.
    """
    extra = dict(extra or {})
    columns = [model.__table__.c[name] for name in ("id", "content_hash", *extra)]
    ids = [str(obj["id"]) for obj in objects if obj.get("id")]
    stored = {
        row[0]: tuple(row[1:])
        for row in session.execute(select(*columns).where(model.account == account, model.id.in_(ids)))
    }
    counts = UpsertCounts()
    failed: list[tuple[dict[str, Any], Exception]] = []
    for obj in objects:
        known = stored.get(str(obj.get("id")))
        if known is not None and known == (content_hash(obj), *extra.values()):
            counts.unchanged += 1
            continue
        try:
            counts.add(store_object(session, model, obj, account, extra))
        except (ValueError, ArithmeticError) as error:
            # No id or created to key a row on, or a numeric field that is not a number at all
            # (upsert_stripe_object converts typed columns before any override applies).
            failed.append((obj, error))
    return counts, failed


def store_object(
    session: Session,
    model: type[StripeObject],
    obj: Mapping[str, Any],
    account: str,
    extra: Mapping[str, Any] | None = None,
) -> UpsertResult:
    """upsert_stripe_object, with placeholders for typed fields the object cannot fill."""
    columns = {**storable_overrides(model, obj), **(extra or {})}
    return upsert_stripe_object(session, model, obj, account, extra=columns or None)
