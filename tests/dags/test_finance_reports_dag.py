"""The finance_reports DAG: its shape, and dag.test() writing the daily report of a state DB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stripe_netsuite.notify.sink import MailSink
from tests.dags.conftest import ROOT

DAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    # Just this file: the test is about this DAG, not about another DAG being edited beside it.
    return DagBag(dag_folder=str(ROOT / "dags" / "finance_reports.py"))


def test_finance_reports_runs_daily_after_the_deposits_with_owner_retries_and_timeouts(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    dag = dagbag.dags["finance_reports"]
    assert set(dag.task_ids) == {"migrate_state_db", "daily_report"}
    assert dag.max_active_runs == 1 and dag.catchup is False and dag.doc_md
    assert set(dag.tags) >= {"finance", "reports"}
    timetable = dag.timetable
    assert "30 6 * * *" in (getattr(timetable, "_expression", None), getattr(timetable, "expression", None))
    assert dag.dagrun_timeout == timedelta(hours=1)
    assert all(task.retries >= 2 and task.owner == "finance" for task in dag.tasks)
    assert dag.get_task("daily_report").execution_timeout == timedelta(minutes=30)
    assert all(task.execution_timeout for task in dag.tasks)
    assert type(dag.on_failure_callback).__name__ == "FinanceFailureNotifier"  # a failed run mails finance
    assert set(dag.params) == {"date", "days"}


@pytest.fixture
def loaded_state(state_db: str) -> str:
    """A state DB with one loaded JPY payment on DAY and a blocked payout arriving that day."""
    from stripe_netsuite.store import Charge, Payout, get_engine, migrate, session_scope, upsert_stripe_object
    from stripe_netsuite.sync.load_store import save_sync_record

    migrate(state_db)
    engine = get_engine(state_db)
    created = int(datetime(2026, 3, 2, 12, tzinfo=UTC).timestamp())
    with session_scope(engine) as session:
        upsert_stripe_object(session, Charge, {"object": "charge", "id": "ch_1", "created": created,
                                               "amount": 1500, "currency": "jpy", "status": "succeeded"})
        upsert_stripe_object(session, Payout, {"object": "payout", "id": "po_1", "created": created,
                                               "arrival_date": created, "amount": 1440, "currency": "jpy",
                                               "status": "paid", "automatic": True})
    save_sync_record(engine, stripe_id="ch_1", stripe_object_type="charge", record_type="customerPayment",
                     external_id="ch_1", status="synced", run_id="load-1", internal_id="77")
    save_sync_record(engine, stripe_id="po_1", stripe_object_type="payout", record_type="deposit",
                     external_id="po_1", status="blocked", run_id="dep-1",
                     error="ch_1 is not loaded: load it.",
                     detail={"code": "missing_payment", "balance_transaction": "txn_1"})  # fmt: skip
    return state_db


def test_dag_test_writes_the_daily_report_with_links_to_the_connection_s_account(
    airflow_db: Path, loaded_state: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.utils.state import DagRunState

    from dags.finance_reports import finance_reports_dag

    monkeypatch.setenv("AIRFLOW_CONN_NETSUITE_DEFAULT", json.dumps({
        "conn_type": "netsuite", "host": "http://127.0.0.1:9/services/rest", "login": "token",
        "password": "secret",
        "extra": {"account_id": "TSTDRV42", "consumer_key": "k", "consumer_secret": "s"},
    }))  # fmt: skip

    run = finance_reports_dag.test(run_conf={"date": DAY.isoformat()})

    assert run.state == DagRunState.SUCCESS
    folder = tmp_path / "reports" / "finance" / "2026-03-02" / "daily"
    html = (folder / "report.html").read_text()
    assert "¥1,500" in html and "missing_payment" in html and "ch_1 is not loaded: load it." in html
    assert "https://tstdrv42.app.netsuite.com/app/accounting/transactions/custpymt.nl?id=77" in html
    assert {"report.xlsx", "payouts.csv", "payments_by_day.csv"} <= {p.name for p in folder.iterdir()}
    from stripe_netsuite.reports.files import list_reports

    (entry,) = list_reports(tmp_path / "reports")
    assert (entry.day, entry.kind) == (DAY, "daily")
    assert entry.summary["payments_loaded"] == 1 and entry.summary["blocked"] == 1


def test_a_scheduled_run_reports_the_day_before_it(
    airflow_db: Path, loaded_state: str, tmp_path: Path
) -> None:
    from airflow.utils.state import DagRunState

    from dags.finance_reports import finance_reports_dag

    # No NetSuite connection this time: the report names records without linking them.
    run = finance_reports_dag.test(run_after=datetime(2026, 3, 3, 6, 30, tzinfo=UTC))

    assert run.state == DagRunState.SUCCESS
    html = (tmp_path / "reports" / "finance" / "2026-03-02" / "daily" / "report.html").read_text()
    assert "¥1,500" in html and "app.netsuite.com" not in html


@pytest.fixture
def sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailSink]:
    """A local SMTP sink the smtp_default connection points at; no finance list set."""
    from stripe_netsuite.notify.sink import start_sink

    running = start_sink(tmp_path / "mail")
    smtp = running.connection_json("connector@example.com")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(smtp))
    monkeypatch.delenv("FINANCE_EMAIL_TO", raising=False)
    yield running
    running.stop()


def test_dag_test_mails_the_daily_report_to_the_finance_list_and_notes_the_run(
    airflow_db: Path, loaded_state: str, sink: MailSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    from dags.finance_reports import finance_reports_dag

    monkeypatch.setenv("FINANCE_EMAIL_TO", "finance@example.com")

    run = finance_reports_dag.test(run_conf={"date": DAY.isoformat()})

    assert run.state == DagRunState.SUCCESS
    (message,) = sink.messages()
    assert message["Subject"] == "[Stripe-NetSuite] Daily report 2026-03-02"
    assert message["To"] == "finance@example.com"
    folder = tmp_path / "reports" / "finance" / "2026-03-02" / "daily"
    attached = {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
    assert attached == {name: (folder / name).read_bytes() for name in ("report.html", "report.xlsx")}
    with create_session() as session:
        note = session.query(DagRun).filter(DagRun.run_id == run.run_id).one().note
    # The run's note is the report's summary, linking to the run's page in the Finance view.
    assert note and note.startswith("Finance report 2026-03-02: 1 of 1 payments loaded")
    assert "[Report in the Finance view](" in note


def test_without_a_finance_list_nothing_is_mailed(
    airflow_db: Path, loaded_state: str, sink: MailSink
) -> None:
    from airflow.utils.state import DagRunState

    from dags.finance_reports import finance_reports_dag

    run = finance_reports_dag.test(run_conf={"date": DAY.isoformat()})

    assert run.state == DagRunState.SUCCESS
    assert sink.messages() == []
