"""Review mode of netsuite_deposits: a reviewer approves one deposit and rejects another through Airflow's
REST API (a real api-server on this test's metadata DB) while dag.test() waits for the answers."""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import stripe

from tests.conftest import NETSUITE_TEST_ENV, STRIPE_TEST_KEY
from tests.dags.test_netsuite_payments_dag import netsuite_conn  # noqa: F401 (a fixture)
from tests.demo.demo_run import free_port
from tests.e2e.airflow_server import USER, AirflowServer, api_env, serve_api
from tests.integration.conftest import NetSuiteSandboxClient
from tests.integration.test_sync_load import ledger_settings, major, stripe_sync
from tests.servers import RunningServer

HITL = "/api/v2/dags/netsuite_deposits/dagRuns/~/hitlDetails"


def _answer(server: AirflowServer, choices: dict[str, str], seen: dict[str, dict[str, Any]],
            stop: threading.Event) -> None:  # fmt: skip
    """The reviewer: answer each request for a payout in `choices` once it appears, through the REST API."""
    api = server.api()
    while not stop.is_set() and len(seen) < len(choices):
        try:
            details = api.get(f"{server.url}{HITL}", timeout=30).json()["hitl_details"]
        except (requests.RequestException, ValueError, KeyError):  # not up yet, or busy: ask again
            time.sleep(1)
            continue
        for detail in details:
            payout = next((p for p in choices if p in detail["subject"]), None)
            if payout is None or payout in seen:
                continue
            ti = detail["task_instance"]
            url = (f"{server.url}/api/v2/dags/netsuite_deposits/dagRuns/{quote(ti['dag_run_id'], safe='')}"
                   f"/taskInstances/{ti['task_id']}/{ti['map_index']}/hitlDetails")  # fmt: skip
            answer = api.patch(url, json={"chosen_options": [choices[payout]]}, timeout=30)
            seen[payout] = {**detail, "status": answer.status_code, "answer": answer.json()}
        time.sleep(1)


@pytest.mark.slow
# Airflow's own task timeouts use SIGALRM, which silences pytest-timeout's default signal method: seen hanging
# a CI worker for 20 minutes. The thread method ends the worker instead, and xdist replaces it.
@pytest.mark.timeout(900, method="thread")
def test_a_reviewer_approves_one_deposit_and_rejects_another_through_the_rest_api(
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

    # A reviewer that never answers must fail this test in minutes, not wait out the DAG's 5 hours.
    approve = netsuite_deposits_dag.get_task("review.approve_deposit")
    monkeypatch.setitem(approve.partial_kwargs, "response_timeout", timedelta(minutes=5))
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
    # Review mode: every USD deposit above 0.00 waits for a reviewer.
    monkeypatch.setenv("DEPOSIT_REVIEW", "true")
    monkeypatch.setenv("DEPOSIT_REVIEW_ABOVE", "USD=0")
    paid = [
        p
        for p in stripe_client.v1.payouts.list(params={"limit": 100}).auto_paging_iter()
        if p.status == "paid" and p.automatic and p.amount > 0 and p.currency == "usd"
    ]
    assert len(paid) >= 2, "the seeded world has two paid USD payouts"
    approved, rejected = paid[0], paid[1]
    charges = {
        txn.source
        for txn in stripe_client.v1.balance_transactions.list(
            params={"payout": approved.id, "limit": 100}).auto_paging_iter()
        if txn.type in ("charge", "payment")
    }  # fmt: skip

    port, password = free_port(), secrets.token_urlsafe(12)
    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps({USER: password}))
    seen: dict[str, dict[str, Any]] = {}
    stop = threading.Event()
    with serve_api({**os.environ, **api_env(port, passwords)}, tmp_path, port, password) as server:
        reviewer = threading.Thread(
            target=_answer, args=(server, {approved.id: "Approve", rejected.id: "Reject"}, seen, stop),
            daemon=True,
        )
        reviewer.start()
        try:
            run = netsuite_deposits_dag.test(run_conf={"payout_ids": [approved.id, rejected.id]})
        finally:
            stop.set()
            reviewer.join(timeout=60)

    assert {p: seen[p]["status"] for p in seen} == {approved.id: 200, rejected.id: 200}
    request = seen[approved.id]
    assert request["options"] == ["Approve", "Reject"]
    # The request shows the deposit's lines: one per charge of the payout, and the total.
    assert all(charge in request["body"] for charge in charges), request["body"]
    assert "above the review amount of 0 USD" in request["body"]
    assert f"{Decimal(approved.amount) / 100:,.2f}" in request["body"]

    assert run.state == DagRunState.SUCCESS
    deposits = netsuite_conn.rows(
        "SELECT t.externalid, t.foreigntotal FROM transaction t"
        " WHERE t.type = 'Deposit' AND t.externalid IS NOT NULL"
    )
    written = {r["externalid"]: Decimal(str(r["foreigntotal"])) for r in deposits}
    # The approved deposit is written, the rejected one is not.
    assert written == {approved.id: major(approved.amount, approved.currency)}

    with create_session() as session:
        note = session.query(DagRun).filter(DagRun.run_id == run.run_id).one().note
    assert note and note.startswith("netsuite_deposits: deposited 1 (USD "), note
    report = json.loads(next((tmp_path / "reports" / "netsuite_deposits").glob("*.json")).read_text())
    (problem,) = report["problems"]
    assert (problem["payout_id"], problem["status"], problem["code"]) == (rejected.id, "blocked",
                                                                          "rejected_in_review")  # fmt: skip
    assert f"rejected in review by {USER}" in problem["reason"]
    assert datetime.now(UTC).date().isoformat() in problem["reason"]
