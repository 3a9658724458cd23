"""Airflow plugin: each netsuite_deposits run's report summary becomes the run's note, success or failure.

The same mechanism as stripe_sync's (run_notes.RunNoteListener), reading the deposits' report instead.
"""

from __future__ import annotations

from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin
from run_notes import RunNoteListener


class DepositNoteListener(RunNoteListener):
    dag_id = "netsuite_deposits"

    @hookimpl
    def on_dag_run_failed(self, dag_run: Any, msg: str) -> None:
        self.on_dag_run_success(dag_run, msg)

    @staticmethod
    def _annotate(dag_run: Any) -> None:
        if dag_run.note:
            return
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.sync.deposit_load_report import latest_note

        note = latest_note(get_engine(), dag_run.dag_id, dag_run.run_id)
        if note:
            dag_run.note = note


class DepositNotesPlugin(AirflowPlugin):
    name = "deposit_notes"
    listeners = [DepositNoteListener()]
