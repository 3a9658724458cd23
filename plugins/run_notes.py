"""Airflow plugin: a run's report summary becomes the run's note (the grid shows it), one listener per DAG.

Tasks cannot set a note (the Task SDK has no call for it); the scheduler, which runs listeners with the run's
database session, can. Each DAG's entry names the library module whose `latest_note(engine, dag_id,
run_id)` reads its report, and whether failed runs get a note too (the ledger's: a failed run is when
finance most needs to know what was and was not loaded). A note someone already wrote is left alone.
"""

from __future__ import annotations

import importlib
from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin
from sqlalchemy.orm import object_session

from stripe_netsuite.reports.run_reports import NOTE_LIMIT

__all__ = ["RunNoteListener", "RunNotesPlugin"]


class RunNoteListener:
    """Copies the report summary of a run of `dag_id` (read by `report_module.latest_note`) into its note."""

    dag_id = "stripe_sync"
    report_module = "stripe_netsuite.validation.report"
    failed_runs_too = False

    def __init__(
        self,
        dag_id: str | None = None,
        report_module: str | None = None,
        *,
        failed_runs_too: bool | None = None,
    ) -> None:
        # Instance values override the class's, so a subclass that only sets class attributes still works.
        self.dag_id = dag_id or self.dag_id
        self.report_module = report_module or self.report_module
        self.failed_runs_too = self.failed_runs_too if failed_runs_too is None else failed_runs_too

    @hookimpl
    def on_dag_run_success(self, dag_run: Any, msg: str) -> None:
        self._note(dag_run)

    @hookimpl
    def on_dag_run_failed(self, dag_run: Any, msg: str) -> None:
        if self.failed_runs_too:
            self._note(dag_run)

    def _note(self, dag_run: Any) -> None:
        if dag_run.dag_id != self.dag_id:
            return
        if object_session(dag_run) is not None:
            # The scheduler's session: it commits the note with the run's new state. A second session here
            # could wait forever on the row lock that session holds.
            self._annotate(dag_run)
            return
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session

        with create_session() as session:  # dag.test() reports runs already detached from their session
            fresh = session.get(DagRun, dag_run.id)
            if fresh is not None:
                self._annotate(fresh)

    def _annotate(self, dag_run: Any) -> None:
        if dag_run.note:
            return
        from stripe_netsuite.store import get_engine

        latest_note = importlib.import_module(self.report_module).latest_note
        note = latest_note(get_engine(), dag_run.dag_id, dag_run.run_id)
        if note:
            dag_run.note = with_report_link(note, dag_run.dag_id, dag_run.run_id)



def with_report_link(note: str, dag_id: str, run_id: str) -> str:
    """The note ending with a Markdown link to the run's page in the Finance view (the grid renders it)."""
    from airflow.configuration import conf
    from finance_view import report_link

    url = report_link(dag_id, run_id, conf.get("api", "base_url", fallback=""))
    link = f"\n\n[Report in the Finance view]({url})"
    return note[: NOTE_LIMIT - len(link)] + link


class RunNotesPlugin(AirflowPlugin):
    name = "run_notes"
    listeners = [
        RunNoteListener("stripe_sync", "stripe_netsuite.validation.report"),
        RunNoteListener("netsuite_payments", "stripe_netsuite.sync.load_report", failed_runs_too=True),
        RunNoteListener(
            "netsuite_deposits", "stripe_netsuite.sync.deposit_load_report", failed_runs_too=True
        ),
        # A disagreement fails the run: its note is the verdict finance reads.
        RunNoteListener("ledger_audit", "stripe_netsuite.audit.report", failed_runs_too=True),
        RunNoteListener("finance_reports", "stripe_netsuite.reports.publish"),
    ]
