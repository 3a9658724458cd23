"""
### finance_reports: the daily finance report (HTML with charts, CSV, XLSX) from the state DB

Daily at 06:30 UTC, after `netsuite_deposits`' 06:00 run, `daily_report` writes the report of the day that
ended (in the NetSuite account's time zone, `NETSUITE_TIME_ZONE`; UTC when unset) under
`<reports>/finance/<day>/daily/` (`<reports>`: `$CONNECTOR_REPORTS_DIR`, default `reports/` beside a SQLite
state DB): payouts against their NetSuite deposits (a blocked one with its code, the balance transaction
and what to do), payments loaded per day and currency, Stripe fees and their share of volume, refunds and
disputes (open, won, lost), records NetSuite refused with its message, and quarantined Stripe objects with
the expectation they failed; every blocked deposit, failed record and unresolved quarantine entry is listed
whatever its date. Each row links to the Stripe Dashboard and to the NetSuite record (the account of the
`netsuite_default` connection). The Finance view in Airflow lists the reports; each daily report is
mailed to the finance list (`FINANCE_EMAIL_TO`, unset: no mail) with its HTML and XLSX attached.

It reads only the state DB (no Stripe or NetSuite calls), so a re-run just writes the day's report again.
`netsuite_payments` and `netsuite_deposits` emit no Asset to start it on; each of their runs writes its own
finance report (`<reports>/finance/<day>/<dag id>__<run id>/`). A `finance_reports` run's note is its daily
report's summary, with a link to the Finance view.

**Params**: `date` (the day to report, default yesterday), `days` (cover this many days ending on `date`).
**CLI**: `python -m stripe_netsuite.reports daily [--date YYYY-MM-DD]`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import CronTriggerTimetable, Param, dag, task
from dag_common import dag_defaults


@dag(
    dag_id="finance_reports",
    schedule=CronTriggerTimetable("30 6 * * *", timezone="UTC"),
    # A failed run (no daily report) mails finance why, as every DAG's does.
    **dag_defaults(
        owner="finance",
        task_timeout=timedelta(minutes=30),
        run_timeout=timedelta(hours=1),
        tags=["finance", "reports", "reconciliation"],
    ),
    doc_md=__doc__,
    params={
        "date": Param(
            None, type=["null", "string"], format="date", description="Day to report (default: yesterday)"
        ),
        "days": Param(1, type="integer", minimum=1, maximum=92, description="Days covered, ending on `date`"),
    },
)
def finance_reports() -> None:
    @task
    def migrate_state_db() -> None:
        from stripe_netsuite.store import migrate

        migrate()  # idempotent: a no-op when the schema is current

    @task(execution_timeout=timedelta(minutes=30))
    def daily_report(dag_run: Any = None, run_id: str | None = None) -> str:
        from dag_common import report_options

        from stripe_netsuite.config import Settings
        from stripe_netsuite.reports.publish import daily_report_day, write_daily_report
        from stripe_netsuite.store import get_engine

        options = report_options()  # links to the NetSuite account of the connection the loaders use
        conf = getattr(dag_run, "conf", None) or {}
        now = datetime.now(UTC)
        run_after = getattr(dag_run, "run_after", None) or now
        day = daily_report_day(conf.get("date"), run_after, options.time_zone)
        summary = write_daily_report(get_engine(), day, options=options, now=now, run_id=run_id or "manual",
                                     days=int(conf.get("days") or 1))  # fmt: skip
        # The daily send: to the finance list (FINANCE_EMAIL_TO; none set, nothing sent), the HTML and XLSX
        # attached, through Airflow's SMTP connection (plugins/finance_mail.py).
        from finance_mail import send_mail

        from stripe_netsuite.notify import mail_daily_report

        notify = Settings.from_env().notify
        mail_daily_report(summary, lambda mail: send_mail(mail, notify), notify, run_id=run_id)
        return str(summary["note"])

    migrate_state_db() >> daily_report()


finance_reports_dag = finance_reports()
