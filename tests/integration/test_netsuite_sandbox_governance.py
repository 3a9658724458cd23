"""Concurrency limit, injected faults, control routes and persistence of the NetSuite sandbox."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import NETSUITE_TEST_ENV
from tests.integration.conftest import NetSuiteSandboxClient, error_of, tba_auth
from tests.servers import ROOT, run_sandbox

QUIET = {
    "concurrency_limit": 5,
    "latency_ms": 0,
    "jitter_ms": 0,
    "fault_rate": 0,
    "fault_kinds": ["500"],
    "fault_phase": "before",
}


@pytest.fixture(autouse=True)
def quiet_sandbox(ns: NetSuiteSandboxClient) -> Iterator[None]:
    """Each test starts and ends with no latency, no faults and the default limit."""
    ns.control("POST", "/config", QUIET)
    yield
    ns.control("POST", "/config", QUIET)


def test_burst_above_the_limit_gets_429_and_admitted_concurrency_stays_within_it(
    ns: NetSuiteSandboxClient,
) -> None:
    ns.control("POST", "/config", {"concurrency_limit": 2, "latency_ms": 400})
    ns.control("POST", "/stats/reset")
    workers = 10
    barrier = threading.Barrier(workers)
    statuses: list[int] = []
    codes: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        session = requests.Session()
        barrier.wait()
        response = session.get(ns.base + "/record/v1/customer/102", auth=tba_auth(), timeout=60)
        with lock:
            statuses.append(response.status_code)
            if response.status_code == 429:
                codes.append(error_of(response)["o:errorCode"])

    threads = [threading.Thread(target=call) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {200, 429}
    assert statuses.count(429) >= 1 and statuses.count(200) >= 2
    assert set(codes) == {"CONCURRENCY_LIMIT_EXCEEDED"}
    stats = ns.control("GET", "/stats")
    assert 1 <= stats["peak_concurrency"] <= 2
    assert stats["rejected_429"] == statuses.count(429)


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("503", 503), ("429", 429)])
def test_injected_http_faults_have_the_configured_status(
    ns: NetSuiteSandboxClient, kind: str, status: int
) -> None:
    ns.control("POST", "/config", {"fault_rate": 1, "fault_kinds": [kind]})
    response = ns.request("GET", "/record/v1/customer/102")
    assert response.status_code == status
    assert error_of(response)["o:errorCode"]


def test_injected_drop_closes_the_connection_without_an_answer(ns: NetSuiteSandboxClient) -> None:
    ns.control("POST", "/config", {"fault_rate": 1, "fault_kinds": ["drop"]})
    with pytest.raises(requests.ConnectionError):
        requests.get(ns.base + "/record/v1/customer/102", auth=tba_auth(), timeout=30)
    ns.control("POST", "/config", {"fault_rate": 0})
    assert ns.request("GET", "/record/v1/customer/102").status_code == 200
    log = ns.control("GET", "/requests?limit=5")["requests"]
    assert any(entry["status"] == "dropped" for entry in log)


def test_fault_after_commit_writes_but_fault_before_does_not(ns: NetSuiteSandboxClient) -> None:
    body = {"customer": {"id": "102"}, "payment": 5}
    ns.control("POST", "/config", {"fault_rate": 1, "fault_kinds": ["500"], "fault_phase": "after"})
    assert ns.request("PUT", "/record/v1/customerPayment/eid:ch_FAULT_AFTER", json=body).status_code == 500
    ns.control("POST", "/config", {"fault_phase": "before"})
    assert ns.request("PUT", "/record/v1/customerPayment/eid:ch_FAULT_BEFORE", json=body).status_code == 500
    ns.control("POST", "/config", {"fault_rate": 0})
    assert ns.request("GET", "/record/v1/customerPayment/eid:ch_FAULT_AFTER").status_code == 200
    assert ns.request("GET", "/record/v1/customerPayment/eid:ch_FAULT_BEFORE").status_code == 404


def test_fault_seed_makes_faults_reproducible(ns: NetSuiteSandboxClient) -> None:
    def run() -> list[int]:
        ns.control("POST", "/config", {"fault_rate": 0.5, "fault_kinds": ["500", "503"], "fault_seed": 42})
        return [ns.request("GET", "/record/v1/currency/1").status_code for _ in range(16)]

    first, second = run(), run()
    assert first == second
    assert {200, 500, 503} >= set(first) and len(set(first)) > 1
    stats = ns.control("GET", "/stats")
    assert (
        stats["faults_injected"] >= 2 and stats["faults_by_kind"]["500"] + stats["faults_by_kind"]["503"] >= 2
    )


def test_bad_config_is_refused(ns: NetSuiteSandboxClient) -> None:
    for bad in ({"fault_kinds": ["404"]}, {"fault_rate": 2}, {"fault_phase": "during"}, {"colour": "red"}):
        response = requests.post(ns.url + "/_sandbox/config", json=bad, timeout=30)
        assert response.status_code == 400


def test_request_log_lists_method_path_query_and_status(ns: NetSuiteSandboxClient) -> None:
    ns.request("GET", "/record/v1/customer", params={"limit": 3})
    entry = ns.control("GET", "/requests?limit=1")["requests"][-1]
    assert (entry["method"], entry["path"], entry["query"], entry["status"]) == (
        "GET",
        "/services/rest/record/v1/customer",
        "limit=3",
        200,
    )


def test_state_survives_restart_and_reset_empties_it(tmp_path: Path) -> None:
    data = tmp_path / "ns-data"
    with run_sandbox("netsuite_sandbox", data, env=NETSUITE_TEST_ENV, extra_args=("--seed",)) as server:
        client = NetSuiteSandboxClient(server.url)
        customer = client.create("customer", {"companyName": "Persistent Co", "externalId": "cus_PERSIST"})
        invoice = client.create(
            "invoice", {"entity": {"id": customer}, "item": {"items": [{"item": {"id": "1"}, "rate": 42}]}}
        )
    with run_sandbox("netsuite_sandbox", data, env=NETSUITE_TEST_ENV, extra_args=("--seed",)) as server:
        client = NetSuiteSandboxClient(server.url)
        assert client.get("customer", "eid:cus_PERSIST")["balance"] == 42
        assert client.get("invoice", invoice)["total"] == 42
        assert (
            client.rows("SELECT COUNT(*) AS n FROM customer WHERE companyname = 'Acme Corporation'")[0]["n"]
            == "1"
        )
        client.control("POST", "/reset", {"seed": True})
        assert client.request("GET", "/record/v1/customer/eid:cus_PERSIST").status_code == 404
        assert client.get("customer", "102")["companyName"] == "Acme Corporation"
    subprocess.run(
        [sys.executable, "-m", "netsuite_sandbox", "reset", "--data", str(data)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )
    with run_sandbox("netsuite_sandbox", data, env=NETSUITE_TEST_ENV) as server:
        assert NetSuiteSandboxClient(server.url).rows("SELECT COUNT(*) AS n FROM customer")[0]["n"] == "0"
