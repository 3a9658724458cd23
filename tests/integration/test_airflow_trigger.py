"""The Airflow trigger against an HTTP stand-in for Airflow 3's REST API: it says only what is true, once."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.e2e import webapp_support
from tests.e2e.webapp_support import event_body, sign
from webapp.airflow_api import AirflowTrigger

make_app = webapp_support.make_app  # the shared fixture, registered in this module

LOGGER = "webapp.airflow_api"


class Airflow:
    """Airflow 3's /auth/token and dagRuns for the DAGs it has; others answer 404 as Airflow does."""

    def __init__(self, dags: set[str]) -> None:
        self.dags = dags
        self.calls: list[str] = []
        self.server = make_server("127.0.0.1", 0, self.app)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.calls.append(request.path)
        if request.path == "/auth/token":
            body, status = {"access_token": "jwt"}, 201
        else:
            dag_id = request.path.split("/")[4]
            if dag_id in self.dags:
                body, status = {"dag_run_id": "manual__1", "state": "queued"}, 200
            else:
                body, status = {"detail": f"The Dag with dag_id: `{dag_id}` was not found"}, 404
        return Response(json.dumps(body), status=status, mimetype="application/json")(environ, start_response)


@pytest.fixture
def airflow() -> Iterator[Airflow]:
    fake = Airflow({"stripe_sync"})
    yield fake
    fake.server.shutdown()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def test_a_dag_airflow_does_not_have_is_reported_once_and_asked_about_rarely(
    airflow: Airflow, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    trigger = AirflowTrigger(airflow.url, "admin", "pw", recheck_after=60, clock=clock)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        results = [trigger.trigger("netsuite_payments", {"stripe_event_id": f"evt_{n}"}) for n in range(50)]
    assert results == [False] * 50
    said = lines(caplog)
    assert len(said) == 1, said
    assert "has no DAG netsuite_payments" in said[0] and "not triggered" in said[0]
    assert not any("schedule will pick" in line for line in said)
    assert airflow.calls.count("/api/v2/dags/netsuite_payments/dagRuns") == 1
    # A minute later Airflow is asked again (the DAG may have been deployed); still missing: nothing new said.
    clock.now += 61
    assert trigger.trigger("netsuite_payments") is False
    assert airflow.calls.count("/api/v2/dags/netsuite_payments/dagRuns") == 2
    assert len(lines(caplog)) == 1
    # Once the DAG exists, the next ask after the wait triggers it and says so.
    airflow.dags.add("netsuite_payments")
    clock.now += 61
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert trigger.trigger("netsuite_payments") is True
    assert lines(caplog)[1:] == [
        "Airflow DAG netsuite_payments can be triggered again",
        "triggered Airflow DAG netsuite_payments",
    ]


def test_other_dags_are_still_triggered_while_one_is_missing(airflow: Airflow) -> None:
    trigger = AirflowTrigger(airflow.url, "admin", "pw")
    assert trigger.trigger("netsuite_deposits") is False
    assert trigger.trigger("stripe_sync") is True
    assert airflow.calls[-1] == "/api/v2/dags/stripe_sync/dagRuns"


def test_an_unreachable_airflow_is_reported_once_until_the_reason_changes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as unused:  # a port nobody listens on: connection refused at once
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    trigger = AirflowTrigger(f"http://127.0.0.1:{port}", "admin", "pw")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert not any(trigger.trigger("netsuite_payments") for _ in range(20))
    said = lines(caplog)
    assert len(said) == 1, said
    assert "could not trigger Airflow DAG netsuite_payments" in said[0] and "ConnectionError" in said[0]
    assert "schedule will pick" not in said[0]


def test_a_burst_of_webhooks_for_dags_airflow_lacks_logs_one_line_per_dag(
    make_app: Any, airflow: Airflow, caplog: pytest.LogCaptureFixture
) -> None:
    """The demo's first minute: hundreds of seeded events while the loading DAGs do not exist yet."""
    app = make_app(AIRFLOW_API_URL=airflow.url, AIRFLOW_API_USER="admin", AIRFLOW_API_PASSWORD="pw")
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for number in range(40):
            kind = "payout.paid" if number % 2 else "charge.refunded"
            prefix = "po" if number % 2 else "ch"
            obj = {"id": f"{prefix}_{number}", "object": kind.split(".")[0]}
            body = event_body(kind, obj, f"evt_burst_{number}")
            response = client.post(
                "/webhooks/stripe",
                data=body,
                headers={"Content-Type": "application/json", "Stripe-Signature": sign(body)},
            )
            assert response.status_code == 200
        deadline = time.monotonic() + 10  # asked from the dispatcher's thread, after the answers
        while len(lines(caplog)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    said = lines(caplog)
    tail = (
        "so it is not triggered; the Stripe events stay recorded in the state DB "
        "(asked again at most every 60 s)"
    )
    assert sorted(said) == [
        f"Airflow at {airflow.url} has no DAG {dag}, {tail}"
        for dag in ("netsuite_deposits", "netsuite_payments")
    ], said
