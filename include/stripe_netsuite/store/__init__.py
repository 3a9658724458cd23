"""The state DB: SQLAlchemy 2 models, Alembic migrations and the few repositories the pipeline shares."""

from __future__ import annotations

from stripe_netsuite.store.engine import dispose_engines, get_engine, session_scope
from stripe_netsuite.store.migrate import current_revision, downgrade, head_revision, migrate
from stripe_netsuite.store.models import *  # noqa: F403 (re-export every model)
from stripe_netsuite.store.models import __all__ as _models
from stripe_netsuite.store.repository import (
    UpsertResult,
    columns_from_stripe,
    content_hash,
    upsert_stripe_object,
)

__all__ = [
    *_models,
    "UpsertResult",
    "columns_from_stripe",
    "content_hash",
    "current_revision",
    "dispose_engines",
    "downgrade",
    "get_engine",
    "head_revision",
    "migrate",
    "session_scope",
    "upsert_stripe_object",
]
