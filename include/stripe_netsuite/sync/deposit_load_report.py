"""The netsuite_deposits run report: deposits written with totals, blocked payouts with code, balance
transaction and reason, reversals, the payouts a person must record, and those a person recorded (handled).

Written as `<reports>/netsuite_deposits/<run>.md` and `.json` and recorded as a RunReport row, whose `note`
the run-notes listener (plugins/run_notes.py) copies into the DagRun note (what the Airflow grid shows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from stripe_netsuite.money import from_minor
from stripe_netsuite.reports import run_reports
from stripe_netsuite.reports.run_reports import NOTE_LIMIT
from stripe_netsuite.sync.deposit_load import PayoutOutcome
from stripe_netsuite.validation.paths import reports_root, safe_name

__all__ = ["REPORT_KIND", "build_summary", "latest_note", "render_note", "write_deposit_report"]

REPORT_KIND = "netsuite_deposits"
STATUSES = ("deposited", "unchanged", "blocked", "reversed", "manual", "handled", "waiting", "failed")
PROBLEMS = ("blocked", "manual", "failed")


def build_summary(run_id: str, outcomes: Iterable[PayoutOutcome]) -> dict[str, Any]:
    """Counts by status, deposit totals per currency, every payout not deposited with why (pure)."""
    listed = sorted(outcomes, key=lambda o: (o.arrival_date, o.payout_id))
    totals: dict[str, Decimal] = {}
    for outcome in listed:
        if outcome.status == "deposited":
            totals[outcome.currency] = totals.get(outcome.currency, Decimal(0)) + from_minor(
                outcome.amount, outcome.currency
            )
    # fmt: off
    return {
        "run_id": run_id,
        **{status: sum(1 for o in listed if o.status == status) for status in STATUSES},
        "requests": sum(o.requests for o in listed),
        "deposited_totals": {currency: str(total) for currency, total in sorted(totals.items())},
        "deposits": [
            {"payout_id": o.payout_id, "internal_id": o.internal_id, "amount": o.money,
             "arrival_date": o.arrival_date}
            for o in listed if o.status in ("deposited", "reversed")
        ],
        "problems": [
            {"payout_id": o.payout_id, "status": o.status, "code": o.code or "",
             "balance_transaction": o.balance_transaction or "", "amount": o.money, "reason": o.reason}
            for o in listed if o.status in PROBLEMS
        ],
        "handled_payouts": [
            {"payout_id": o.payout_id, "amount": o.money, "arrival_date": o.arrival_date, "reason": o.reason}
            for o in listed if o.status == "handled"
        ],
    }
    # fmt: on


def render_note(summary: Mapping[str, Any], report_path: str | None) -> str:
    """One paragraph for the DagRun note, at most NOTE_LIMIT characters."""
    totals = ", ".join(f"{c} {t}" for c, t in summary["deposited_totals"].items())
    text = (
        f"netsuite_deposits: deposited {summary['deposited']}"
        + (f" ({totals})" if totals else "")
        + f", unchanged {summary['unchanged']}, blocked {summary['blocked']},"
        f" reversed {summary['reversed']}, by hand {summary['manual']}"
        + (f" (recorded by hand {summary['handled']})" if summary.get("handled") else "")
        + f", failed {summary['failed']}"
        f" in {summary['requests']} NetSuite requests."
    )
    shown = [p for p in summary["problems"] if p["status"] != "manual"][:3]
    if shown:
        text += " " + "; ".join(
            f"{p['payout_id']} {p['code'] or p['status']} at {p['balance_transaction'] or '-'}: "
            f"{p['reason'][:140]}"
            for p in shown
        ) + "."
    if report_path:
        text += f" Report: {report_path}"
    return text[:NOTE_LIMIT]


def render_markdown(summary: Mapping[str, Any]) -> str:
    lines = [f"# netsuite_deposits run {summary['run_id']}", "", render_note(summary, None), ""]
    if summary["deposits"]:
        lines += ["## Written", "", "| payout | arrival | amount | NetSuite id |", "|---|---|---:|---|"]
        lines += [
            f"| {d['payout_id']} | {d['arrival_date']} | {d['amount']} | {d['internal_id']} |"
            for d in summary["deposits"]
        ]
        lines.append("")
    if summary["problems"]:
        lines += [
            "## Not deposited",
            "",
            "| payout | status | code | balance transaction | amount | reason / what to do |",
            "|---|---|---|---|---:|---|",
        ]
        for p in summary["problems"]:
            reason = p["reason"].replace("|", "\\|")
            lines.append(
                f"| {p['payout_id']} | {p['status']} | {p['code']} | {p['balance_transaction']} |"
                f" {p['amount']} | {reason} |"
            )
        lines.append("")
    if summary.get("handled_payouts"):
        lines += ["## Recorded by hand", "", "| payout | arrival | amount | who, when, what |",
                  "|---|---|---:|---|"]  # fmt: skip
        for h in summary["handled_payouts"]:
            reason = h["reason"].replace("|", "\\|")
            lines.append(f"| {h['payout_id']} | {h['arrival_date']} | {h['amount']} | {reason} |")
    return "\n".join(lines) + "\n"


def write_deposit_report(
    engine: Engine,
    dag_id: str,
    run_id: str,
    outcomes: Iterable[PayoutOutcome],
    *,
    now: datetime,
    reports_dir: Path | None = None,
) -> dict[str, Any]:
    """Write the report files and its RunReport row; returns the summary with `note` and `path`."""
    summary = build_summary(run_id, outcomes)
    base = (reports_dir or reports_root() / REPORT_KIND) / safe_name(run_id)
    return run_reports.publish_report(
        engine, summary, base=base, dag_id=dag_id, run_id=run_id, kind=REPORT_KIND, now=now,
        render_markdown=render_markdown, render_note=render_note,
    )


def latest_note(engine: Engine, dag_id: str, run_id: str) -> str | None:
    """The note of the newest netsuite_deposits report of a run (what the run-notes listener copies)."""
    return run_reports.latest_note(engine, dag_id, run_id, REPORT_KIND)
