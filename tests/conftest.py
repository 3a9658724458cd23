"""Shared fixtures: the two sandboxes as real servers on 127.0.0.1, started per test module; PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.postgres import ENV_URL as POSTGRES_ENV_URL
from tests.postgres import Schemas, postgres_server
from tests.servers import RunningServer, run_sandbox

# Test-only TBA credentials: the NetSuite sandbox accepts exactly these (passed through NETSUITE_* variables).
NETSUITE_TEST_ENV = {
    "NETSUITE_ACCOUNT_ID": "1234567_SB1",
    "NETSUITE_CONSUMER_KEY": "ck-test-0123456789abcdef",
    "NETSUITE_CONSUMER_SECRET": "cs-test-fedcba9876543210",
    "NETSUITE_TOKEN_ID": "tk-test-00112233445566",
    "NETSUITE_TOKEN_SECRET": "ts-test-66554433221100",
}

SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


@pytest.fixture(scope="module")
def netsuite_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A seeded NetSuite sandbox; `url` is the server root, the REST base is `url + '/services/rest'`."""
    data_dir = tmp_path_factory.mktemp("netsuite-sandbox")
    with run_sandbox("netsuite_sandbox", data_dir, env=NETSUITE_TEST_ENV, extra_args=("--seed",)) as server:
        yield server


@pytest.fixture(scope="module")
def netsuite_env(netsuite_sandbox: RunningServer) -> dict[str, str]:
    """The NETSUITE_* settings a client needs to reach the module's sandbox."""
    return {**NETSUITE_TEST_ENV, "NETSUITE_BASE_URL": netsuite_sandbox.url + "/services/rest"}


STRIPE_TEST_KEY = "sk_test_connector_suite_0000000000"


@pytest.fixture(scope="module")
def stripe_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """An empty Stripe sandbox with a frozen test clock; drive it with stripe-python and /_sandbox/ routes."""
    data_dir = tmp_path_factory.mktemp("stripe-sandbox")
    args = ("--api-key", STRIPE_TEST_KEY, "--clock", "frozen")
    with run_sandbox("stripe_sandbox", data_dir, extra_args=args) as server:
        yield server


@pytest.fixture(scope="module")
def stripe_client(stripe_sandbox: RunningServer) -> Any:
    """stripe-python's StripeClient pointed at the module's sandbox."""
    import stripe

    return stripe.StripeClient(STRIPE_TEST_KEY, base_addresses={"api": stripe_sandbox.url})


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[Schemas]:
    """PostgreSQL for this test worker (tests/postgres.py): started on first use, stopped at the end."""
    with postgres_server() as url:
        schemas = Schemas(url, drop=bool(os.environ.get(POSTGRES_ENV_URL)))
        try:
            yield schemas
        finally:
            schemas.close()


@pytest.fixture
def postgres_url(postgres_schemas: Schemas) -> Iterator[str]:
    """An empty PostgreSQL state DB (a schema of its own) for one test."""
    from stripe_netsuite.store import dispose_engines

    url = postgres_schemas.create()
    yield url
    dispose_engines()  # pooled connections would hold locks on the schema's tables
    postgres_schemas.release(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def state_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty state DB on each database the connector supports: the embedded default and production's."""
    from stripe_netsuite.store import dispose_engines

    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_url")
    else:
        yield f"sqlite:///{tmp_path / 'state' / 'connector.db'}"
    dispose_engines()
