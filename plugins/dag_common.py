"""What the connector's DAGs share: their `@dag` defaults, and the finance report a run writes.

One home for each, so a DAG file states only what is its own (schedule, params, tasks). Imported by the DAG
files as finance_mail is (Airflow puts the plugins folder on sys.path); it defines no plugin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from finance_mail import FinanceFailureNotifier

from stripe_netsuite import retries

if TYPE_CHECKING:
    from stripe_netsuite.reports.publish import ReportOptions

__all__ = ["START_DATE", "dag_defaults", "report_options", "write_finance_run_report"]

START_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def dag_defaults(
    *, owner: str, task_timeout: timedelta, run_timeout: timedelta, tags: Sequence[str]
) -> dict[str, Any]:
    """The `@dag` keyword arguments of every connector DAG.

    No catch-up and one run at a time (each run takes up all that is pending, so a queue of runs would only
    repeat it); the task layer of the retry policy (README: retries), a task stuck past `task_timeout`
    failed and retried; a failed run mailed to the finance list.
    """
    return {
        "start_date": START_DATE,
        "catchup": False,
        "max_active_runs": 1,
        "default_args": {
            **retries.AIRFLOW_TASK.default_args(), "owner": owner, "execution_timeout": task_timeout,
        },
        "dagrun_timeout": run_timeout,
        "on_failure_callback": FinanceFailureNotifier(),
        "tags": list(tags),
    }  # fmt: skip


def report_options() -> ReportOptions:
    """How this deployment's finance reports look: links to the NetSuite account of the connection the
    loaders use (`netsuite_default`; without one, NETSUITE_ACCOUNT_ID, else no NetSuite links)."""
    from airflow.sdk.exceptions import AirflowNotFoundException
    from netsuite_hook import NetSuiteHook

    from stripe_netsuite.config import Settings
    from stripe_netsuite.reports.publish import ReportOptions

    try:
        account: str | None = NetSuiteHook().settings.account_id
    except AirflowNotFoundException:
        account = None
    return ReportOptions.from_settings(Settings.from_env(), account)


def write_finance_run_report(dag_id: str, run_id: str) -> dict[str, Any]:
    """The finance report of what this run wrote or quarantined (HTML, CSV, XLSX; the Finance view lists it
    under the run, which the run's note links to)."""
    from stripe_netsuite.reports.publish import write_run_report
    from stripe_netsuite.store import get_engine

    return write_run_report(get_engine(), dag_id, run_id, options=report_options(), now=datetime.now(UTC))
