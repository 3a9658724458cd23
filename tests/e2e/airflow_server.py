"""A real Airflow for browser and REST tests: its own home and SQLite metadata DB, the api-server on a free
port of 127.0.0.1 with the simple auth manager (one admin user), and `airflow dags test` runs against it.

Everything Airflow runs in subprocesses with an environment of their own, so this works whatever Airflow
settings the pytest process has (tests/dags/conftest.py sets some at import). DAG runs use `airflow dags
test` (Dag.test(): no scheduler, executor or dag-processor needed) on the same metadata DB the api-server
reads; Dag.test() waits for a human-in-the-loop answer given through that api-server's REST API.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.demo.demo_run import free_port
from tests.servers import ROOT

AIRFLOW = str(Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv") / "bin" / "airflow")
USER = "finance-admin"


@dataclass
class AirflowServer:
    """A running api-server and what a test needs to drive it."""

    url: str
    env: dict[str, str]
    password: str
    home: Path
    process: subprocess.Popen[bytes]
    timings: dict[str, float] = field(default_factory=dict)

    def token(self) -> str:
        """A JWT for the REST API (POST /auth/token with the admin's password)."""
        answer = requests.post(f"{self.url}/auth/token", json={"username": USER, "password": self.password},
                               timeout=30)  # fmt: skip
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def api(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token()}"
        return session

    def dags_test(self, dag_id: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """Start `airflow dags test <dag_id>` (one run, own process group), its output going to `log`."""
        out = log.open("wb")
        return subprocess.Popen([AIRFLOW, "dags", "test", dag_id, *args], cwd=ROOT, env=self.env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def api_env(port: int, password_file: Path) -> dict[str, str]:
    """The api-server's own settings: 127.0.0.1:<port>, the simple auth manager with one admin."""
    api = f"http://127.0.0.1:{port}"
    return {
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }  # fmt: skip


def airflow_env(home: Path, port: int, password_file: Path, state: Path) -> dict[str, str]:
    """A whole Airflow of its own under `home`, the connector's state under `state`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CONNECTOR_", "FINANCE_"))},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        **api_env(port, password_file),
        "CONNECTOR_HOME": str(state),
        "CONNECTOR_DATABASE_URL": f"sqlite:///{state / 'connector.db'}",
        "CONNECTOR_REPORTS_DIR": str(state / "reports"),
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip


def _wait_healthy(server: AirflowServer, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise AssertionError(f"the api-server exited ({code}):\n{log.read_text()[-4000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{server.url}/api/v2/monitor/health", timeout=5).ok:
                return
        time.sleep(0.5)
    raise AssertionError(f"no healthy api-server within {timeout:.0f}s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def running_airflow(base: Path, extra_env: dict[str, str] | None = None) -> Iterator[AirflowServer]:
    """Migrate a fresh metadata DB and the connector's state DB, start the api-server; stop it after."""
    home, state = base / "airflow", base / "state"
    home.mkdir(parents=True)
    state.mkdir(parents=True)
    port, password = free_port(), secrets.token_urlsafe(12)
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({USER: password}))
    env = {**airflow_env(home, port, passwords, state), **(extra_env or {})}
    timings: dict[str, float] = {}
    started = time.monotonic()
    subprocess.run([AIRFLOW, "db", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=600)  # fmt: skip
    subprocess.run([str(Path(AIRFLOW).parent / "python"), "-m", "stripe_netsuite.store", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=300)  # fmt: skip
    timings["migrate_s"] = time.monotonic() - started
    with serve_api(env, home, port, password, timings) as server:
        yield server


@contextlib.contextmanager
def serve_api(env: dict[str, str], home: Path, port: int, password: str,
              timings: dict[str, float] | None = None) -> Iterator[AirflowServer]:  # fmt: skip
    """Run `airflow api-server` with `env` (api_env's settings in it) until the block ends."""
    timings = {} if timings is None else timings
    log = home / "api-server.log"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = AirflowServer(f"http://127.0.0.1:{port}", env, password, home, process, timings)
    try:
        _wait_healthy(server, log, timeout=240)
        timings["api_server_start_s"] = time.monotonic() - started
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM the process group (the api-server's workers too), SIGKILL what is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
