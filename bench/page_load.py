"""Payment-page load benchmark: Locust (headless) against the webapp under gunicorn, NetSuite slowed down.

    .venv/bin/python bench/page_load.py                       # 50 and 200 clients: cold, warm, restart
    .venv/bin/python bench/page_load.py --clients 50 --duration 30 --history 200

What it sets up, all on 127.0.0.1 in a temporary directory, stopped at the end:
  * the NetSuite sandbox (seeded), answering every REST/SuiteQL request after `--latency-ms` (its
    POST /_sandbox/config route), as a real account far away would; the Stripe sandbox (each process reads
    the account's public details once, for the page's branding);
  * a state DB (SQLite, migrated) holding `--history` paid payment attempts for each of customers 104 and 109,
    recorded through the webhook handler (`handle_event`) exactly as Stripe's events would record them, and
    their customer payments in NetSuite (external id = charge id), as the loader writes them;
  * `gunicorn --config webapp/gunicorn.conf.py --workers 2 webapp:create_app()`, as `make demo` and
    docker-compose run the pages (a checkout without that file: gunicorn's defaults, one thread a worker),
    with RATE_LIMIT_ENABLED=false: every request comes from Locust's one address.
Each client is a person opening payment pages (the 9 customer links and 9 invoice links of the seed, chosen at
random) and reading each for `--think` seconds. For every client count it measures, each on a new gunicorn:
  cold     the clients arrive at once on workers, and a state DB, that never read NetSuite for these pages
           (`--cold-duration` seconds): a first start;
  warm     every page was read a few times first, then `--duration` seconds of steady load;
  restart  as cold, but on the state DB the warm run left: a restart or deploy (where the code shares page
           data between processes, `page_snapshots`, the new workers have it; elsewhere it is a cold start).
Only GET page views are measured: a payment (POST) always reads NetSuite live (DESIGN §6), by design.
Prints p50/p95/p99/max in ms per run; `--json FILE` writes them too.

This file is also the locustfile: the user class is defined only when Locust (already loaded) imports it,
never in the driver process, which must not import Locust (it patches the standard library with gevent).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
NETSUITE_ENV = {
    "NETSUITE_ACCOUNT_ID": "1234567_SB1",
    "NETSUITE_CONSUMER_KEY": "ck-bench-0123456789abcdef",
    "NETSUITE_CONSUMER_SECRET": "cs-bench-fedcba9876543210",
    "NETSUITE_TOKEN_ID": "tk-bench-00112233445566",
    "NETSUITE_TOKEN_SECRET": "ts-bench-66554433221100",
}
SECRET_KEY = "page-load-bench-secret-key-0123456789"
STRIPE_KEY = "sk_test_bench_0000000000"
CUSTOMERS = ("102", "103", "104", "105", "106", "107", "108", "109", "110")
INVOICES = ("1001", "1002", "1007", "1013", "1016", "1026", "1031", "1037", "1042")
HISTORY_CUSTOMERS = ("104", "109")  # both USD with large balances (SEED.md)


if "locust" in sys.modules:  # imported by Locust as the locustfile
    from locust import HttpUser, between, task

    _PATHS: list[str] = json.loads(os.environ.get("PAGE_LOAD_PATHS", "[]"))
    _THINK = [float(x) for x in os.environ.get("PAGE_LOAD_THINK", "1,3").split(",")]

    class PageVisitor(HttpUser):
        """A person opening payment pages and reading each one for a while."""

        wait_time = between(_THINK[0], _THINK[-1])

        @task
        def view_page(self) -> None:
            path = random.choice(_PATHS)
            # Grouped by page kind: a token is a credential and has no place in the stats files.
            self.client.get(path, name="customer page" if "/c/" in path else "invoice page")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def sandbox(module: str, data_dir: Path, *args: str) -> Iterator[str]:
    """`python -m <module> serve` on a free port until the block ends; yields its URL.

    Its output goes to <data_dir>.log, never to an unread pipe: a full pipe would stall the server mid-run.
    """
    command = [
        sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", "0",
        "--data", str(data_dir), "--exit-with-parent", *args,
    ]  # fmt: skip
    env = {**os.environ, **NETSUITE_ENV}
    log = data_dir.with_suffix(".log")
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (found := LISTENING.search(log.read_text(errors="replace"))):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{module} did not start; see {log}")
            time.sleep(0.1)
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def netsuite_sandbox(data_dir: Path, latency_ms: int, history: int) -> Iterator[str]:
    """The seeded NetSuite sandbox with the history's payments, answering every request after `latency_ms`."""
    import requests

    with sandbox("netsuite_sandbox", data_dir, "--seed") as url:
        record_history_in_netsuite(url, history)
        response = requests.post(f"{url}/_sandbox/config", json={"latency_ms": latency_ms}, timeout=30)
        response.raise_for_status()
        yield url


