"""Reading and advancing ExtractionCursor rows (one per resource and account)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import ExtractionCursor


@dataclass(frozen=True)
class CursorState:
    created_cursor: datetime | None = None
    events_cursor: datetime | None = None
    events_last_id: str | None = None


def load_cursor(engine: Engine, resource: str, account: str) -> CursorState:
    """The stored position, or an empty one (first run)."""
    with session_scope(engine) as session:
        row = session.get(ExtractionCursor, (resource, account))
        if row is None:
            return CursorState()
        return CursorState(row.created_cursor, row.events_cursor, row.events_last_id)


def save_cursor(
    engine: Engine,
    resource: str,
    account: str,
    run_id: str | None,
    **changes: datetime | str | None,
) -> None:
    """Set some of created_cursor / events_cursor / events_last_id; the others keep their value."""
    allowed = {"created_cursor", "events_cursor", "events_last_id"}
    if set(changes) - allowed:
        raise ValueError(f"unknown cursor fields {sorted(set(changes) - allowed)}")
    with session_scope(engine) as session:
        row = session.get(ExtractionCursor, (resource, account))
        if row is None:
            row = ExtractionCursor(resource=resource, account=account)
            session.add(row)
        for name, value in changes.items():
            setattr(row, name, value)
        row.last_run_id = run_id


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
