"""`make demo`: run the whole system on its embedded default until Ctrl-C.

Starts each service as a child process on 127.0.0.1 with state under var/demo/, waits until it
answers, prints how to reach it, and stops everything on Ctrl-C (or when one service dies).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

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


def sandbox_service(module: str, port: int, env: dict[str, str]) -> Service:
    data = DEMO_DIR / module
    data.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", str(port),
               "--data", str(data), "--seed"]
    return Service(module, command, f"http://127.0.0.1:{port}/_sandbox/stats", env)


def start(service: Service, log_dir: Path) -> None:
    log = (log_dir / f"{service.name}.log").open("ab")
    service.process = subprocess.Popen(
        service.command, cwd=ROOT, env={**os.environ, **service.env}, stdout=log, stderr=subprocess.STDOUT,
    )


def wait_healthy(service: Service, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.process is not None
        if service.process.poll() is not None:
            raise SystemExit(f"{service.name} exited early; see var/demo/logs/{service.name}.log")
        try:
            if requests.get(service.health_url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{service.name} did not answer at {service.health_url} within {timeout:.0f}s")


def stop_all(services: list[Service]) -> None:
    for service in services:
        if service.process and service.process.poll() is None:
            service.process.terminate()
    for service in services:
        if service.process:
            try:
                service.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                service.process.kill()


def main() -> int:
    env = load_env_example()
    log_dir = DEMO_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    services = [sandbox_service("netsuite_sandbox", 12112, env)]
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for service in services:
            start(service, log_dir)
            wait_healthy(service)
        print_banner(env)
        while all(s.process is not None and s.process.poll() is None for s in services):
            time.sleep(1)
        print("a demo service stopped; see var/demo/logs/", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping the demo")
        return 0
    finally:
        stop_all(services)


def print_banner(env: dict[str, str]) -> None:
    print(f"""
NetSuite sandbox (seeded; ids in sandbox/netsuite_sandbox/SEED.md)
  REST base:  http://127.0.0.1:12112/services/rest   (TBA account {env.get('NETSUITE_ACCOUNT_ID')},
              credentials from .env.example)
  controls:   http://127.0.0.1:12112/_sandbox/stats
  try:        set -a; . ./.env.example; set +a
              .venv/bin/python -m stripe_netsuite.netsuite suiteql "SELECT id, companyname FROM customer"
Logs and state: var/demo/   Stop with Ctrl-C.
""", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
