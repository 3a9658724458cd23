"""NetSuiteClient under load against the sandbox: paging thousands of rows, bursts at the concurrency limit,
a client that overshoots the account's limit, and injected faults that must not duplicate or lose writes."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
import requests

from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings
from tests.servers import RunningServer

pytestmark = pytest.mark.slow

CALM = {"concurrency_limit": 5, "latency_ms": 0, "jitter_ms": 0, "fault_rate": 0.0, "fault_kinds": ["500"],
        "fault_phase": "before", "fault_seed": None}


def control(server: RunningServer, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    url = f"{server.url}/_sandbox/{route}"
    answer = requests.post(url, json=body, timeout=120) if body is not None else requests.get(url, timeout=10)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


@pytest.fixture
def sandbox(netsuite_sandbox: RunningServer) -> Iterator[RunningServer]:
    """The module's sandbox with calm settings and fresh counters, calm again afterwards."""
    control(netsuite_sandbox, "config", CALM)
    control(netsuite_sandbox, "stats/reset", {})
    yield netsuite_sandbox
    control(netsuite_sandbox, "config", CALM)


def make_client(netsuite_env: dict[str, str], limit: int = 5, **changes: Any) -> NetSuiteClient:
    settings = replace(NetSuiteSettings.from_env(netsuite_env), concurrency_limit=limit, **changes)
    return NetSuiteClient(settings, limiter=ConcurrencyLimiter(limit))


def customer(external_id: str, name: str) -> dict[str, Any]:
    return {"companyName": name, "externalId": external_id, "email": f"{external_id}@example.com",
            "currency": {"id": "1"}, "subsidiary": {"id": "1"}}


def count_by_external_id(client: NetSuiteClient, prefix: str) -> Counter[str]:
    rows = client.suiteql(
        f"SELECT externalid, COUNT(*) AS n FROM customer WHERE externalid LIKE '{prefix}%' "
        "GROUP BY externalid ORDER BY externalid"
    )
    return Counter({row["externalid"]: int(row["n"]) for row in rows})


def test_suiteql_paging_returns_every_row_exactly_once(
    sandbox: RunningServer, netsuite_env: dict[str, str]
) -> None:
    control(sandbox, "seed", {"scale_customers": 200, "scale_invoices": 2600})
    with make_client(netsuite_env) as client:
        (total,) = client.suiteql("SELECT COUNT(*) AS n FROM transaction")
        ids = [row["id"] for row in client.suiteql("SELECT id FROM transaction ORDER BY id")]
        assert len(ids) == int(total["n"]) > 2500
        assert len(set(ids)) == len(ids)
        assert client.stats.requests == 1 + -(-len(ids) // 1000)  # the count, then one request per page

        smaller = client.suiteql("SELECT id FROM transaction ORDER BY id", page_size=700)
        assert [row["id"] for row in smaller] == ids

        customers = list(client.list("customer"))
        assert len(customers) == len(set(customers)) >= 210


def test_burst_at_the_limit_finishes_without_429(
    sandbox: RunningServer, netsuite_env: dict[str, str]
) -> None:
    control(sandbox, "config", {"concurrency_limit": 5, "latency_ms": 40, "jitter_ms": 20})
    prefix = f"burst-{uuid.uuid4().hex[:8]}-"
    with make_client(netsuite_env, limit=5) as client:

        def operation(n: int) -> str:
            if n % 2:
                return str(client.get("customer", 101 + n % 10)["id"])
            return client.upsert("customer", f"{prefix}{n}", customer(f"{prefix}{n}", f"Burst {n}"))

        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(operation, range(80)))
        assert len(results) == 80
        stats = control(sandbox, "stats")
        assert stats["peak_concurrency"] <= 5
        assert stats["rejected_429"] == 0
        assert client.stats.peak_in_flight <= 5
        assert client.stats.failures == 0
        assert count_by_external_id(client, prefix) == Counter({f"{prefix}{n}": 1 for n in range(0, 80, 2)})


def test_client_over_the_account_limit_backs_off_and_finishes(
    sandbox: RunningServer, netsuite_env: dict[str, str]
) -> None:
    """Another integration holds part of the account's budget: the client sees 429s, shrinks, finishes."""
    control(sandbox, "config", {"concurrency_limit": 3, "latency_ms": 40})
    with make_client(netsuite_env, limit=10, max_retries=8) as client:
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(lambda n: client.get("customer", 101 + n % 10), range(60)))
        assert len(results) == 60
        assert client.stats.rate_limited > 0
        assert client.stats.failures == 0
        assert client.limiter.effective_limit < 10
    assert control(sandbox, "stats")["peak_concurrency"] <= 3


@pytest.mark.parametrize("phase", ["before", "after"])
def test_faults_never_lose_or_duplicate_upserts(
    sandbox: RunningServer, netsuite_env: dict[str, str], phase: str
) -> None:
    control(sandbox, "config", {"concurrency_limit": 5, "latency_ms": 5, "fault_rate": 0.2,
                                "fault_kinds": ["500", "503", "429", "drop"], "fault_phase": phase,
                                "fault_seed": 7})
    prefix = f"fault-{phase}-{uuid.uuid4().hex[:8]}-"
    operations = 40
    with make_client(netsuite_env, limit=5, max_retries=8) as client:

        def write(n: int) -> str:
            return client.upsert("customer", f"{prefix}{n}", customer(f"{prefix}{n}", f"Faulty {n}"))

        with ThreadPoolExecutor(max_workers=10) as pool:
            internal_ids = list(pool.map(write, range(operations)))
        stats = control(sandbox, "stats")
        assert all(stats["faults_by_kind"][kind] > 0 for kind in ("500", "503", "429", "drop")), stats
        assert client.stats.retries >= stats["faults_injected"]  # each fault was answered by a retry
        assert client.stats.failures == 0
        control(sandbox, "config", {"fault_rate": 0.0})

        counts = count_by_external_id(client, prefix)
        assert counts == Counter({f"{prefix}{n}": 1 for n in range(operations)})
        assert len(set(internal_ids)) == operations
        found = [client.find_by_external_id("customer", f"{prefix}{n}") for n in range(operations)]
        assert found == internal_ids
