"""The netsuite_payments DAG: its shape, and dag.test() runs on both sandboxes (fast path, then a re-run)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import stripe

from tests.conftest import NETSUITE_TEST_ENV
from tests.dags.conftest import ROOT
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_sync_load import LEDGER_ENV
from tests.servers import RunningServer


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_netsuite_payments_is_scheduled_on_stripe_sync_and_loads_under_the_pool(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    dag = dagbag.dags["netsuite_payments"]
    # One task: a webhook run pays for one task process (migrate, fetch, validate, load), all under the pool.
    assert set(dag.task_ids) == {"load"}
    assert dag.max_active_runs == 1 and dag.catchup is False and dag.tags and dag.doc_md
    assert "stripe_netsuite://state/stripe_ready" in str(dag.timetable.asset_condition)
    load = dag.get_task("load")
    assert load.pool == "netsuite_api" and load.pool_slots >= 1
    assert load.retries >= 2 and load.execution_timeout and dag.dagrun_timeout
    assert {"stripe_ids", "since", "until"} <= set(dag.params)


@pytest.fixture
def netsuite_conn(netsuite_sandbox: RunningServer, monkeypatch: pytest.MonkeyPatch) -> NetSuiteSandboxClient:
    """netsuite_default points at the module's NetSuite sandbox; the ledger's accounts are the seed's."""
    extra = {
        "account_id": NETSUITE_TEST_ENV["NETSUITE_ACCOUNT_ID"],
        "consumer_key": NETSUITE_TEST_ENV["NETSUITE_CONSUMER_KEY"],
        "consumer_secret": NETSUITE_TEST_ENV["NETSUITE_CONSUMER_SECRET"],
    }
    monkeypatch.setenv(
        "AIRFLOW_CONN_NETSUITE_DEFAULT",
        json.dumps(
            {
                "conn_type": "netsuite",
                "host": netsuite_sandbox.url + "/services/rest",
                "login": NETSUITE_TEST_ENV["NETSUITE_TOKEN_ID"],
                "password": NETSUITE_TEST_ENV["NETSUITE_TOKEN_SECRET"],
                "extra": extra,
            }
        ),
    )
    for name, value in LEDGER_ENV.items():
        monkeypatch.setenv(name, value)
    return NetSuiteSandboxClient(netsuite_sandbox.url)


def _pay(client: stripe.StripeClient, amount: int, metadata: dict[str, str]) -> str:
    intent = client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": metadata,
        }
    )
    return str(intent.latest_charge)


