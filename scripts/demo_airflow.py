"""The demo's Airflow: the components of `airflow standalone` on 127.0.0.1, settings, connections, DAGs.

Connections are created in the metadata DB (not as AIRFLOW_CONN_* variables) so that a data engineer finds,
edits and tests them in Admin > Connections; DAGs start unpaused.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import sys
import time
from collections.abc import Collection
from pathlib import Path

import requests
from demo_processes import STOPPER, Service, run_step

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
# What every connector task imports, preloaded by the scheduler's forkserver (its workers, and the task
# processes they fork, inherit them). A module that fails to import is skipped by Python's forkserver; one
# missing here is only imported by each task again. Measured after the first five (`python -X importtime`
# and timing a task's start-up steps): the plugins' load in each task 2.7 -> 0.1 s, GX's import 8-17 s -> 0.
TASK_PRELOAD = (
    "airflow.executors.local_executor",  # what the worker runs (Airflow's own example)
    "airflow.sdk",
    "airflow.sdk.execution_time.supervisor",  # the worker's side of a task
    "airflow.sdk.execution_time.task_runner",  # the task process's side
    "airflow.dag_processing.dagbag",  # the task parses its DAG file
    # A task starts the listeners, which loads the plugins: the Finance view's FastAPI app, the run notes.
    "airflow.listeners.listener",
    "airflow.plugins_manager",
    "airflow.api_fastapi.app",
    "airflow.api_fastapi.core_api.security",
    "airflow.api_fastapi.execution_api.app",
    "markdown_it",
    "stripe_netsuite.sync.load_run",
    "stripe_netsuite.validation.run",  # Great Expectations: most of the import time
    "stripe_netsuite.reports.publish",  # pandas, altair, the finance report's HTML/XLSX
    "stripe_netsuite.notify",
)


def airflow_secrets(home: Path) -> dict[str, str]:
    """The Fernet key (encrypts connections) and the JWT secret every component must share, made once."""
    path = home / "demo-secrets.json"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.touch(mode=0o600)
        path.write_text(json.dumps({"fernet_key": Fernet.generate_key().decode(),
                                    "jwt_secret": secrets.token_urlsafe(32)}))
    stored: dict[str, str] = json.loads(path.read_text())
    return stored


def airflow_env(env: dict[str, str], state: Path, port: int) -> dict[str, str]:
    """Airflow's components under <state>/airflow, reading dags/ and plugins/, serving only on 127.0.0.1."""
    home = state / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({env["AIRFLOW_API_USER"]: env["AIRFLOW_API_PASSWORD"]}))
    keys = airflow_secrets(home)
    api = f"http://127.0.0.1:{port}"
    af_env = {
        **{k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_")},  # connections live in the DB
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        # Airflow's default DB, named here because the caller's environment is passed on to every component:
        # an AIRFLOW__DATABASE__SQL_ALCHEMY_CONN set there (e.g. by a test session) would make two demos, or a
        # demo and the DAG tests, share one SQLite file ("database is locked", a half-migrated schema).
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # LocalExecutor keeps this many worker processes: 32 by default, a burden on a laptop's few cores.
        "AIRFLOW__CORE__PARALLELISM": os.environ.get("AIRFLOW__CORE__PARALLELISM") or "4",
        # A page payment is in NetSuite seconds after its webhook only if a netsuite_payments run is short
        # (bench/BENCHMARKS.md, webhook latency). Each task is a process forked from a LocalExecutor worker;
        # with the scheduler's workers started by a forkserver that imported the loader, Great Expectations,
        # pandas and the report writer once, a task inherits them instead of importing them anew (~10 s of
        # CPU per run: `python -X importtime`). Airflow 3.3 documents both settings ([core] section).
        "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
        "AIRFLOW__CORE__MP_FORKSERVER_PRELOAD": ",".join(TASK_PRELOAD),
        # The scheduler sleeps this long after a loop with nothing to do (1 s by default); a triggered run
        # waits for it when it is queued, when its task is queued, and when the run ends before the next one
        # starts. A quarter second costs the idle scheduler little on SQLite.
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.25",
        "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{env['AIRFLOW_API_USER']}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        # A newcomer's DAGs run on their schedules without anyone unpausing them.
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__FERNET_KEY": keys["fernet_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        # Airflow's own mail (notifiers, send_email) through the same connection as the finance mail.
        "AIRFLOW__EMAIL__EMAIL_CONN_ID": env.get("FINANCE_SMTP_CONN_ID") or "smtp_default",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
    }
    # The same settings for the `airflow` CLI in a shell: set -a; . <state>/airflow/airflow.env; set +a
    settings = home / "airflow.env"
    settings.touch(mode=0o600)
    settings.write_text("".join(f"{key}={shlex.quote(value)}\n" for key, value in sorted(af_env.items())
                                if key == "AIRFLOW_HOME" or key.startswith("AIRFLOW__")))
    return af_env


def airflow_services(af_env: dict[str, str], port: int) -> dict[str, Service]:
    """Airflow standalone's four components, run directly so that each binds only 127.0.0.1.

    `airflow standalone` would start the scheduler's and the triggerer's log servers on every interface
    (ports 8793 and 8794; their host is not configurable). They only matter when tasks run on other
    machines: here the API server reads task logs from <state>/airflow/logs, so they are skipped.
    """
    airflow = str(BIN / "airflow")
    health = f"http://127.0.0.1:{port}/api/v2/monitor/health"
    commands = {
        "airflow-api-server": ["api-server", "--host", "127.0.0.1", "--port", str(port)],
        "airflow-dag-processor": ["dag-processor"],
        "airflow-triggerer": ["triggerer", "--skip-serve-logs"],
        "airflow-scheduler": ["scheduler", "--skip-serve-logs"],
    }
    return {name: Service(name, [airflow, *args], health, af_env) for name, args in commands.items()}


def prepare_airflow(af_env: dict[str, str], env: dict[str, str], logs: Path, smtp_port: int) -> None:
    """Migrate Airflow's metadata DB, create the NetSuite pool and the three connections (in the DB, so that
    they show in Admin > Connections and can be edited and tested there): Stripe, NetSuite, and the demo's
    SMTP mailbox on 127.0.0.1:`smtp_port` (plain SMTP, no login) that finance mail goes through."""
    airflow = str(BIN / "airflow")
    log = logs / "airflow-setup.log"
    run_step([airflow, "db", "migrate"], ROOT, af_env, log)
    run_step([airflow, "pools", "set", "netsuite_api", env.get("NETSUITE_CONCURRENCY_LIMIT") or "5",
              "NetSuite account concurrency limit"], ROOT, af_env, log)
    connections = {
        "stripe_default": {
            "conn_type": "stripe", "description": "Stripe sandbox of the demo",
            "password": env["STRIPE_API_KEY"], "extra": json.dumps({"api_base": env["STRIPE_API_BASE"]}),
        },
        "netsuite_default": {
            "conn_type": "netsuite", "description": "NetSuite sandbox of the demo (TBA)",
            "host": env["NETSUITE_BASE_URL"], "login": env["NETSUITE_TOKEN_ID"],
            "password": env["NETSUITE_TOKEN_SECRET"],
            "extra": json.dumps({"account_id": env["NETSUITE_ACCOUNT_ID"],
                                 "consumer_key": env["NETSUITE_CONSUMER_KEY"],
                                 "consumer_secret": env["NETSUITE_CONSUMER_SECRET"]}),
        },
        "smtp_default": {
            "conn_type": "smtp", "description": "The demo's SMTP mailbox (mails kept under var/demo/mail/)",
            "host": "127.0.0.1", "port": smtp_port,
            "extra": json.dumps({"from_email": env.get("FINANCE_EMAIL_FROM") or "connector@demo.example",
                                 "disable_ssl": True, "disable_tls": True, "timeout": 10, "retry_limit": 0}),
        },
    }
    file = Path(af_env["AIRFLOW_HOME"]) / "demo-connections.json"
    file.touch(mode=0o600)
    try:
        file.write_text(json.dumps(connections))
        run_step([airflow, "connections", "import", "--overwrite", str(file)], ROOT, af_env, log)
    finally:
        file.unlink(missing_ok=True)  # it holds secrets; the DB keeps them encrypted


class AirflowApi:
    """The few REST calls the demo makes (Airflow 3 public API, JWT from /auth/token)."""

    def __init__(self, port: int, user: str, password: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        token = self.http.post(f"{self.base}/auth/token", json={"username": user, "password": password},
                               timeout=60)
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def get(self, path: str, **params: str | int) -> dict[str, object]:
        response = self.http.get(f"{self.base}/api/v2{path}", params=params, timeout=60)
        response.raise_for_status()
        body: dict[str, object] = response.json()
        return body

    def dags(self) -> list[dict[str, object]]:
        listed = self.get("/dags", limit=100).get("dags")
        return [dag for dag in listed if isinstance(dag, dict)] if isinstance(listed, list) else []

    def unpause(self, dag_id: str) -> None:
        self.http.patch(f"{self.base}/api/v2/dags/{dag_id}", json={"is_paused": False},
                        timeout=60).raise_for_status()


def components_healthy(response: requests.Response) -> bool:
    body = response.json()
    return all((body.get(part) or {}).get("status") == "healthy"
               for part in ("metadatabase", "scheduler", "triggerer", "dag_processor"))


def activate_dags(
    api: AirflowApi, timeout: float = 300.0, keep_paused: Collection[str] = ()
) -> list[dict[str, object]]:
    """Wait until every DAG file is parsed, then unpause what an older demo state may hold paused (except
    `keep_paused`: the DAGs the guided day holds until it reaches them)."""
    files = {p.name for p in (ROOT / "dags").glob("*.py") if not p.name.startswith("_")}
    deadline = time.monotonic() + timeout
    dags: list[dict[str, object]] = []
    errors: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        try:
            dags = api.dags()
            listed = api.get("/importErrors").get("import_errors")
        except requests.RequestException:  # a busy machine: the API server answers late; ask again
            STOPPER.sleep(2)
            continue
        errors = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
        seen = {Path(str(d.get("fileloc"))).name for d in dags}
        seen |= {Path(str(e.get("filename"))).name for e in errors}
        if files <= seen:
            break
        STOPPER.sleep(2)
    for dag in dags:
        if dag.get("is_paused") and dag.get("dag_id") not in keep_paused:
            api.unpause(str(dag["dag_id"]))
            dag["is_paused"] = False
    if errors:
        print(f"Airflow could not import some DAG files: see {api.base}/dags (Import errors)", flush=True)
    return dags


def wait_for_ledger(api: AirflowApi, timeout: float = 900.0) -> str:
    """Wait until the seeded world is in NetSuite: stripe_sync has succeeded and no netsuite_payments run is
    queued or running, three times in a row 5 s apart (the webhook dispatcher may queue a follow-up). The
    pages' balances then include the world's payments, and a page payment is not queued behind the backlog.
    Returns what happened, for the log line."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        try:
            synced = api.get("/dags/stripe_sync/dagRuns", state="success", limit=1).get("total_entries")
            runs = api.get("/dags/netsuite_payments/dagRuns", limit=100).get("dag_runs")
        except requests.RequestException:  # a busy machine: the API server answers late; ask again
            STOPPER.sleep(2)
            continue
        listed = [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []
        active = [r for r in listed if r.get("state") in ("queued", "running")]
        loaded = [r for r in listed if r.get("state") in ("success", "failed")]
        quiet = quiet + 1 if synced and loaded and not active else 0
        if quiet >= 3:  # 10 s without a run: stripe_sync's Asset event, if any, has been scheduled
            failed = [str(r.get("dag_run_id")) for r in listed if r.get("state") == "failed"]
            return f"failed runs: {', '.join(failed)}" if failed else "loaded"
        STOPPER.sleep(5)
    return f"still loading after {timeout:.0f}s"

