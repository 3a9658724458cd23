"""Where finance reports live, and how a viewer lists them and opens their files safely.

Layout, under the reports directory (validation.paths.reports_root: $CONNECTOR_REPORTS_DIR, else beside a
SQLite state DB, else var/reports):

    finance/<YYYY-MM-DD>/daily/                  the daily report of that day
    finance/<YYYY-MM-DD>/days-<N>/               a report of the N days ending on that day (asked for)
    finance/<YYYY-MM-DD>/<dag id>__<run id>/     a report of one DAG run, filed under the day it was written
        report.html  report.md  report.json  report.xlsx  <table>.csv ...

`report.json` is written last of the report files but before the RunReport row, so a folder with it is a
complete report; `list_reports` shows only those.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from stripe_netsuite.validation.paths import reports_root, safe_name

__all__ = ["DAILY", "ReportEntry", "days_name", "finance_root", "list_reports", "report_dir", "report_file"]

FINANCE = "finance"
DAILY = "daily"
PERIOD = "period"
_PERIOD_NAME = re.compile(r"days-\d+")
SUMMARY_FILE = "report.json"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,250}")
_FILE = re.compile(r"[A-Za-z0-9_-]{1,80}\.(html|md|json|xlsx|csv)")


@dataclass(frozen=True)
class ReportEntry:
    """One report as a viewer lists it."""

    day: date
    name: str  # "daily", "days-<N>" or "<dag id>__<run id>"
    kind: str  # "daily", "period" or "run"
    title: str
    dag_id: str | None
    run_id: str | None
    directory: Path
    files: tuple[str, ...]  # file names in the directory, report.html first
    summary: dict[str, Any]

    @property
    def html(self) -> Path:
        return self.directory / "report.html"


def finance_root(reports_dir: Path | None = None) -> Path:
    """<reports>/finance (or `reports_dir`/finance)."""
    return (reports_dir or reports_root()) / FINANCE


def days_name(days: int) -> str:
    """The folder name of a report over `days` days: the day's own daily report, or a longer period's, which
    must not replace it (the daily one is what is mailed and listed as that day's)."""
    return DAILY if days == 1 else f"days-{days}"


def _kind(name: str) -> str:
    return DAILY if name == DAILY else PERIOD if _PERIOD_NAME.fullmatch(name) else "run"


def run_name(dag_id: str, run_id: str) -> str:
    """The folder name of a run's report."""
    return f"{safe_name(dag_id)}__{safe_name(run_id)}"


def report_dir(day: date, name: str, reports_dir: Path | None = None) -> Path:
    """The folder of one report (created by the writer)."""
    if not _NAME.fullmatch(name) or name in (".", ".."):
        raise ValueError(f"not a report name: {name!r}")
    return finance_root(reports_dir) / day.isoformat() / name


def _entry(directory: Path) -> ReportEntry | None:
    try:
        summary = json.loads((directory / SUMMARY_FILE).read_text(encoding="utf-8"))
        day = date.fromisoformat(directory.parent.name)  # `_DAY` lets 2026-99-99 through
    except (OSError, ValueError):
        return None  # not complete yet (or not ours)
    files = sorted((p.name for p in directory.iterdir() if _FILE.fullmatch(p.name)),
                   key=lambda n: (n != "report.html", not n.startswith("report."), n))  # fmt: skip
    return ReportEntry(
        day=day, name=directory.name,
        kind=_kind(directory.name), title=str(summary.get("title") or directory.name),
        dag_id=summary.get("dag_id"), run_id=summary.get("report_run_id"), directory=directory,
        files=tuple(files), summary=summary,
    )  # fmt: skip


def list_reports(
    reports_dir: Path | None = None, *, day: date | None = None, limit: int | None = None
) -> list[ReportEntry]:
    """Complete finance reports, newest day first (a day's daily report before its run reports)."""
    root = finance_root(reports_dir)
    if not root.is_dir():
        return []
    days = [day.isoformat()] if day else sorted((p.name for p in root.iterdir() if _DAY.fullmatch(p.name)),
                                                reverse=True)  # fmt: skip
    entries: list[ReportEntry] = []
    for name in days:
        folder = root / name
        if not folder.is_dir():
            continue
        children = sorted((p for p in folder.iterdir() if p.is_dir() and _NAME.fullmatch(p.name)),
                          key=lambda p: (p.name != DAILY, -p.stat().st_mtime))  # fmt: skip
        for child in children:
            entry = _entry(child)
            if entry is not None:
                entries.append(entry)
            if limit is not None and len(entries) >= limit:
                return entries
    return entries


def report_file(day: str, name: str, filename: str, reports_dir: Path | None = None) -> Path | None:
    """The path of one report file named by untrusted URL parts, or None: never a path outside the reports.
    """
    if not _DAY.fullmatch(day) or not _NAME.fullmatch(name) or name in (".", "..") or not _FILE.fullmatch(
            filename):  # fmt: skip
        return None
    root = finance_root(reports_dir).resolve()
    path = (root / day / name / filename).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
