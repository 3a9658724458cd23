"""The netsuite_deposits DAG: its shape, and dag.test() over the seeded world on both sandboxes, twice."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import stripe

from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.dags.conftest import ROOT
from tests.dags.test_netsuite_payments_dag import netsuite_conn  # noqa: F401 (a fixture)
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_sync_load import ledger_settings, major, stripe_sync
from tests.servers import RunningServer


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_netsuite_deposits_runs_on_stripe_sync_and_daily_one_mapped_task_per_payout(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    dag = dagbag.dags["netsuite_deposits"]
    assert set(dag.task_ids) == {"migrate_state_db", "plan", "deposit", "report", "not_held", "review.gate",
                                 "review.approve_deposit", "review.write_reviewed"}  # fmt: skip
    assert dag.max_active_runs == 1 and dag.catchup is False and dag.tags and dag.doc_md
    assert "stripe_netsuite://state/stripe_ready" in str(dag.timetable.asset_condition)
    daily = dag.timetable.timetable
    assert "0 6 * * *" in (getattr(daily, "_expression", None), getattr(daily, "expression", None))
    deposit = dag.get_task("deposit")
    assert deposit.pool == "netsuite_api"
    assert "payout_id" in str(deposit.map_index_template)
    assert dag.get_task("report").trigger_rule == "all_done"
    assert all(task.retries >= 2 for task in dag.tasks)


@pytest.mark.slow
def test_dag_test_deposits_every_paid_payout_notes_the_run_and_a_rerun_writes_nothing(
    airflow_db: Path,
    stripe_sandbox: RunningServer,
    netsuite_conn: NetSuiteSandboxClient,  # noqa: F811
    netsuite_sandbox: RunningServer,
    state_db: str,
    stripe_client: stripe.StripeClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    from dags.netsuite_deposits import netsuite_deposits_dag
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings
    from stripe_netsuite.store import get_engine, migrate
    from stripe_netsuite.sync.load import load_payments
    from world_seeder import seed_world

    seed_world(
        stripe_sandbox.url, STRIPE_TEST_KEY, netsuite_sandbox.url + "/services/rest", NETSUITE_TEST_ENV,
        days=30, seed=42, threads=2,
    )  # fmt: skip
    migrate(state_db)
    engine = get_engine(state_db)
    stripe_sync(stripe_sandbox, engine, "sync-1")
    env = {**NETSUITE_TEST_ENV, "NETSUITE_BASE_URL": netsuite_sandbox.url + "/services/rest"}
    with NetSuiteClient(NetSuiteSettings.from_env(env)) as netsuite:
        load_payments(engine, netsuite, None, ledger_settings(), run_id="load-1")
    ids = {row["symbol"]: str(row["id"]) for row in netsuite_conn.rows("SELECT id, symbol FROM currency")}
    bank = netsuite_conn.create("account", {
        "acctNumber": "1010", "acctName": "Operating USD", "acctType": "Bank", "currency": {"id": ids["USD"]},
        "subsidiary": {"id": "1"},
    })  # fmt: skip
    monkeypatch.setenv("NETSUITE_BANK_ACCOUNTS", f"USD={bank}")
    monkeypatch.setenv("NETSUITE_FEE_ACCOUNT", "8")
    monkeypatch.setenv("NETSUITE_ADJUSTMENT_ACCOUNT", "8")
    paid = [
        p
        for p in stripe_client.v1.payouts.list(params={"limit": 100}).auto_paging_iter()
        if p.status == "paid" and p.automatic and p.amount > 0
    ]

    run = netsuite_deposits_dag.test()

    assert run.state == DagRunState.SUCCESS
    with create_session() as session:
        note = session.query(DagRun).filter(DagRun.run_id == run.run_id).one().note
    assert note and note.startswith(f"netsuite_deposits: deposited {len(paid)} (USD ")
    rows = netsuite_conn.rows(
        "SELECT t.externalid, t.foreigntotal, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate"
        " FROM transaction t WHERE t.type = 'Deposit' AND t.externalid IS NOT NULL"
    )
    found = {r["externalid"]: (Decimal(str(r["foreigntotal"])), r["trandate"]) for r in rows}
    assert found == {
        p.id: (major(p.amount, p.currency), datetime.fromtimestamp(p.arrival_date, UTC).date().isoformat())
        for p in paid
    }
    assert list((tmp_path / "reports" / "netsuite_deposits").glob("*.md"))
    # The run's finance report: each payout it deposited, as HTML, XLSX and CSV, listed in the Finance view.
    from stripe_netsuite.reports.files import list_reports

    (report,) = [entry for entry in list_reports(tmp_path / "reports") if entry.run_id == run.run_id]
    assert report.kind == "run" and report.dag_id == "netsuite_deposits"
    assert {"report.html", "report.xlsx", "payouts.csv"} <= set(report.files)
    payouts_csv = (report.directory / "payouts.csv").read_text()
    assert all(p.id in payouts_csv for p in paid)

    again = netsuite_deposits_dag.test()
    assert again.state == DagRunState.SUCCESS
    with create_session() as session:
        note = session.query(DagRun).filter(DagRun.run_id == again.run_id).one().note
    assert note and note.startswith("netsuite_deposits: deposited 0, unchanged 0, blocked 0")
