"""`make demo`: run the whole system on its embedded default until Ctrl-C.

Starts each service as a child process on 127.0.0.1 with state under var/demo/, waits until it
answers, prints how to reach it, and stops everything on Ctrl-C (or when one service dies).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "var" / "demo"
ENV_EXAMPLE = ROOT / ".env.example"


@dataclass
class Service:
    """One long-running child process of the demo and the URL that proves it is up."""

    name: str
    command: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None


def load_env_example() -> dict[str, str]:
    """Demo settings: .env.example's values, overridden by the caller's environment."""
    values: dict[str, str] = {}
    for raw in ENV_EXAMPLE.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return {**values, **{k: v for k, v in os.environ.items() if k in values}}


def sandbox_service(module: str, port: int, env: dict[str, str], *extra: str) -> Service:
    data = DEMO_DIR / module
    data.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", str(port),
               "--data", str(data), *extra]
    return Service(module, command, f"http://127.0.0.1:{port}/_sandbox/stats", env)


def webapp_service(env: dict[str, str]) -> Service:
    """The payment pages under gunicorn, as in production, on PAYMENT_LINK_BASE_URL's port."""
    port = urlsplit(env["PAYMENT_LINK_BASE_URL"]).port or 8000
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
               "--access-logfile", "-", "webapp:create_app()"]
    return Service("webapp", command, f"http://127.0.0.1:{port}/brand.css", env)


def seed_stripe_world(env: dict[str, str]) -> None:
    """A deterministic 30-day Stripe history for the seeded NetSuite customers, once; then time runs."""
    base = env["STRIPE_API_BASE"]
    auth = {"Authorization": f"Bearer {env['STRIPE_API_KEY']}"}
    if requests.get(f"{base}/v1/charges", params={"limit": 1}, headers=auth, timeout=30).json()["data"]:
        print("Stripe sandbox already holds a world (var/demo/stripe_sandbox); keeping it", flush=True)
        return
    print("seeding a 30-day Stripe world (payments, refunds, disputes, payouts)...", flush=True)
    subprocess.run([sys.executable, "-m", "stripe_sandbox.world", "--stripe-url", base, "--seed", "42"],
                   cwd=ROOT, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    requests.post(f"{base}/_sandbox/clock/run", timeout=30).raise_for_status()


def payment_links(env: dict[str, str]) -> list[tuple[str, str]]:
    """Links for a few seeded customers and invoices (ids in sandbox/netsuite_sandbox/SEED.md)."""
    flask = str(Path(sys.executable).parent / "flask")
    wanted = [
        ("customer 102 Acme Corporation (USD)", "--customer", "102"),
        ("customer 106 Tanaka Trading (JPY)", "--customer", "106"),
        ("customer 108 Al Noor Trading (KWD)", "--customer", "108"),
        ("invoice 1001 of Acme (USD 1,500.00)", "--invoice", "1001"),
        ("invoice 1026 of Tanaka (JPY 125,000)", "--invoice", "1026"),
    ]
    links = []
    for label, flag, record_id in wanted:
        done = subprocess.run([flask, "--app", "webapp", "links", "create", flag, record_id], cwd=ROOT,
                              env={**os.environ, **env}, capture_output=True, text=True, check=True)
        links.append((label, done.stdout.strip().splitlines()[-1]))
    return links


def airflow_env(env: dict[str, str]) -> dict[str, str]:
    """Airflow standalone under var/demo/airflow, reading this project's dags/ and plugins/."""
    home = DEMO_DIR / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({env["AIRFLOW_API_USER"]: env["AIRFLOW_API_PASSWORD"]}))
    stripe_conn = {"conn_type": "stripe", "password": env["STRIPE_API_KEY"],
                   "extra": {"api_base": env["STRIPE_API_BASE"]}}
    netsuite_conn = {
        "conn_type": "netsuite", "host": env["NETSUITE_BASE_URL"], "login": env["NETSUITE_TOKEN_ID"],
        "password": env["NETSUITE_TOKEN_SECRET"],
        "extra": {"account_id": env["NETSUITE_ACCOUNT_ID"], "consumer_key": env["NETSUITE_CONSUMER_KEY"],
                  "consumer_secret": env["NETSUITE_CONSUMER_SECRET"]},
    }
    return {
        **env,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",  # standalone spawns `airflow`
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{env['AIRFLOW_API_USER']}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API__PORT": "8080",
        "AIRFLOW_CONN_STRIPE_DEFAULT": json.dumps(stripe_conn),
        "AIRFLOW_CONN_NETSUITE_DEFAULT": json.dumps(netsuite_conn),
    }


