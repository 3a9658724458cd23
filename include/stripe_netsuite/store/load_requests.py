"""Stripe objects a webhook reported and a loading run has not yet been asked for, per caller-named target.

The webhook handler records them in its own transaction and answers Stripe at once; a dispatcher outside the
request hands every pending id of a target to one run (so a burst of events becomes one run, not a burst)
and marks them asked for. The target is the caller's name for what loads them (the webapp passes DAG ids);
the library only stores it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, String, and_, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from stripe_netsuite.store.base import Base, UTCDateTime
from stripe_netsuite.store.engine import session_scope

__all__ = ["LoadRequest", "PendingLoad", "mark_requested", "pending_loads", "request_loads"]


class LoadRequest(Base):
    """One Stripe object to load for one target; `triggered_at` is None until a run was asked to load it."""

    __tablename__ = "load_requests"

    target: Mapped[str] = mapped_column(String(128), primary_key=True)
    stripe_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255))  # the latest event that reported it
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    run_id: Mapped[str | None] = mapped_column(String(255))


@dataclass(frozen=True)
class PendingLoad:
    stripe_id: str
    requested_at: datetime


def request_loads(
    session: Session, target: str, stripe_ids: Iterable[str], event_id: str, now: datetime
) -> None:
    """Record (again) that these objects need loading; a later event about a loaded object asks again,
    since the object changed (a refund on a charge)."""
    for stripe_id in dict.fromkeys(stripe_ids):
        row = session.get(LoadRequest, (target, stripe_id))
        if row is None:
            session.add(
                LoadRequest(target=target, stripe_id=stripe_id, event_id=event_id, requested_at=now)
            )
        else:
            row.event_id, row.requested_at, row.triggered_at, row.run_id = event_id, now, None, None


def pending_loads(engine: Engine, target: str, limit: int) -> list[PendingLoad]:
    """The oldest `limit` objects of `target` no run has been asked for yet."""
    query = (
        select(LoadRequest.stripe_id, LoadRequest.requested_at)
        .where(LoadRequest.target == target, LoadRequest.triggered_at.is_(None))
        .order_by(LoadRequest.requested_at, LoadRequest.stripe_id)
        .limit(limit)
    )
    with session_scope(engine) as session:
        return [PendingLoad(stripe_id, at) for stripe_id, at in session.execute(query)]


def mark_requested(
    engine: Engine, target: str, loads: Sequence[PendingLoad], run_id: str, now: datetime
) -> None:
    """These objects went into run `run_id`; one reported again since it was read stays pending."""
    if not loads:
        return
    with session_scope(engine) as session:
        for start in range(0, len(loads), 200):  # SQLite's expression depth stays small
            chunk = loads[start : start + 200]
            same_request = or_(
                *(
                    and_(LoadRequest.stripe_id == i.stripe_id, LoadRequest.requested_at == i.requested_at)
                    for i in chunk
                )
            )
            session.execute(
                update(LoadRequest)
                .where(LoadRequest.target == target, LoadRequest.triggered_at.is_(None), same_request)
                .values(triggered_at=now, run_id=run_id)
            )
