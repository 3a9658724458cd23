"""One retry layer per kind of failure, counted on the wire: the sandboxes inject faults (POST
/_sandbox/config) and their request logs show how many requests actually reached the server.

The numbers expected here come from stripe_netsuite.retries, the one home of the retry policy; the waits are
recorded instead of slept (the layers' sleep is looked up per call), and a recorded wait can end the faults,
so "two faults, then success" is exactly that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe
from sqlalchemy import Engine

from stripe_netsuite import retries
from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteServerError, NetSuiteSettings
from stripe_netsuite.netsuite import retry as netsuite_retry
from stripe_netsuite.netsuite.errors import NetSuiteRateLimitError
from stripe_netsuite.store import dispose_engines, get_engine, migrate
from stripe_netsuite.stripe_api import StripeSettings, extract_resource
from stripe_netsuite.stripe_api import budget as stripe_budget
from tests.conftest import STRIPE_TEST_KEY
from tests.servers import RunningServer

ROOT = Path(__file__).resolve().parents[2]
CALM_STRIPE = {"fault_rate": 0.0, "fault_kinds": ["500"], "latency_ms": 0, "fault_seed": None}
CALM_NETSUITE = {"fault_rate": 0.0, "fault_kinds": ["500"], "fault_phase": "before", "latency_ms": 0,
                 "jitter_ms": 0, "fault_seed": None}  # fmt: skip


def control(server: RunningServer, route: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{server.url}/_sandbox/{route}"
    answer = requests.post(url, json=body, timeout=60) if body is not None else requests.get(url, timeout=60)
    answer.raise_for_status()
    return answer.json()


class Waits:
    """Stands in for a layer's sleep: records each wait; `on_wait` may change the sandbox between tries."""

    def __init__(self, on_wait: Callable[[int], None] | None = None) -> None:
        self.seconds: list[float] = []
        self.on_wait = on_wait

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self.on_wait:
            self.on_wait(len(self.seconds))


# ---------------------------------------------------------------------------------------------- Stripe


@pytest.fixture
def stripe_server(stripe_sandbox: RunningServer) -> Iterator[RunningServer]:
    control(stripe_sandbox, "config", CALM_STRIPE)
    yield stripe_sandbox
    control(stripe_sandbox, "config", CALM_STRIPE)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'connector.db'}"
    migrate(url)
    yield get_engine(url)
    dispose_engines()


