"""Airflow plugin: each netsuite_payments run's report summary becomes the run's note, success or failure.

The same mechanism as stripe_sync's (stripe_hook.RunNoteListener), reading the ledger's report instead; a
failed run gets its note too, since that is when finance most needs to know what was and was not loaded.
"""

from __future__ import annotations

from typing import Any

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin
from stripe_hook import RunNoteListener


class LedgerNoteListener(RunNoteListener):
    dag_id = "netsuite_payments"

    @hookimpl
    def on_dag_run_failed(self, dag_run: Any, msg: str) -> None:
        self.on_dag_run_success(dag_run, msg)

    @staticmethod
    def _annotate(dag_run: Any) -> None:
        if dag_run.note:
            return
        from stripe_netsuite.store import get_engine
        from stripe_netsuite.sync.load_report import latest_note

        note = latest_note(get_engine(), dag_run.dag_id, dag_run.run_id)
        if note:
            dag_run.note = note


class LedgerNotesPlugin(AirflowPlugin):
    name = "ledger_notes"
    listeners = [LedgerNoteListener()]