def prepare_airflow(env: dict[str, str]) -> None:
    """Migrate Airflow's metadata DB and create the shared NetSuite concurrency pool before starting."""
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([airflow, "pools", "set", "netsuite_api", env.get("NETSUITE_CONCURRENCY_LIMIT", "5"),
                    "NetSuite account concurrency limit"], env=env, check=True, stdout=subprocess.DEVNULL)


def start(service: Service, log_dir: Path) -> None:
    log = (log_dir / f"{service.name}.log").open("ab")
    service.process = subprocess.Popen(
        service.command, cwd=ROOT, env={**os.environ, **service.env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stopping it also stops what it spawned
    )


def wait_healthy(service: Service, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.process is not None
        if service.process.poll() is not None:
            raise SystemExit(f"{service.name} exited early; see var/demo/logs/{service.name}.log")
        try:
            if requests.get(service.health_url, timeout=5).ok:
                return
        except requests.RequestException:  # not listening yet, or still booting
            pass
        time.sleep(0.3)
    raise SystemExit(f"{service.name} did not answer at {service.health_url} within {timeout:.0f}s")


def stop_all(services: list[Service]) -> None:
    """SIGTERM each service's whole process group (Airflow standalone spawns several), SIGKILL stragglers."""
    started = [s.process for s in services if s.process is not None]
    for process in started:
        signal_group(process, signal.SIGTERM)
    for process in started:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        signal_group(process, signal.SIGKILL)


def signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def main() -> int:
    env = load_env_example()
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    if not env.get("CONNECTOR_DATABASE_URL"):
        env["CONNECTOR_DATABASE_URL"] = f"sqlite:///{DEMO_DIR / 'connector.db'}"
    # Migrate once, before the webapp's workers and Airflow's tasks open the state DB together.
    subprocess.run([sys.executable, "-m", "stripe_netsuite.store", "upgrade"], cwd=ROOT,
                   env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    log_dir = DEMO_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    af_env = airflow_env(env)
    services = [
        sandbox_service("netsuite_sandbox", 12112, env, "--seed"),
        sandbox_service("stripe_sandbox", 12111, env, "--api-key", env["STRIPE_API_KEY"],
                        "--webhook", urljoin(env["PAYMENT_LINK_BASE_URL"], "/webhooks/stripe"),
                        "--webhook-secret", env["STRIPE_WEBHOOK_SECRET"]),
        webapp_service(env),
        Service("airflow", [str(Path(sys.executable).parent / "airflow"), "standalone"],
                "http://127.0.0.1:8080/api/v2/monitor/health", af_env),
    ]
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        print("preparing Airflow (metadata DB, pool netsuite_api)...", flush=True)
        prepare_airflow(af_env)
        for service in services:
            start(service, log_dir)
            wait_healthy(service)
            if service.name == "webapp":  # webhooks of the seeded history reach the running webapp
                seed_stripe_world(env)
        print_banner(env, payment_links(env))
        while all(s.process is not None and s.process.poll() is None for s in services):
            time.sleep(1)
        print("a demo service stopped; see var/demo/logs/", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping the demo")
        return 0
    finally:
        stop_all(services)


def print_banner(env: dict[str, str], links: list[tuple[str, str]]) -> None:
    link_lines = "\n".join(f"  {label:<40} {url}" for label, url in links)
    print(f"""
Payment pages ({env['PAYMENT_LINK_BASE_URL']}); pay with card 4242 4242 4242 4242, any future date and CVC:
{link_lines}
  more:       .venv/bin/flask --app webapp links create --customer <id> | --invoice <id>
Stripe sandbox: {env['STRIPE_API_BASE']}/v1  (key {env['STRIPE_API_KEY']})
              test clock and controls under /_sandbox/; signed webhooks go to the webapp

NetSuite sandbox (seeded; ids in sandbox/netsuite_sandbox/SEED.md)
  REST base:  http://127.0.0.1:12112/services/rest   (TBA account {env.get('NETSUITE_ACCOUNT_ID')},
              credentials from .env.example)
  controls:   http://127.0.0.1:12112/_sandbox/stats
  try:        set -a; . ./.env.example; set +a
              .venv/bin/python -m stripe_netsuite.netsuite suiteql "SELECT id, companyname FROM customer"
Airflow:    http://127.0.0.1:8080  (user {env.get('AIRFLOW_API_USER')},
            password {env.get('AIRFLOW_API_PASSWORD')})
Logs and state: var/demo/   Stop with Ctrl-C.
""", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
