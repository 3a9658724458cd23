"""Where stripe_sync writes its reports and Data Docs (light: no Great Expectations import)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from stripe_netsuite.config import database_url, project_root, state_from_env


def reports_root(environ: Mapping[str, str] | None = None) -> Path:
    """$CONNECTOR_REPORTS_DIR, else `reports/` beside a SQLite state DB, else <project root>/var/reports.

    Reports describe the rows of one state DB, so by default they live beside it: deleting a demo's state
    directory deletes its reports too, and two state DBs never share a report directory.
    """
    env = os.environ if environ is None else environ
    chosen = state_from_env(env).reports_dir  # CONNECTOR_REPORTS_DIR, validated by the settings
    if chosen:
        return chosen
    url = make_url(database_url(env))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().resolve().parent / "reports"
    return project_root(env) / "var" / "reports"


def safe_name(run_id: str) -> str:
    """A run id as a file name (Airflow's contain ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id).strip("_") or "run"


def docs_dir_for(run_id: str, base: Path | None = None) -> Path:
    """<reports>/data_docs/<run> (or <base>/<run>): one Data Docs site per run."""
    return (base or reports_root() / "data_docs") / safe_name(run_id)
