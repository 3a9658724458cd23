"""Writing a finance report: read the ledger, build it, and store HTML, CSV, XLSX, Markdown, JSON and its row.

The daily report and each run's report are the same report over a different scope (reports.ledger.Scope);
the files go where reports.files says, and the RunReport row and Markdown/JSON through run_reports, as every
other report of the connector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from stripe_netsuite.config import Settings
from stripe_netsuite.reports import run_reports
from stripe_netsuite.reports.build import build_report
from stripe_netsuite.reports.charts import render_charts
from stripe_netsuite.reports.exports import write_csv, write_xlsx
from stripe_netsuite.reports.files import days_name, report_dir, run_name
from stripe_netsuite.reports.html import render_html
from stripe_netsuite.reports.ledger import Scope
from stripe_netsuite.reports.read import read_ledger, report_days
from stripe_netsuite.reports.run_reports import NOTE_LIMIT
from stripe_netsuite.reports.tables import Money, money_text
from stripe_netsuite.reports.urls import RecordLinks, stripe_key_livemode

__all__ = [
    "DAILY_KIND",
    "RUN_KIND",
    "ReportOptions",
    "daily_report_day",
    "latest_note",
    "write_daily_report",
    "write_run_report",
]

DAILY_KIND = "finance_daily"
RUN_KIND = "finance_run"


@dataclass(frozen=True)
class ReportOptions:
    """How reports of a deployment look: links to its NetSuite account, its time zone and locale."""

    links: RecordLinks = field(default_factory=RecordLinks)
    time_zone: str = "UTC"  # the NetSuite account's (NETSUITE_TIME_ZONE): days are its days
    locale: str = "en_US"
    reports_dir: Path | None = None  # None: validation.paths.reports_root()

    @classmethod
    def from_settings(cls, settings: Settings, netsuite_account_id: str | None = None) -> ReportOptions:
        """The options of a process: its NetSuite account (else NETSUITE_ACCOUNT_ID), zone and locale."""
        account = netsuite_account_id or (settings.netsuite.account_id if settings.netsuite else None)
        live = stripe_key_livemode(settings.stripe.api_key if settings.stripe else None)
        return cls(links=RecordLinks(account or None, live), time_zone=settings.accounts.time_zone or "UTC",
                   locale=settings.page.default_locale)  # fmt: skip


def _totals(summary: Mapping[str, Any], key: str, locale: str) -> str:
    return ", ".join(money_text(Money(minor, currency), locale) for currency, minor in summary[key].items())


def render_note(summary: Mapping[str, Any], path: str | None) -> str:
    """One paragraph for a run note or a mail subject line's body."""
    locale = str(summary.get("locale") or "en_US")
    loaded = _totals(summary, "loaded_minor", locale)
    text = (
        f"{summary['title']}: {summary['payments_loaded']} of {summary['payments']} payments loaded"
        + (f" ({loaded})" if loaded else "")
        + f"; payouts {', '.join(f'{k} {v}' for k, v in summary['payouts'].items()) or 'none'}"
        + f"; blocked {summary['blocked']}, failed records {summary['failed']},"
        f" quarantined {summary['quarantined']}."
    )
    if path:
        text += f" Report: {summary.get('html') or path}"
    return text[:NOTE_LIMIT]


def render_markdown(summary: Mapping[str, Any]) -> str:
    files = "".join(f"- {name}\n" for name in summary.get("files", []))
    return f"# {summary['title']}\n\n{render_note(summary, None)}\n\nFiles:\n\n{files}"


def _write(
    engine: Engine, scope: Scope, folder: Path, *, options: ReportOptions, now: datetime, dag_id: str,
    run_id: str, kind: str, extra: Mapping[str, Any],
) -> dict[str, Any]:  # fmt: skip
    ledger = read_ledger(engine, scope, ZoneInfo(options.time_zone))
    report = build_report(ledger, options.links)
    folder.mkdir(parents=True, exist_ok=True)
    files = [write_csv(table, folder / f"{table.key}.csv").name for table in report.tables]
    files.insert(0, write_xlsx(report, folder / "report.xlsx").name)
    downloads = [("XLSX", "report.xlsx"), *((f"{t.title} (CSV)", f"{t.key}.csv") for t in report.tables)]
    html = render_html(report, render_charts(report.series), written=now, zone=options.time_zone,
                       locale=options.locale, downloads=downloads)  # fmt: skip
    (folder / "report.html").write_text(html, encoding="utf-8")
    summary: dict[str, Any] = {
        **report.summary, **extra, "title": report.title, "kind": kind, "locale": options.locale,
        "time_zone": options.time_zone, "written_at": now.isoformat(), "html": str(folder / "report.html"),
        "directory": str(folder), "files": ["report.html", *files],
    }  # fmt: skip
    return run_reports.publish_report(
        engine, summary, base=folder / "report", dag_id=dag_id, run_id=run_id, kind=kind, now=now,
        render_markdown=render_markdown, render_note=render_note,
    )  # fmt: skip


def daily_report_day(requested: str | None, run_after: datetime, time_zone: str) -> date:
    """The day a daily run reports: the requested date, else the day before `run_after` in the zone (a run
    after midnight reports the day that ended, complete)."""
    if requested:
        return date.fromisoformat(requested)
    return run_after.astimezone(ZoneInfo(time_zone)).date() - timedelta(days=1)


def write_daily_report(
    engine: Engine, day: date, *, options: ReportOptions, now: datetime, dag_id: str = "finance_reports",
    run_id: str | None = None, days: int = 1,
) -> dict[str, Any]:  # fmt: skip
    """The daily report of `day` at finance/<day>/daily/ (or of the `days` days ending on it, at
    finance/<day>/days-<N>/)."""
    scope = report_days(day, days)
    folder = report_dir(day, days_name(days), options.reports_dir)
    return _write(engine, scope, folder, options=options, now=now, dag_id=dag_id,
                  run_id=run_id or f"cli__{now.astimezone(UTC):%Y-%m-%dT%H:%M:%S}", kind=DAILY_KIND,
                  extra={"day": day.isoformat(), "days": days})  # fmt: skip


def write_run_report(
    engine: Engine, dag_id: str, run_id: str, *, options: ReportOptions, now: datetime
) -> dict[str, Any]:
    """The report of what one DAG run wrote or quarantined, at finance/<today, UTC>/<dag>__<run>/."""
    folder = report_dir(now.astimezone(UTC).date(), run_name(dag_id, run_id), options.reports_dir)
    return _write(engine, Scope(dag_id=dag_id, run_id=run_id), folder, options=options, now=now,
                  dag_id=dag_id, run_id=run_id, kind=RUN_KIND,
                  extra={"dag_id": dag_id, "report_run_id": run_id})  # fmt: skip


def latest_note(engine: Engine, dag_id: str, run_id: str) -> str | None:
    """The note of the newest daily finance report a run wrote (for the run-notes listener)."""
    return run_reports.latest_note(engine, dag_id, run_id, DAILY_KIND)
