"""Writing extracted objects: raw JSON always lands; malformed typed fields get placeholders to validate.

The raw landing tables keep some typed columns NOT NULL (amount, currency) for the loaders. An object that
lacks one, or carries a value of the wrong type, is still stored as Stripe sent it (store.stripe_columns
fills the typed column with a placeholder) and validation, which reads the raw JSON, quarantines the row
with the real reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stripe_netsuite.store.repository import UpsertResult, content_hash, upsert_stripe_object
from stripe_netsuite.store.stripe_objects import StripeObject


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
            counts.add(
                upsert_stripe_object(session, model, obj, account, extra=extra or None, placeholders=True)
            )
        except (ValueError, ArithmeticError) as error:
            # No id or created to key a row on, or a typed field that is no such value at all ("abc").
            failed.append((obj, error))
    return counts, failed
