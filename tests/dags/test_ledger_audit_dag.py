"""The ledger_audit DAG: its shape and params, and dag.test() over the loaded seeded world on both sandboxes:
in agreement, then a deposit deleted by hand found (the run fails, its note and the Asset's extra say why)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.dags.conftest import ROOT
from tests.dags.test_netsuite_payments_dag import netsuite_conn  # noqa: F401 (a fixture)
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_sync_load import LEDGER_ENV, ledger_settings, stripe_sync
from tests.servers import RunningServer

URI = "stripe_netsuite://netsuite/ledger_audit"


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_ledger_audit_runs_daily_in_the_pool_and_publishes_its_asset(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    dag = dagbag.dags["ledger_audit"]
    assert set(dag.task_ids) == {"migrate_state_db", "period", "audit", "verdict"}
    assert dag.max_active_runs == 1 and dag.catchup is False and dag.tags and dag.doc_md
    assert dag.dagrun_timeout is not None
    timetable = dag.timetable
    assert "0 7 * * *" in (getattr(timetable, "_expression", None), getattr(timetable, "expression", None))
    audit = dag.get_task("audit")
    assert audit.pool == "netsuite_api" and audit.execution_timeout is not None
    assert [outlet.uri for outlet in audit.outlets] == [URI]
    assert all(task.retries >= 2 and task.owner == "finance" and task.execution_timeout for task in dag.tasks)
    assert type(dag.on_failure_callback).__name__ == "FinanceFailureNotifier"  # a disagreement mails finance


@pytest.mark.parametrize(
    ("name", "value"), [("from", "yesterday"), ("to", "2026-13-01"), ("to", 20261001)], ids=str
)
def test_params_refuse_what_is_not_a_date(dagbag: Any, name: str, value: Any) -> None:
    from airflow.sdk.definitions.param import ParamValidationError

    params = copy.deepcopy(dagbag.dags["ledger_audit"].params)
    with pytest.raises(ParamValidationError, match=f"param {name}"):
        params[name] = value


def test_params_accept_a_range_or_nothing(dagbag: Any) -> None:
    params = copy.deepcopy(dagbag.dags["ledger_audit"].params)
    assert params.validate() == {"from": None, "to": None}
    params["from"], params["to"] = "2026-10-01", "2026-10-31"
    assert params.validate() == {"from": "2026-10-01", "to": "2026-10-31"}


def _run_state(run: Any) -> tuple[str | None, dict[str, str], list[Any]]:
    from airflow.models.asset import AssetEvent
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        stored = session.query(DagRun).filter(DagRun.run_id == run.run_id).one()
        states = {ti.task_id: str(ti.state) for ti in stored.get_task_instances(session=session)}
        events = [e.extra for e in session.query(AssetEvent).filter(AssetEvent.source_run_id == run.run_id)]
        return stored.note, states, events


@pytest.mark.slow
def test_a_range_backwards_fails_the_run_before_anything_is_read(
    airflow_db: Path, state_db: str, netsuite_conn: NetSuiteSandboxClient,  # noqa: F811
) -> None:  # fmt: skip
    from airflow.utils.state import DagRunState

    from dags.ledger_audit import ledger_audit_dag

    run = ledger_audit_dag.test(run_conf={"from": "2026-10-10", "to": "2026-10-01"})

    assert run.state == DagRunState.FAILED
    _note, states, events = _run_state(run)
    assert states["period"] == "failed" and states["audit"] == "upstream_failed" and events == []


@pytest.mark.slow
def test_a_run_without_conf_audits_the_daily_period_not_the_range_a_run_before_it_was_given(
    airflow_db: Path, stripe_conn: RunningServer, state_db: str, netsuite_conn: NetSuiteSandboxClient,  # noqa: F811
) -> None:  # fmt: skip
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    from dags.ledger_audit import ledger_audit_dag

    backwards = ledger_audit_dag.test(run_conf={"from": "2026-10-10", "to": "2026-10-01"})
    assert backwards.state == DagRunState.FAILED

    daily = ledger_audit_dag.test()  # as the schedule starts it: no conf

    _note, states, _events = _run_state(daily)
    assert states["period"] == "success", states
    with create_session() as session:
        audited = session.query(XComModel.value).filter(
            XComModel.run_id == daily.run_id, XComModel.task_id == "period", XComModel.key == "return_value"
        ).scalar()  # fmt: skip
    days = json.loads(audited) if isinstance(audited, str) else audited
    first, last = (date.fromisoformat(days[key]) for key in ("from", "to"))
    assert (last - first).days == 6 and last < datetime.now(UTC).date(), days  # the 7 days before the run's


@pytest.mark.slow
def test_dag_test_agrees_on_the_loaded_world_then_finds_a_deleted_deposit(
    airflow_db: Path, stripe_conn: RunningServer, netsuite_conn: NetSuiteSandboxClient,  # noqa: F811
    netsuite_sandbox: RunningServer, state_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from zoneinfo import ZoneInfo

    from airflow.utils.state import DagRunState

    from dags.ledger_audit import ledger_audit_dag
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings
    from stripe_netsuite.store import get_engine, migrate
    from stripe_netsuite.sync.deposit_load_run import run_deposits
    from stripe_netsuite.sync.deposit_settings import DepositSettings
    from stripe_netsuite.sync.load import load_payments
    from world_seeder import seed_world
    from world_seeder.world import END

    seed_world(
        stripe_conn.url, STRIPE_TEST_KEY, netsuite_sandbox.url + "/services/rest", NETSUITE_TEST_ENV,
        days=30, seed=42, threads=2,
    )  # fmt: skip
    migrate(state_db)
    engine = get_engine(state_db)
    stripe_sync(stripe_conn, engine, "sync-1")
    ids = {row["symbol"]: str(row["id"]) for row in netsuite_conn.rows("SELECT id, symbol FROM currency")}
    bank = netsuite_conn.create("account", {
        "acctNumber": "1010", "acctName": "Operating USD", "acctType": "Bank", "currency": {"id": ids["USD"]},
        "subsidiary": {"id": "1"},
    })  # fmt: skip
    deposits = DepositSettings.for_ledger(ledger_settings(), bank_accounts={"USD": bank}, fee_account_id="8",
                                          adjustment_account_id="8")  # fmt: skip
    env = {**NETSUITE_TEST_ENV, "NETSUITE_BASE_URL": netsuite_sandbox.url + "/services/rest"}
    with NetSuiteClient(NetSuiteSettings.from_env(env)) as netsuite:
        load_payments(engine, netsuite, None, ledger_settings(), run_id="load-1")
        written = run_deposits(engine, netsuite, deposits, dag_id="netsuite_deposits", run_id="deposits-1",
                               now=datetime.now(UTC), zone=ZoneInfo("America/Los_Angeles"))  # fmt: skip
    assert written["deposited"] > 10 and written["blocked"] == 0
    end = datetime.fromtimestamp(END, UTC).date()
    conf = {"from": (end - timedelta(days=32)).isoformat(), "to": (end + timedelta(days=3)).isoformat()}

    run = ledger_audit_dag.test(run_conf=conf)

    assert run.state == DagRunState.SUCCESS
    note, states, events = _run_state(run)
    assert note and note.startswith(f"ledger_audit {conf['from']} to {conf['to']}: in agreement"), note
    assert [(e["verdict"], e["disagreements"], e["from"], e["to"]) for e in events] == [
        ("in agreement", 0, conf["from"], conf["to"])
    ]
    assert list((tmp_path / "reports" / "ledger_audit").glob("*.md"))

    deposit = netsuite_conn.rows(
        "SELECT t.id, t.externalid FROM transaction t WHERE t.type = 'Deposit' AND t.externalid LIKE 'po_%'"
        " ORDER BY t.id"
    )[0]
    response = netsuite_conn.request("DELETE", f"/record/v1/deposit/{deposit['id']}")
    assert response.status_code == 204, response.text

    again = ledger_audit_dag.test(run_conf=conf)

    assert again.state == DagRunState.FAILED  # the verdict task fails: people must look
    note, states, events = _run_state(again)
    assert states["audit"] == "success" and states["verdict"] == "failed"
    assert note and "DISAGREEMENT, 1 found (missing_deposit 1)" in note and deposit["externalid"] in note
    assert [(e["verdict"], e["by_code"]) for e in events] == [("disagreement", {"missing_deposit": 1})]


def test_the_daily_period_ends_on_the_last_day_that_ended_in_the_account_s_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from airflow.sdk.exceptions import AirflowFailException

    from dags.ledger_audit import ledger_audit_dag

    for name, value in LEDGER_ENV.items():  # NETSUITE_TIME_ZONE=America/Los_Angeles
        monkeypatch.setenv(name, value)
    period = ledger_audit_dag.get_task("period").python_callable
    # The 07:00 UTC run of 1 December is at 23:00 on 30 November in Los Angeles: the 30th has not ended.
    at = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    daily = period(dag_run=SimpleNamespace(run_after=at, conf={}))
    assert daily == {"from": "2026-11-23", "to": "2026-11-29"}
    with pytest.raises(AirflowFailException, match="in the future"):  # 1 December has not begun there
        period(dag_run=SimpleNamespace(run_after=at, conf={"from": "2026-11-20", "to": "2026-12-01"}))
