"""Validation between extract and load: the rule table, the suites made from it and the quarantine split.

Imports no Airflow. Names are loaded on first use, so light modules (paths, report notes) can be imported
without paying for Great Expectations' import.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "RULES": "rules",
    "row_from_raw": "rules",
    "rules_for": "rules",
    "Failure": "checkpoint",
    "SuiteResult": "checkpoint",
    "Validator": "checkpoint",
    "build_suite": "suites",
    "docs_dir_for": "paths",
    "validate_pending": "run",
    "write_run_report": "report",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