def stripe_log_since(server: RunningServer, seq: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = control(server, f"requests?since={seq}")["requests"]
    return [entry for entry in entries if entry["path"].startswith("/v1/")]


def last_stripe_seq(server: RunningServer) -> int:
    entries = control(server, "requests?since=0")["requests"]
    seq = 0
    while entries:  # the log pages by 1000
        seq = entries[-1]["seq"]
        entries = control(server, f"requests?since={seq}")["requests"]
    return int(seq)


def extract(server: RunningServer, engine: Engine, key: str = STRIPE_TEST_KEY) -> dict[str, Any]:
    # The defaults of StripeSettings: stripe-python's own retries as the connector ships them.
    settings = StripeSettings(key, server.url)
    return extract_resource(settings, "refunds", engine, now=datetime.now(UTC), run_id="retry-layers")


@pytest.mark.parametrize("kind", ["500", "429", "drop"])
def test_stripe_faults_forever_an_extraction_sends_exactly_the_backoffs_attempts(
    stripe_server: RunningServer, engine: Engine, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    waits = Waits()
    monkeypatch.setattr(stripe_budget, "_sleep", waits)
    control(stripe_server, "config", {"fault_rate": 1.0, "fault_kinds": [kind]})
    before = last_stripe_seq(stripe_server)
    with pytest.raises(stripe.StripeError):
        extract(stripe_server, engine)
    sent = stripe_log_since(stripe_server, before)
    # 6 = 1 + 5 retries of the client layer; stripe-python retried none of them (else 6 x 4 = 24).
    assert len(sent) == retries.STRIPE.attempts == 6
    assert len({(entry["method"], entry["path"]) for entry in sent}) == 1  # the same read, again and again
    assert len(waits.seconds) == retries.STRIPE.max_retries
    ceilings = [min(retries.STRIPE.max_delay, retries.STRIPE.base_delay * 2**n) for n in range(5)]
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(waits.seconds, ceilings, strict=True))


def test_stripe_two_faults_then_success_is_exactly_three_requests(
    stripe_server: RunningServer, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def heal_after_two(waited: int) -> None:
        if waited == 2:
            control(stripe_server, "config", {"fault_rate": 0.0})

    monkeypatch.setattr(stripe_budget, "_sleep", Waits(heal_after_two))
    control(stripe_server, "config", {"fault_rate": 1.0, "fault_kinds": ["500"]})
    before = last_stripe_seq(stripe_server)
    result = extract(stripe_server, engine)
    sent = stripe_log_since(stripe_server, before)
    first = (sent[0]["method"], sent[0]["path"])
    tries = [entry for entry in sent[:3] if (entry["method"], entry["path"]) == first]
    assert [entry["status"] for entry in tries] == [500, 500, 200]
    assert [entry["status"] for entry in sent].count(500) == 2  # nothing else failed or was repeated
    assert result["requests"] == len(sent)  # the run's own count agrees with the server's


def test_stripe_refused_key_is_not_retried_by_any_layer(
    stripe_server: RunningServer, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stripe_budget, "_sleep", lambda seconds: pytest.fail("must not wait"))
    before = last_stripe_seq(stripe_server)
    with pytest.raises(stripe.AuthenticationError):
        extract(stripe_server, engine, key="sk_test_not_the_sandbox_key_000")
    assert len(stripe_log_since(stripe_server, before)) == 1


# -------------------------------------------------------------------------------------------- NetSuite


@pytest.fixture
def netsuite_server(netsuite_sandbox: RunningServer) -> Iterator[RunningServer]:
    control(netsuite_sandbox, "config", CALM_NETSUITE)
    control(netsuite_sandbox, "stats/reset", {})  # also empties the request log
    yield netsuite_sandbox
    control(netsuite_sandbox, "config", CALM_NETSUITE)


def netsuite_log(server: RunningServer) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = control(server, "requests?limit=1000")["requests"]
    return entries


def netsuite_client(netsuite_env: dict[str, str]) -> NetSuiteClient:
    # The client as tasks build it: the retry policy is the settings' default (retries.NETSUITE).
    return NetSuiteClient(NetSuiteSettings.from_env(netsuite_env), limiter=ConcurrencyLimiter(5))


@pytest.mark.parametrize(
    ("kind", "error"), [("500", NetSuiteServerError), ("429", NetSuiteRateLimitError)], ids=["500", "429"]
)
def test_netsuite_faults_forever_a_read_sends_exactly_the_policys_attempts(
    netsuite_server: RunningServer,
    netsuite_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    error: type[Exception],
) -> None:
    waits = Waits()
    monkeypatch.setattr(netsuite_retry, "_sleep", waits)
    control(netsuite_server, "config", {"fault_rate": 1.0, "fault_kinds": [kind]})
    with netsuite_client(netsuite_env) as client, pytest.raises(error):
        client.get("customer", 106)
    sent = netsuite_log(netsuite_server)
    assert len(sent) == retries.NETSUITE.attempts == 6
    assert {entry["path"] for entry in sent} == {"/services/rest/record/v1/customer/106"}
    assert len(waits.seconds) == retries.NETSUITE.max_retries


def test_netsuite_two_faults_then_success_is_exactly_three_requests(
    netsuite_server: RunningServer, netsuite_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def heal_after_two(waited: int) -> None:
        if waited == 2:
            control(netsuite_server, "config", {"fault_rate": 0.0})

    monkeypatch.setattr(netsuite_retry, "_sleep", Waits(heal_after_two))
    control(netsuite_server, "config", {"fault_rate": 1.0, "fault_kinds": ["503"]})
    with netsuite_client(netsuite_env) as client:
        assert client.get("customer", 106)["companyName"] == "Tanaka Trading K.K."
    assert [entry["status"] for entry in netsuite_log(netsuite_server)] == [503, 503, 200]


def test_netsuite_create_after_a_5xx_is_not_replayed(
    netsuite_server: RunningServer, netsuite_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A POST create may have happened behind a 5xx: no layer may send it again (upserts are replayable)."""
    monkeypatch.setattr(netsuite_retry, "_sleep", lambda seconds: pytest.fail("must not wait"))
    control(netsuite_server, "config", {"fault_rate": 1.0, "fault_kinds": ["500"], "fault_phase": "after"})
    body = {"companyName": "Retry Layers Ltd", "subsidiary": {"id": "1"}, "currency": {"id": "1"}}
    with netsuite_client(netsuite_env) as client, pytest.raises(NetSuiteServerError):
        client.create("customer", body)
    assert [entry["status"] for entry in netsuite_log(netsuite_server)] == [500]


def test_the_airflow_task_layer_is_the_policys() -> None:
    """Every task of stripe_sync retries as retries.AIRFLOW_TASK says: 3 tries, exponential waits.

    Airflow 3 reads retry_exponential_backoff as a multiplier; the `True` the DAG once set meant 1.0, i.e. a
    constant one-minute delay that nobody chose.
    """
    import importlib.util
    import os
    import tempfile

    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
    from airflow.sdk import DAG

    path = ROOT / "dags" / "stripe_sync.py"
    spec = importlib.util.spec_from_file_location("stripe_sync_dag_for_retries", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (dag,) = [value for value in vars(module).values() if isinstance(value, DAG)]
    for task in dag.tasks:
        assert task.retries == retries.AIRFLOW_TASK.retries == 2, task.task_id
        assert task.retry_delay == retries.AIRFLOW_TASK.retry_delay, task.task_id
        assert task.retry_exponential_backoff == 2.0, task.task_id
    # One task try repeats the client layers: the worst case is written down, not discovered.
    assert (1 + retries.AIRFLOW_TASK.retries) * retries.STRIPE.attempts == 18
