"""The quarantine split: failing rows -> QuarantineEntry + 'quarantined', the rest -> 'ready'."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from stripe_netsuite.store.pipeline import QuarantineEntry
from stripe_netsuite.store.stripe_objects import StripeObject
from stripe_netsuite.validation.checkpoint import Failure
from stripe_netsuite.validation.frames import chunks


def _resolve_open_entries(
    session: Session, object_type: str, keys: Sequence[tuple[str, str]], now: datetime
) -> None:
    """Entries of objects validated again are closed; whatever still fails gets a fresh entry."""
    by_account: dict[str, list[str]] = {}
    for object_id, account in keys:
        by_account.setdefault(account, []).append(object_id)
    for account, ids in by_account.items():
        for chunk in chunks(ids):
            session.execute(
                update(QuarantineEntry)
                .where(
                    QuarantineEntry.object_type == object_type,
                    QuarantineEntry.account == account,
                    QuarantineEntry.object_id.in_(chunk),
                    QuarantineEntry.resolved_at.is_(None),
                )
                .values(resolved_at=now)
            )


def apply_results(
    session: Session,
    model: type[StripeObject],
    frame: pd.DataFrame,
    failures: Sequence[Failure],
    run_id: str,
    now: datetime,
) -> dict[str, int]:
    """Write the split; a row that changed since it was read (other content_hash) stays pending."""
    keys = list(zip(frame["id"].astype(str), frame["account"].astype(str), strict=True))
    failed = {(failure.object_id, failure.account) for failure in failures}
    _resolve_open_entries(session, model.stripe_object, keys, now)
    session.add_all(
        QuarantineEntry(
            object_type=model.stripe_object,
            object_id=failure.object_id,
            account=failure.account,
            check_name=failure.check[:255],
            reason=failure.reason,
            run_id=run_id,
            created_at=now,
        )
        for failure in failures
    )
    table = cast(Table, model.__table__)
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("key_id"),
            table.c.account == bindparam("key_account"),
            table.c.content_hash == bindparam("key_hash"),
        )
        .values(validation_status=bindparam("new_status"), validated_at=now)
    )
    params: list[dict[str, Any]] = [
        {
            "key_id": object_id,
            "key_account": account,
            "key_hash": digest,
            "new_status": "quarantined" if (object_id, account) in failed else "ready",
        }
        for (object_id, account), digest in zip(keys, frame["content_hash"], strict=True)
    ]
    if params:
        session.connection().execute(statement, params)
    quarantined = sum(1 for key in keys if key in failed)
    return {"evaluated": len(keys), "ready": len(keys) - quarantined, "quarantined": quarantined}
