"""Which problems to mail (each once) and the links a mail carries; the sending itself is Airflow's.

The library imports no Airflow: the DAG tasks pass `send`, plugins/finance_mail.py's `send_mail`, which
delivers through the SMTP provider's hook.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stripe_netsuite.config.finance import NotifySettings
from stripe_netsuite.notify.messages import Mail, blocked_payouts_mail, daily_report_mail, failed_records_mail

__all__ = [
    "finance_links",
    "mail_blocked_payouts",
    "mail_daily_report",
    "mail_failed_records",
    "mail_new_problems",
]


def finance_links(
    settings: NotifySettings, dag_id: str | None = None, run_id: str | None = None
) -> dict[str, str]:
    """Links for a mail: the Finance view and the run in Airflow (none when FINANCE_AIRFLOW_URL is unset)."""
    if not settings.airflow_url:
        return {}
    from urllib.parse import quote

    links = {"Finance view in Airflow": f"{settings.airflow_url}/finance/"}
    if dag_id and run_id:
        links["The run in Airflow"] = f"{settings.airflow_url}/dags/{dag_id}/runs/{quote(run_id, safe='')}"
    return links


def mail_new_problems(
    ledger: Path,
    problems: Sequence[Mapping[str, Any]],
    key: Callable[[Mapping[str, Any]], str],
    build: Callable[[Sequence[Mapping[str, Any]]], Mail],
    send: Callable[[Mail], bool],
) -> int:
    """Mail the problems not mailed before (by `key`), once; returns how many were mailed.

    A blocked payout is built again on every run until its cause is fixed: finance hears of it once per
    cause, not every 15 minutes. `ledger` (a JSON file beside the reports) remembers what was sent; a
    problem that clears and comes back with another cause is a new key.
    """
    if not problems:
        return 0
    sent: set[str] = set(json.loads(ledger.read_text())) if ledger.is_file() else set()
    new = [problem for problem in problems if key(problem) not in sent]
    if not new:
        return 0
    if not send(build(new)):  # no finance list: nothing is remembered, so a list set later hears of it
        return 0
    ledger.parent.mkdir(parents=True, exist_ok=True)
    ledger.write_text(json.dumps(sorted(sent | {key(problem) for problem in new}), indent=1))
    return len(new)


def _ledger(kind: str) -> Path:
    from stripe_netsuite.validation.paths import reports_root

    return reports_root() / "notify" / f"{kind}.json"


def mail_blocked_payouts(
    summary: Mapping[str, Any], send: Callable[[Mail], bool], settings: NotifySettings, dag_id: str
) -> int:
    """Mail the payouts a netsuite_deposits report lists as blocked (or failed), each cause once."""
    problems = [p for p in summary.get("problems", []) if p.get("status") in ("blocked", "failed")]
    run_id = str(summary.get("run_id", ""))
    links = finance_links(settings, dag_id, run_id)
    return mail_new_problems(
        _ledger("payouts"), problems, lambda p: f"{p['payout_id']}:{p.get('code') or p['status']}",
        lambda new: blocked_payouts_mail(run_id, new, links), send,
    )  # fmt: skip


def mail_failed_records(
    summary: Mapping[str, Any], send: Callable[[Mail], bool], settings: NotifySettings, dag_id: str
) -> int:
    """Mail the records a netsuite_payments report lists as failed (refused for good), each message once."""
    problems = [p for p in summary.get("problems", []) if p.get("status") == "failed"]
    run_id = str(summary.get("run_id", ""))
    links = finance_links(settings, dag_id, run_id)
    return mail_new_problems(
        _ledger("records"), problems, lambda p: f"{p['stripe_id']}:{p.get('reason', '')[:200]}",
        lambda new: failed_records_mail(run_id, new, links), send,
    )  # fmt: skip


# The daily report's files a mail carries: the page with its charts and the workbook of every table.
DAILY_ATTACHMENTS = ("report.html", "report.xlsx")


def mail_daily_report(
    summary: Mapping[str, Any], send: Callable[[Mail], bool], settings: NotifySettings,
    dag_id: str = "finance_reports", run_id: str | None = None,
) -> bool:  # fmt: skip
    """Mail a daily finance report (a stripe_netsuite.reports summary): its note; HTML and XLSX attached."""
    folder = Path(str(summary["directory"])) if summary.get("directory") else None
    files = [str(folder / name) for name in DAILY_ATTACHMENTS if folder and (folder / name).is_file()]
    day = str(summary.get("day") or summary.get("title") or "")
    days = int(summary.get("days") or 1)
    if days > 1 and summary.get("day"):  # a report of several days ending on `day` names its whole period
        day = f"{date.fromisoformat(day) - timedelta(days=days - 1)} to {day}"
    mail = daily_report_mail(day, str(summary.get("note") or summary.get("title") or ""), files,
                             finance_links(settings, dag_id, run_id))  # fmt: skip
    return send(mail)
