"""The stripe_sync DAG: imports cleanly, is documented and retried, and runs end to end on the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import stripe

from stripe_netsuite.stripe_api.resources import RESOURCES
from stripe_netsuite.validation.docs_assets import external_resources
from tests.dags.conftest import ROOT
from tests.servers import RunningServer

EXPECTED_TASKS = {
    "migrate_state_db", "plan_resources", "extract", "itemise_payouts", "validate", "publish_ready",
    "write_report",
}  # fmt: skip


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_dagbag_imports_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert "stripe_sync" in dagbag.dags


def test_every_dag_has_tags_retries_and_docs(dagbag: Any) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md and dag.doc_md.strip(), f"{dag_id} has no doc_md"
        for task in dag.tasks:
            assert task.retries >= 2, f"{dag_id}.{task.task_id} retries {task.retries}"


def test_every_dag_takes_the_shared_defaults(dagbag: Any) -> None:
    """plugins/dag_common.py is their one home: no DAG leaves one out or states its own."""
    from dag_common import START_DATE

    assert set(dagbag.dags) == {
        "stripe_sync", "netsuite_payments", "netsuite_deposits", "finance_reports", "ledger_audit"
    }
    for dag_id, dag in dagbag.dags.items():
        assert (dag.catchup, dag.max_active_runs, dag.start_date) == (False, 1, START_DATE), dag_id
        assert type(dag.on_failure_callback).__name__ == "FinanceFailureNotifier", dag_id
        assert dag.dagrun_timeout, dag_id
        for task in dag.tasks:
            assert task.owner in ("finance", "data-engineering"), f"{dag_id}.{task.task_id}"
            assert task.execution_timeout, f"{dag_id}.{task.task_id} has no timeout"


def test_stripe_sync_has_the_expected_tasks_and_schedule(dagbag: Any) -> None:
    dag = dagbag.dags["stripe_sync"]
    assert set(dag.task_ids) == EXPECTED_TASKS
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert set(dag.params.keys()) == {"full_rescan", "resources"}
    assert dag.get_task("extract").max_active_tis_per_dagrun == 4
    outlets = dag.get_task("publish_ready").outlets
    assert [asset.uri for asset in outlets] == ["stripe_netsuite://state/stripe_ready"]


def _pay(client: stripe.StripeClient, amount: int) -> None:
    client.v1.payment_intents.create(
        params={"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
                "metadata": {"netsuite_customer_id": "1234"}}
    )  # fmt: skip


@pytest.mark.slow
def test_dag_test_run_syncs_the_sandbox_and_publishes_ready_rows(
    airflow_db: Path,
    stripe_conn: RunningServer,
    state_db: str,
    stripe_client: stripe.StripeClient,
    tmp_path: Path,
) -> None:
    from airflow.models.asset import AssetEvent
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    from dags.stripe_sync import stripe_sync_dag

    for amount in (1500, 2500, 4000):
        _pay(stripe_client, amount)
    # A pending charge that fails an expectation (no Stripe currency): the run quarantines it.
    from stripe_netsuite.store import Charge, get_engine, migrate, session_scope, upsert_stripe_object

    migrate(state_db)
    with session_scope(get_engine(state_db)) as session:
        malformed = {"object": "charge", "id": "ch_1Malformed", "created": 1_790_000_000, "amount": 700,
                     "currency": "xyz", "status": "succeeded"}  # fmt: skip
        upsert_stripe_object(session, Charge, malformed)
    advance = requests.post(stripe_conn.url + "/_sandbox/clock/advance", json={"days": 3}, timeout=60)
    advance.raise_for_status()

    run = stripe_sync_dag.test()

    assert run.state == DagRunState.SUCCESS
    with create_session() as session:
        stored = session.query(DagRun).filter(DagRun.run_id == run.run_id).one()
        instances = stored.get_task_instances(session=session)
        states = {ti.task_id: ti.state for ti in instances}
        labels = sorted(ti.rendered_map_index for ti in instances if ti.task_id == "extract")
        note = stored.note
    assert states["publish_ready"] == "success"
    with create_session() as session:
        events = session.query(AssetEvent).filter(AssetEvent.source_run_id == run.run_id).all()
        assert [event.extra["ready"] > 0 for event in events] == [True]
    assert note and note.startswith("stripe_sync: extracted")
    assert labels == sorted(RESOURCES)  # the grid names each mapped extract by its resource, not 0-7
    # Reports live beside the state DB (state_db: tmp_path/connector.db), not under the project's var/.
    reports = list((tmp_path / "reports" / "stripe_sync").glob("*.md"))
    assert len(reports) == 1 and "| charges | 3 |" in reports[0].read_text()
    [docs] = list((tmp_path / "reports" / "data_docs").glob("*/index.html"))
    assert external_resources(docs.read_text()) == []  # Data Docs load nothing from CDNs

    # The run quarantined the malformed charge: its finance report lists it with the expectation it failed.
    from stripe_netsuite.reports.files import list_reports

    (finance,) = list_reports(tmp_path / "reports")
    assert (finance.kind, finance.dag_id, finance.run_id) == ("run", "stripe_sync", run.run_id)
    assert finance.summary["quarantined"] == 1
    assert "ch_1Malformed" in (finance.directory / "quarantine.csv").read_text()

    quiet = stripe_sync_dag.test()  # nothing new: no asset event, so netsuite_payments is not started
    assert quiet.state == DagRunState.SUCCESS
    assert len(list_reports(tmp_path / "reports")) == 1  # nothing quarantined: no finance report
    with create_session() as session:
        stored = session.query(DagRun).filter(DagRun.run_id == quiet.run_id).one()
        assert stored.get_task_instance("publish_ready", session=session).state == "skipped"


def _extracted(run: Any) -> list[str]:
    """The resources a run's mapped extract tasks took (their grid labels)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        stored = session.query(DagRun).filter(DagRun.run_id == run.run_id).one()
        return sorted(ti.rendered_map_index for ti in stored.get_task_instances(session=session)
                      if ti.task_id == "extract")  # fmt: skip


@pytest.mark.slow
def test_a_run_reads_its_own_conf_never_the_params_a_run_before_it_was_given(
    airflow_db: Path, stripe_conn: RunningServer, state_db: str
) -> None:
    from airflow.utils.state import DagRunState

    from dags.stripe_sync import stripe_sync_dag

    rescan = stripe_sync_dag.test(run_conf={"resources": ["customers"], "full_rescan": True})
    assert rescan.state == DagRunState.SUCCESS and _extracted(rescan) == ["customers"]

    # A scheduled run (no conf) in the same process: every resource, not the re-scan's one.
    scheduled = stripe_sync_dag.test()
    assert scheduled.state == DagRunState.SUCCESS
    assert _extracted(scheduled) == sorted(RESOURCES)
