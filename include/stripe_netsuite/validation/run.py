"""validate_pending: one call per DAG run validates every pending Stripe row and writes the split."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import ValidationRun
from stripe_netsuite.store.stripe_objects import STRIPE_MODELS
from stripe_netsuite.validation.checkpoint import Validator
from stripe_netsuite.validation.docs_assets import localize_data_docs
from stripe_netsuite.validation.frames import load_pending
from stripe_netsuite.validation.quarantine import apply_results

log = logging.getLogger(__name__)


def validate_pending(
    engine: Engine,
    run_id: str,
    *,
    now: datetime,
    docs_dir: Path | None = None,
    object_types: list[str] | None = None,
) -> dict[str, Any]:
    """Validate pending rows of each type with its GX suite; returns counts per type and the docs path."""
    validator = Validator(docs_dir)
    per_type: dict[str, Any] = {}
    for object_type in object_types or list(STRIPE_MODELS):
        model = STRIPE_MODELS[object_type]
        with session_scope(engine) as session:
            frame = load_pending(session, model)
        if frame.empty:
            per_type[object_type] = {"evaluated": 0, "ready": 0, "quarantined": 0, "failures": {}}
            continue
        result = validator.validate(object_type, frame, run_id)
        with session_scope(engine) as session:
            counts = apply_results(session, model, frame, result.failures, run_id, now)
            failures = dict(Counter(failure.check for failure in result.failures))
            session.merge(
                ValidationRun(
                    run_id=run_id,
                    object_type=object_type,
                    success=result.success,
                    statistics={**counts, "failures": failures, "gx": result.statistics},
                    docs_path=str(docs_dir / "index.html") if docs_dir else None,
                    created_at=now,
                )
            )
        per_type[object_type] = {**counts, "failures": failures}
    index = validator.docs_index()
    if docs_dir is not None and index is not None:
        remaining = localize_data_docs(docs_dir)
        if remaining:
            log.warning("Data Docs in %s still load %s from the network", docs_dir, ", ".join(remaining))
    return {
        "run_id": run_id,
        "ready": sum(entry["ready"] for entry in per_type.values()),
        "quarantined": sum(entry["quarantined"] for entry in per_type.values()),
        "per_type": per_type,
        "data_docs": str(index) if index else None,
    }