def webapp_env(netsuite_url: str, stripe_url: str, database_url: str, base_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # lets an older checkout be measured with this venv
        **NETSUITE_ENV,
        "NETSUITE_BASE_URL": netsuite_url + "/services/rest",
        "STRIPE_API_KEY": STRIPE_KEY,
        "STRIPE_API_BASE": stripe_url,  # a page view asks only for the account's public details, once
        "STRIPE_WEBHOOK_SECRET": "whsec_bench_0123456789",
        "WEBAPP_SECRET_KEY": SECRET_KEY,
        "PAYMENT_LINK_BASE_URL": base_url,
        "CONNECTOR_DATABASE_URL": database_url,
        "BUSINESS_NAME": "Honeycomb Holdings",
        # One address (Locust's) makes every request here: a per-address limit would measure itself.
        "RATE_LIMIT_ENABLED": "false",
        "WEBAPP_WORKERS": "2",
    }


def seed_history(database_url: str, per_customer: int) -> None:
    """Paid attempts with their Checkout and PaymentIntent events, recorded by the webhook handler.

    Customers 104 and 109 have each paid `per_customer` times ($1.00, charges ch_bench<customer>x<n>).
    """
    from stripe_netsuite.payments.events import handle_event
    from stripe_netsuite.store import PaymentAttempt, get_engine, migrate, session_scope

    migrate(database_url)
    engine = get_engine(database_url)
    now = datetime.now(UTC)
    stamp = int(now.timestamp())
    for customer in HISTORY_CUSTOMERS:
        for n in range(per_customer):
            attempt_id = f"00000000-0000-4000-8000-{int(customer):04d}{n:08d}"
            intent, charge, session = (f"{prefix}_bench{customer}x{n}" for prefix in ("pi", "ch", "cs"))
            metadata = {"netsuite_customer_id": customer, "payment_attempt_id": attempt_id}
            with session_scope(engine) as db:
                db.add(
                    PaymentAttempt(
                        id=attempt_id, link_kind="customer", netsuite_customer_id=customer,
                        netsuite_invoice_ids=[], amount_minor=100, currency="USD",
                        checkout_session_id=session, status="open", created_at=now, updated_at=now,
                    )
                )  # fmt: skip
            completed = {
                "id": session, "object": "checkout.session", "amount_total": 100, "currency": "usd",
                "client_reference_id": attempt_id, "metadata": metadata, "mode": "payment",
                "payment_intent": intent, "payment_status": "paid", "status": "complete",
            }  # fmt: skip
            succeeded = {
                "id": intent, "object": "payment_intent", "amount": 100, "amount_received": 100,
                "currency": "usd", "customer": None, "description": "Payment - Honeycomb Holdings",
                "latest_charge": charge, "metadata": metadata, "payment_method": f"pm_bench{customer}x{n}",
                "payment_method_types": ["card"], "status": "succeeded", "created": stamp,
                "statement_descriptor_suffix": "INVOICES", "receipt_email": "ap@example.com",
            }  # fmt: skip
            events = (("checkout.session.completed", completed), ("payment_intent.succeeded", succeeded))
            for kind, obj in events:
                event = {
                    "id": f"evt_{obj['id']}", "object": "event", "type": kind, "created": stamp,
                    "api_version": "2024-04-10", "livemode": False, "data": {"object": obj},
                }  # fmt: skip
                handle_event(engine, event, now)


