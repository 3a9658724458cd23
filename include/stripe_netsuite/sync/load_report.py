"""The netsuite_payments run report: loaded, unchanged, failed with reasons, amounts per currency.

Written as `<reports>/netsuite_payments/<run>.md` and `.json` and recorded as a RunReport row, whose `note`
the run-notes listener copies into the DagRun note (what the Airflow grid shows).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from stripe_netsuite.reports import run_reports
from stripe_netsuite.reports.run_reports import NOTE_LIMIT
from stripe_netsuite.sync.load import LoadResult
from stripe_netsuite.validation.paths import reports_root, safe_name

__all__ = ["REPORT_KIND", "build_summary", "latest_note", "render_note", "write_load_report"]

REPORT_KIND = "netsuite_payments"
STATUSES = ("loaded", "unchanged", "failed", "blocked", "retry")


def build_summary(result: LoadResult) -> dict[str, Any]:
    """Counts by status and kind, amounts loaded per currency and kind, and every record not loaded (pure)."""
    counts = {status: len(result.having(status)) for status in STATUSES}
    by_kind: dict[str, dict[str, int]] = {}
    amounts: dict[str, dict[str, Decimal]] = {}
    for outcome in result.outcomes:
        by_kind.setdefault(outcome.kind, dict.fromkeys(STATUSES, 0))[outcome.status] += 1
        if outcome.status == "loaded" and outcome.currency and outcome.amount is not None:
            per = amounts.setdefault(outcome.currency, {})
            per[outcome.kind] = per.get(outcome.kind, Decimal(0)) + outcome.amount
    problems = [
        {"stripe_id": o.stripe_id, "kind": o.kind, "status": o.status, "reason": o.reason or ""}
        for o in result.outcomes
        if o.status in ("failed", "blocked", "retry")
    ]
    notes = [
        {"stripe_id": o.stripe_id, "reason": o.reason}
        for o in result.outcomes
        if o.status == "loaded" and o.reason
    ]
    return {
        "run_id": result.run_id,
        **counts,
        "requests": result.requests,
        "per_kind": by_kind,
        "amounts": {
            cur: {kind: str(value) for kind, value in sorted(per.items())}
            for cur, per in sorted(amounts.items())
        },
        "problems": sorted(problems, key=lambda p: (p["status"], p["stripe_id"])),
        "unapplied": notes,  # payments recorded unapplied, with the reason in their memo
    }


def render_note(summary: Mapping[str, Any], report_path: str | None) -> str:
    """One paragraph for the DagRun note, at most NOTE_LIMIT characters."""
    money = "; ".join(
        f"{currency} " + ", ".join(f"{kind} {value}" for kind, value in per.items())
        for currency, per in summary["amounts"].items()
    )
    text = (
        f"netsuite_payments: loaded {summary['loaded']}, unchanged {summary['unchanged']}, failed "
        f"{summary['failed']}, blocked {summary['blocked']}, left for retry {summary['retry']}"
        f" in {summary['requests']} NetSuite requests." + (f" Amounts: {money}." if money else "")
    )
    failures = [p for p in summary["problems"] if p["status"] == "failed"][:3]
    if failures:
        text += " Failed: " + "; ".join(f"{p['stripe_id']}: {p['reason'][:150]}" for p in failures) + "."
    if report_path:
        text += f" Report: {report_path}"
    return text[:NOTE_LIMIT]


def render_markdown(summary: Mapping[str, Any]) -> str:
    lines = [
        f"# netsuite_payments run {summary['run_id']}",
        "",
        render_note(summary, None),
        "",
        "## Records",
        "",
        "| kind | " + " | ".join(STATUSES) + " |",
        "|---|" + "---:|" * len(STATUSES),
    ]
    for kind, row in sorted(summary["per_kind"].items()):
        lines.append(f"| {kind} | " + " | ".join(str(row[s]) for s in STATUSES) + " |")
    if summary["amounts"]:
        lines += ["", "## Amounts loaded", "", "| currency | kind | amount |", "|---|---|---:|"]
        for currency, per in summary["amounts"].items():
            lines += [f"| {currency} | {kind} | {value} |" for kind, value in per.items()]
    if summary["problems"]:
        lines += ["", "## Not loaded", "", "| Stripe id | kind | status | reason |", "|---|---|---|---|"]
        for p in summary["problems"]:
            reason = p["reason"].replace("|", "\\|")
            lines.append(f"| {p['stripe_id']} | {p['kind']} | {p['status']} | {reason} |")
    if summary["unapplied"]:
        lines += ["", "## Recorded unapplied", "", "| Stripe id | reason |", "|---|---|"]
        lines += [f"| {n['stripe_id']} | {n['reason'].replace('|', '/')} |" for n in summary["unapplied"]]
    return "\n".join(lines) + "\n"


def write_load_report(
    engine: Engine, dag_id: str, result: LoadResult, *, now: datetime, reports_dir: Path | None = None
) -> dict[str, Any]:
    """Write the report files and its RunReport row; returns the summary with `note` and `path`."""
    summary = build_summary(result)
    base = (reports_dir or reports_root() / REPORT_KIND) / safe_name(result.run_id)
    return run_reports.publish_report(
        engine, summary, base=base, dag_id=dag_id, run_id=result.run_id, kind=REPORT_KIND, now=now,
        render_markdown=render_markdown, render_note=render_note,
    )


def latest_note(engine: Engine, dag_id: str, run_id: str) -> str | None:
    """The note of the newest netsuite_payments report of a run (what the run-notes listener copies)."""
    return run_reports.latest_note(engine, dag_id, run_id, REPORT_KIND)
