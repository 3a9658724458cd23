"""Where stripe_sync writes its reports and Data Docs (light: no Great Expectations import)."""

from __future__ import annotations

import re
from pathlib import Path

from stripe_netsuite.config import project_root


def reports_root() -> Path:
    """var/reports under the project root ($CONNECTOR_HOME in a deployment)."""
    return project_root() / "var" / "reports"


def safe_name(run_id: str) -> str:
    """A run id as a file name (Airflow's contain ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id).strip("_") or "run"


def docs_dir_for(run_id: str, base: Path | None = None) -> Path:
    """var/reports/data_docs/<run> (or <base>/<run>): one Data Docs site per run."""
    return (base or reports_root() / "data_docs") / safe_name(run_id)
