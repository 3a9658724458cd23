"""After an audit: make the connector write a Stripe object's records again, on a person's command.

The loaders skip what their sync records call written, so a record deleted or edited by hand in NetSuite is
never rewritten by itself. Marking the object's sync records `pending` makes the next netsuite_payments or
netsuite_deposits run build and upsert them again by external id (a deleted record is created, an edited one
gets the connector's body back). Never automatic: the audit itself only reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, update

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import SyncRecord

__all__ = ["requeue"]


def requeue(engine: Engine, stripe_ids: Iterable[str]) -> int:
    """Mark every sync record of these Stripe ids pending (errors cleared); returns how many changed."""
    ids = sorted(set(stripe_ids))
    if not ids:
        return 0
    with session_scope(engine) as session:
        changed = session.execute(
            update(SyncRecord)
            .where(SyncRecord.stripe_id.in_(ids), SyncRecord.status != "pending")
            .values(status="pending", last_error=None)
        )
        return int(getattr(changed, "rowcount", 0) or 0)
