"""The ledger_audit report: the verdict, what was checked, and each disagreement with both sides and the
remedy. Written as `<reports>/ledger_audit/<run>.md` and `.json` with a RunReport row (run_reports), whose
note the run-notes listener copies into the DagRun note."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from stripe_netsuite.audit.findings import AuditResult
from stripe_netsuite.reports import run_reports
from stripe_netsuite.reports.run_reports import NOTE_LIMIT
from stripe_netsuite.validation.paths import reports_root, safe_name

__all__ = [
    "REPORT_KIND", "build_summary", "latest_note", "render_markdown", "render_note", "write_audit_report",
]

REPORT_KIND = "ledger_audit"


def build_summary(run_id: str, result: AuditResult) -> dict[str, Any]:
    """The report as JSON-ready data (pure)."""
    found = [d.as_dict() for d in result.disagreements]
    return {
        "run_id": run_id,
        "period": {"from": result.period.start.isoformat(), "to": result.period.end.isoformat(),
                   "days": result.period.days},
        "verdict": result.verdict,
        "checked": dict(result.checked),
        "disagreement_count": len(found),
        "by_code": dict(sorted(Counter(d["code"] for d in found).items())),
        "disagreements": found,
    }


def render_note(summary: Mapping[str, Any], report_path: str | None) -> str:
    """One paragraph for the DagRun note, at most NOTE_LIMIT characters."""
    period, checked = summary["period"], summary["checked"]
    span = period["from"] if period["from"] == period["to"] else f"{period['from']} to {period['to']}"
    counted = (f"{checked['charges']} charges, {checked['refunds']} refunds, {checked['disputes']} disputes, "
               f"{checked['payouts']} payouts against {checked['netsuite_records']} NetSuite records")
    if not summary["disagreements"]:
        text = f"ledger_audit {span}: in agreement ({counted})."
    else:
        codes = ", ".join(f"{code} {n}" for code, n in summary["by_code"].items())
        shown = "; ".join(f"{d['code']} {d['stripe_id']}" for d in summary["disagreements"][:5])
        text = (f"ledger_audit {span}: DISAGREEMENT, {summary['disagreement_count']} found ({codes}) "
                f"checking {counted}. {shown}.")
    if report_path:
        text += f" Report: {report_path}"
    return text[:NOTE_LIMIT]


# Markdown that would turn text typed in NetSuite (a memo, an external id) into a link, an image, code,
# emphasis or a new table cell where the Finance view renders the report; backslash-escaped, it shows as
# typed. `_` is left alone: ids are full of it and it only emphasises at word edges.
_MARKUP = re.compile(r"([\\`*\[\]<>|!])")


def _text(value: str) -> str:
    """Untrusted text as one line of literal Markdown inline text."""
    return _MARKUP.sub(r"\\\1", " ".join(value.split()))


def _side(values: Mapping[str, str] | None) -> str:
    if values is None:
        return "nothing"
    return _text("; ".join(f"{key} {value}" for key, value in values.items() if value))


def render_markdown(summary: Mapping[str, Any]) -> str:
    lines = [f"# ledger_audit run {summary['run_id']}", "", render_note(summary, None), ""]
    if summary["disagreements"]:
        lines += ["## Disagreements", "",
                  "| what | Stripe id | Stripe says | NetSuite holds | detail | what to do |",
                  "|---|---|---|---|---|---|"]
        for d in summary["disagreements"]:
            cells = [d["code"], _text(d["stripe_id"]), _side(d["stripe"]), _side(d["netsuite"]),
                     _text(d["detail"]), d["what_to_do"].replace("|", "\\|")]  # the remedy is our Markdown
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_audit_report(
    engine: Engine, dag_id: str, run_id: str, result: AuditResult, *, now: datetime,
    reports_dir: Path | None = None,
) -> dict[str, Any]:
    """Write the report files and its RunReport row; returns the summary with `note` and `path`."""
    base = (reports_dir or reports_root() / REPORT_KIND) / safe_name(run_id)
    return run_reports.publish_report(
        engine, build_summary(run_id, result), base=base, dag_id=dag_id, run_id=run_id, kind=REPORT_KIND,
        now=now, render_markdown=render_markdown, render_note=render_note,
    )


def latest_note(engine: Engine, dag_id: str, run_id: str) -> str | None:
    """The note of the newest ledger_audit report of a run (what the run-notes listener copies)."""
    return run_reports.latest_note(engine, dag_id, run_id, REPORT_KIND)