def forget_shared_pages(database_url: str) -> None:
    """Empty the page data the processes share (a first start), where the checkout has that table."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        if sa.inspect(connection).has_table("page_snapshots"):
            connection.execute(sa.text("DELETE FROM page_snapshots"))
    engine.dispose()


def record_history_in_netsuite(netsuite_url: str, per_customer: int) -> None:
    """The history's payments as the loader writes them: customer payments whose external id is the charge.

    So the history is what a customer who paid often looks like: paid, and already in NetSuite's balance.
    """
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings

    env = {**NETSUITE_ENV, "NETSUITE_BASE_URL": netsuite_url + "/services/rest"}
    client = NetSuiteClient(NetSuiteSettings.from_env(env))
    for customer in HISTORY_CUSTOMERS:
        for n in range(per_customer):
            body = {
                "customer": {"id": customer}, "payment": 1.0, "currency": {"id": "1"},
                "undepFunds": {"id": "T"}, "tranDate": "2026-10-01", "paymentOption": {"id": "1"},
            }  # fmt: skip
            client.upsert("customerPayment", f"ch_bench{customer}x{n}", body)


def page_paths() -> list[str]:
    from stripe_netsuite.links import LinkTarget, key_ring_from_text

    ring = key_ring_from_text(None, SECRET_KEY)
    return [f"/pay/c/{ring.make_token(LinkTarget('customer', c))}" for c in CUSTOMERS] + [
        f"/pay/i/{ring.make_token(LinkTarget('invoice', i))}" for i in INVOICES
    ]


@contextmanager
def gunicorn(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """`gunicorn --workers 2 webapp:create_app()` as deployed, until the block ends (whole process group)."""
    import requests

    config = ROOT / "webapp" / "gunicorn.conf.py"  # the deployed settings (worker class, threads, limits)
    command = [
        sys.executable, "-m", "gunicorn", *(["--config", str(config)] if config.exists() else []),
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "webapp:create_app()",
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/brand.css", timeout=10).ok:
                    break
            except requests.RequestException:
                pass  # not listening yet, or a worker still starting on a busy machine
            if time.monotonic() > deadline or process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"gunicorn did not start; the end of its log:\n{tail}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def warm_up(url: str, paths: list[str]) -> None:
    """Read every page often enough, from parallel connections, that both workers surely have it."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    def get(path: str) -> None:
        requests.get(url + path, timeout=60).raise_for_status()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(get, paths * 12))  # a worker misses a page with probability ~2**-12


def run_locust(
    url: str, paths: list[str], clients: int, seconds: int, think: str, out: Path
) -> dict[str, Any]:
    prefix = out / f"locust-{clients}-{time.monotonic_ns()}"
    command = [
        sys.executable, "-m", "locust", "-f", str(Path(__file__).resolve()), "--headless", "--only-summary",
        "-u", str(clients), "-r", str(clients), "-t", f"{seconds}s", "--host", url, "--csv", str(prefix),
        "--loglevel", "WARNING", "--stop-timeout", "5",
    ]  # fmt: skip
    env = {**os.environ, "PAGE_LOAD_PATHS": json.dumps(paths), "PAGE_LOAD_THINK": think}
    quiet = subprocess.DEVNULL
    subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=quiet, stderr=quiet)
    with open(f"{prefix}_stats.csv", newline="") as stats:
        row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 1),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
        "max": round(float(row["Max Response Time"])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", default="50,200", help="comma-separated client counts")
    parser.add_argument("--duration", type=int, default=60, help="seconds of each warm run")
    parser.add_argument("--cold-duration", type=int, default=30, help="seconds of each cold run")
    parser.add_argument("--latency-ms", type=int, default=300, help="NetSuite latency per request")
    parser.add_argument("--history", type=int, default=100, help="paid attempts of customers 104 and 109")
    parser.add_argument("--think", default="1,3", help="seconds a client reads a page: min,max")
    parser.add_argument("--modes", default="cold,warm,restart", help="runs per client count, in order")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", type=Path, help="work in this new directory and keep it (logs, state DB)")
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="page-load-") as tmp:
        work = Path(tmp)
        if args.keep:
            args.keep.mkdir(parents=True)
            work = args.keep
        database_url = f"sqlite:///{work / 'state.db'}"
        seed_history(database_url, args.history)
        paths = page_paths()
        stripe_args = ("--api-key", STRIPE_KEY, "--clock", "frozen")
        with (
            netsuite_sandbox(work / "netsuite", args.latency_ms, args.history) as netsuite_url,
            sandbox("stripe_sandbox", work / "stripe", *stripe_args) as stripe_url,
        ):
            for clients in (int(c) for c in args.clients.split(",")):
                for mode in args.modes.split(","):
                    port = free_port()
                    env = webapp_env(netsuite_url, stripe_url, database_url, f"http://127.0.0.1:{port}")
                    if mode == "cold":
                        forget_shared_pages(database_url)
                    with gunicorn(env, port, work / "gunicorn.log") as url:
                        if mode == "warm":
                            warm_up(url, paths)
                        seconds = args.duration if mode == "warm" else args.cold_duration
                        figures = run_locust(url, paths, clients, seconds, args.think, work)
                    result = {"clients": clients, "mode": mode, "seconds": seconds, **figures}
                    results.append(result)
                    print(
                        f"{clients:>4} clients {mode:<7} {seconds:>3}s: {figures['requests']:>6} requests "
                        f"({figures['rps']}/s, {figures['failures']} failed)  p50 {figures['p50']:.0f} ms  "
                        f"p95 {figures['p95']:.0f} ms  p99 {figures['p99']:.0f} ms  max {figures['max']} ms",
                        flush=True,
                    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