@pytest.mark.slow
def test_dag_test_fast_path_loads_the_triggered_payments_and_notes_the_run(
    airflow_db: Path,
    stripe_conn: RunningServer,
    netsuite_conn: NetSuiteSandboxClient,
    state_db: str,
    stripe_client: stripe.StripeClient,
    tmp_path: Path,
) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    from dags.netsuite_payments import netsuite_payments_dag

    # Invoice 1001 (Acme, USD 1,500.00 open) paid in full; a payment on account for Initech.
    paid = _pay(stripe_client, 150000, {"netsuite_customer_id": "102", "netsuite_invoice_id": "1001"})
    on_account = _pay(stripe_client, 2500, {"netsuite_customer_id": "104"})
    stripe_client.v1.refunds.create(params={"charge": on_account, "amount": 1000})

    run = netsuite_payments_dag.test(run_conf={"stripe_ids": [paid, on_account]})

    assert run.state == DagRunState.SUCCESS
    with create_session() as session:
        note = session.query(DagRun).filter(DagRun.run_id == run.run_id).one().note
    assert note and note.startswith("netsuite_payments: loaded 3, unchanged 0, failed 0")
    rows = netsuite_conn.rows(
        "SELECT t.externalid, t.entity, t.foreigntotal FROM transaction t WHERE t.externalid IS NOT NULL"
        " AND t.type IN ('CustPymt', 'CustRfnd') ORDER BY t.id"
    )
    found = {r["externalid"]: (str(r["entity"]), Decimal(str(r["foreigntotal"]))) for r in rows}
    assert found[paid] == ("102", Decimal("1500.00")) and found[on_account] == ("104", Decimal("25.00"))
    assert len([key for key in found if key.startswith("re_")]) == 1
    invoice = netsuite_conn.get("invoice", "1001")
    assert Decimal(str(invoice["amountRemaining"])) == 0
    assert list((tmp_path / "reports" / "netsuite_payments").glob("*.md"))
    # The run's finance report: what it loaded, as HTML, XLSX and CSV, listed in the Finance view.
    from stripe_netsuite.reports.files import list_reports

    (report,) = [entry for entry in list_reports(tmp_path / "reports") if entry.run_id == run.run_id]
    assert report.kind == "run" and report.dag_id == "netsuite_payments"
    assert {"report.html", "report.xlsx", "payments_by_day.csv"} <= set(report.files)
    html = report.html.read_text()
    assert paid in html and on_account in html and "$1,500.00" in html
    assert stripe_client.v1.charges.retrieve(paid).metadata["netsuite_customer_payment_id"]

    again = netsuite_payments_dag.test(run_conf={"stripe_ids": [paid, on_account]})
    assert again.state == DagRunState.SUCCESS
    with create_session() as session:
        note = session.query(DagRun).filter(DagRun.run_id == again.run_id).one().note
    assert note and note.startswith("netsuite_payments: loaded 0, unchanged 3, failed 0")

    # What the webhook handler sends: the event, whose object is looked up, fetched, validated and loaded.
    webhook_paid = _pay(stripe_client, 4525, {"netsuite_customer_id": "104", "netsuite_invoice_id": "1018"})
    event = stripe_client.v1.events.list(params={"type": "payment_intent.succeeded", "limit": 1}).data[0]
    triggered = netsuite_payments_dag.test(run_conf={"stripe_event_id": event.id})
    assert triggered.state == DagRunState.SUCCESS
    with create_session() as session:
        note = session.query(DagRun).filter(DagRun.run_id == triggered.run_id).one().note
    assert note and note.startswith("netsuite_payments: loaded 1, unchanged 0, failed 0")
    assert stripe_client.v1.charges.retrieve(webhook_paid).metadata["netsuite_customer_payment_id"]

    # A payment the webhook handler reported while a run waited in the queue: that run loads it too (no run
    # queued behind it), and nothing is left for the dispatcher to ask for.
    from stripe_netsuite.store import get_engine
    from stripe_netsuite.store.engine import session_scope
    from stripe_netsuite.store.load_requests import pending_loads, request_loads

    reported = _pay(stripe_client, 1200, {"netsuite_customer_id": "104"})
    intent = str(stripe_client.v1.charges.retrieve(reported).payment_intent)
    with session_scope(get_engine()) as session:
        request_loads(session, "netsuite_payments", [intent], "evt_while_queued", datetime.now(UTC))
    claimed = netsuite_payments_dag.test(run_conf={"stripe_ids": [webhook_paid]})
    assert claimed.state == DagRunState.SUCCESS
    with create_session() as session:
        note = session.query(DagRun).filter(DagRun.run_id == claimed.run_id).one().note
    assert note and note.startswith("netsuite_payments: loaded 1, unchanged 1, failed 0")
    assert stripe_client.v1.charges.retrieve(reported).metadata["netsuite_customer_payment_id"]
    assert pending_loads(get_engine(), "netsuite_payments", 10) == []


@pytest.mark.slow
def test_a_refund_that_fails_later_is_booked_by_the_fast_path_from_its_webhook(
    airflow_db: Path,
    stripe_conn: RunningServer,
    netsuite_conn: NetSuiteSandboxClient,
    state_db: str,
    stripe_client: stripe.StripeClient,
) -> None:
    """`charge.refund.updated` reports the refund; the run it triggers books the money coming back (a
    customer payment `rf-<refund id>` of the refund's amount) without waiting for a stripe_sync."""
    import requests
    from airflow.utils.state import DagRunState

    from dags.netsuite_payments import netsuite_payments_dag
    from stripe_netsuite.payments.events import reported_ids

    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 5000,
            "currency": "usd",
            "payment_method": "pm_card_refundFail",  # Stripe's ...5126: its refunds fail later
            "confirm": True,
            "metadata": {"netsuite_customer_id": "104"},
        }
    )
    charge = str(intent.latest_charge)
    refund = stripe_client.v1.refunds.create(params={"charge": charge, "amount": 2000})
    assert netsuite_payments_dag.test(run_conf={"stripe_ids": [charge]}).state == DagRunState.SUCCESS

    advance = requests.post(f"{stripe_conn.url}/_sandbox/clock/advance", json={"hours": 1}, timeout=60)
    advance.raise_for_status()
    failed = stripe_client.v1.refunds.retrieve(refund.id)
    assert failed.status == "failed"
    (event,) = [
        e
        for e in stripe_client.v1.events.list(params={"type": "charge.refund.updated", "limit": 100}).data
        if e.data.object["id"] == refund.id
    ]
    ids = reported_ids(event.to_dict())  # what the webhook handler records, and the dispatcher sends
    assert ids == [refund.id]
    assert netsuite_payments_dag.test(run_conf={"stripe_ids": ids}).state == DagRunState.SUCCESS

    rows = netsuite_conn.rows(
        "SELECT t.externalid, t.entity, t.foreigntotal FROM transaction t WHERE t.type = 'CustPymt'"
        f" AND t.externalid = 'rf-{refund.id}'"
    )
    assert [(str(r["entity"]), Decimal(str(r["foreigntotal"]))) for r in rows] == [
        ("104", Decimal(failed.amount).scaleb(-2))
    ]
