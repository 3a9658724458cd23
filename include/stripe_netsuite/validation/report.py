"""The extract-and-validate run report: counts per resource and type, quarantine reasons, as JSON + Markdown.

The caller names the run (`dag_id`: stripe_sync's DAG passes its id): it heads the note and names the
reports folder, so the library names no DAG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from stripe_netsuite.reports import run_reports
from stripe_netsuite.reports.run_reports import NOTE_LIMIT
from stripe_netsuite.store.engine import session_scope
from stripe_netsuite.store.pipeline import QuarantineEntry
from stripe_netsuite.validation.paths import reports_root, safe_name

REPORT_KIND = "stripe_sync"  # the stored kind of these reports (a row label kept for existing rows)


def build_summary(
    run_id: str,
    extracts: Sequence[Mapping[str, Any]],
    validation: Mapping[str, Any],
    quarantined: Sequence[Mapping[str, str]] = (),
    *,
    dag_id: str,
) -> dict[str, Any]:
    """Totals and per-resource / per-type counts (pure); `dag_id` names the run in the note and page."""
    keys = ("extracted", "inserted", "updated", "unchanged", "refetched", "requests")
    per_resource = {str(item["resource"]): {key: int(item.get(key, 0)) for key in keys} for item in extracts}
    per_type = {
        name: {key: int(counts.get(key, 0)) for key in ("evaluated", "ready", "quarantined")}
        for name, counts in (validation.get("per_type") or {}).items()
    }
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "extracted": sum(entry["extracted"] for entry in per_resource.values()),
        "inserted": sum(entry["inserted"] for entry in per_resource.values()),
        "updated": sum(entry["updated"] for entry in per_resource.values()),
        "requests": sum(entry["requests"] for entry in per_resource.values()),
        "ready": int(validation.get("ready", 0)),
        "quarantined": int(validation.get("quarantined", 0)),
        "per_resource": per_resource,
        "per_type": per_type,
        "quarantine": list(quarantined),
        "data_docs": validation.get("data_docs"),
    }


def render_note(summary: Mapping[str, Any], report_path: str | None) -> str:
    """A short text for the DagRun note (what the grid shows), at most NOTE_LIMIT characters."""
    per_type = summary["per_type"].items()
    bad = ", ".join(f"{name} {counts['quarantined']}" for name, counts in per_type if counts["quarantined"])
    text = (
        f"{summary['dag_id']}: extracted {summary['extracted']} (new {summary['inserted']}, changed "
        f"{summary['updated']}) in {summary['requests']} requests; ready {summary['ready']}, quarantined "
        f"{summary['quarantined']}"
        + (f" ({bad})" if bad else "")
        + "."
        + (f" Report: {report_path}" if report_path else "")
    )
    return text[:NOTE_LIMIT]


def render_markdown(summary: Mapping[str, Any]) -> str:
    """The report page: tables per resource and per type, then every quarantined row with its reason."""
    lines = [f"# {summary['dag_id']} run {summary['run_id']}", "", render_note(summary, None), ""]
    lines += [
        "## Extraction",
        "",
        "| resource | extracted | inserted | updated | unchanged | re-fetched | requests |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in summary["per_resource"].items():
        lines.append(
            f"| {name} | {row['extracted']} | {row['inserted']} | {row['updated']} | {row['unchanged']} "
            f"| {row['refetched']} | {row['requests']} |"
        )
    lines += ["", "## Validation", "", "| type | evaluated | ready | quarantined |", "|---|---:|---:|---:|"]
    for name, row in summary["per_type"].items():
        lines.append(f"| {name} | {row['evaluated']} | {row['ready']} | {row['quarantined']} |")
    if summary["quarantine"]:
        lines += ["", "## Quarantined", "", "| type | id | check | reason |", "|---|---|---|---|"]
        for entry in summary["quarantine"]:
            reason = entry["reason"].replace("|", "\\|")
            lines.append(f"| {entry['object_type']} | {entry['object_id']} | {entry['check']} | {reason} |")
    if summary.get("data_docs"):
        lines += ["", f"Great Expectations Data Docs: {summary['data_docs']}"]
    return "\n".join(lines) + "\n"


def write_run_report(
    engine: Engine,
    dag_id: str,
    run_id: str,
    extracts: Sequence[Mapping[str, Any]],
    validation: Mapping[str, Any],
    *,
    now: datetime,
    reports_dir: Path | None = None,
) -> dict[str, Any]:
    """Write <dir>/<run>.json and .md, record a RunReport row; returns the summary with `note` and `path`."""
    with session_scope(engine) as session:
        entries = session.scalars(
            select(QuarantineEntry).where(QuarantineEntry.run_id == run_id).order_by(QuarantineEntry.id)
        ).all()
        quarantined = [
            {"object_type": entry.object_type, "object_id": entry.object_id, "check": entry.check_name,
             "reason": entry.reason}
            for entry in entries
        ]  # fmt: skip
    summary = build_summary(run_id, extracts, validation, quarantined, dag_id=dag_id)
    base = (reports_dir or reports_root() / safe_name(dag_id)) / safe_name(run_id)
    return run_reports.publish_report(
        engine, summary, base=base, dag_id=dag_id, run_id=run_id, kind=REPORT_KIND, now=now,
        render_markdown=render_markdown, render_note=render_note,
    )


def latest_note(engine: Engine, dag_id: str, run_id: str) -> str | None:
    """The note of the newest stripe_sync report of a run (what the run-notes listener copies)."""
    return run_reports.latest_note(engine, dag_id, run_id, REPORT_KIND)
