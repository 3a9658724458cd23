"""The three connector DAGs of this folder: owners, timeouts, the failure notifier, groups, and Param schemas
that refuse bad values when a run is triggered (the same validation the REST API and the trigger form run)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.dags.conftest import ROOT

DAGS = ("stripe_sync", "netsuite_payments", "netsuite_deposits")


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


@pytest.mark.parametrize("dag_id", DAGS)
def test_each_dag_has_an_owner_timeouts_retries_and_the_failure_notifier(dagbag: Any, dag_id: str) -> None:
    from finance_mail import FinanceFailureNotifier

    dag = dagbag.dags[dag_id]
    assert dag.doc_md and dag.tags and dag.dagrun_timeout
    callback = dag.on_failure_callback
    callbacks = callback if isinstance(callback, list) else [callback]
    assert any(isinstance(callback, FinanceFailureNotifier) for callback in callbacks)
    for task in dag.tasks:
        assert task.owner in ("finance", "data-engineering"), task.task_id
        assert task.retries >= 2 and task.execution_timeout, task.task_id


def test_graphs_of_more_than_a_handful_of_tasks_are_grouped(dagbag: Any) -> None:
    sync = dagbag.dags["stripe_sync"]
    assert set(sync.task_group.children) >= {"extraction", "validation"}
    extraction = sync.task_group_dict["extraction"]
    assert extraction.children.keys() == {"plan_resources", "extract", "itemise_payouts"}
    deposits = dagbag.dags["netsuite_deposits"]
    assert set(deposits.task_group_dict["review"].children) == {
        "review.gate", "review.approve_deposit", "review.write_reviewed"}


@pytest.mark.parametrize(
    ("dag_id", "name", "value"),
    [
        ("netsuite_payments", "since", "yesterday"),
        ("netsuite_payments", "since", "2026-02-30"),
        ("netsuite_payments", "until", "end of October"),
        ("netsuite_payments", "stripe_ids", ["ch_1<script>"]),
        ("netsuite_payments", "stripe_ids", "ch_1"),
        ("stripe_sync", "resources", ["charges", "nope"]),
        ("stripe_sync", "resources", []),
        ("stripe_sync", "resources", ["charges", "charges"]),
        ("stripe_sync", "full_rescan", "yes"),
        ("netsuite_deposits", "payout_ids", ["ch_1NotAPayout"]),
    ],
    ids=str,
)
def test_params_refuse_bad_values(dagbag: Any, dag_id: str, name: str, value: Any) -> None:
    from airflow.sdk.definitions.param import ParamValidationError

    params = copy.deepcopy(dagbag.dags[dag_id].params)
    with pytest.raises(ParamValidationError, match=f"param {name}"):
        params[name] = value


def test_params_accept_a_backfill_and_a_rescan(dagbag: Any) -> None:
    payments = copy.deepcopy(dagbag.dags["netsuite_payments"].params)
    payments["since"], payments["until"], payments["stripe_ids"] = "2026-10-01", "2026-10-31", ["ch_1Abc"]
    assert payments.validate() == {"since": "2026-10-01", "until": "2026-10-31", "stripe_ids": ["ch_1Abc"]}
    sync = copy.deepcopy(dagbag.dags["stripe_sync"].params)
    sync["full_rescan"], sync["resources"] = True, ["charges", "payouts"]
    assert sync.validate() == {"full_rescan": True, "resources": ["charges", "payouts"]}
