"""Airflow for DAG tests: a private AIRFLOW_HOME with a SQLite metadata DB, set before Airflow is imported.

Module-level on purpose: Airflow reads its configuration once, at import, so the environment must be in place
before any test module of this folder imports it. Each xdist worker gets its own home and database.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import STRIPE_TEST_KEY
from tests.servers import RunningServer

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))

os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
)
# Airflow puts the plugins folder on sys.path in its own processes; tasks import the hook from there.
sys.path.insert(0, str(ROOT / "plugins"))


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """The metadata DB, migrated once per session (worker)."""
    from airflow.utils.db import resetdb

    resetdb(skip_init=False)
    yield AIRFLOW_HOME


def stripe_connection_uri(server: RunningServer, key: str = STRIPE_TEST_KEY) -> str:
    """AIRFLOW_CONN_STRIPE_DEFAULT for a sandbox (JSON form: extras stay typed)."""
    return json.dumps({"conn_type": "stripe", "password": key, "extra": {"api_base": server.url}})


@pytest.fixture
def stripe_conn(stripe_sandbox: RunningServer, monkeypatch: pytest.MonkeyPatch) -> RunningServer:
    """stripe_default points at the module's sandbox."""
    monkeypatch.setenv("AIRFLOW_CONN_STRIPE_DEFAULT", stripe_connection_uri(stripe_sandbox))
    return stripe_sandbox


@pytest.fixture
def state_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh connector state DB and report folder for one test."""
    from stripe_netsuite.store import dispose_engines

    url = f"sqlite:///{tmp_path / 'connector.db'}"
    monkeypatch.setenv("CONNECTOR_DATABASE_URL", url)
    monkeypatch.setenv("CONNECTOR_HOME", str(tmp_path))
    yield url
    dispose_engines()
