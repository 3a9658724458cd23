"""Webhook -> NetSuite latency: N page payments in the embedded demo, each timed until it is in NetSuite.

    python bench/webhook_latency.py [--payments 50] [--interval 4] [--amount 1.00] [--out result.json]

Starts `scripts/demo.py` as `make demo` does (both sandboxes, the world, the payment pages under gunicorn,
Airflow standalone's components), on free ports and a temporary state directory (tests/demo/demo_run.py), and
waits for its banner (the world is then in NetSuite). The pages' rate limits are switched off
(RATE_LIMIT_ENABLED=false, meant for load benchmarks): one client makes every payment here.

Each payment is what a customer does, over HTTP without a browser: open the customer page of Umbrella
Holdings (customer 109, the demo's banner link), post the amount (303 to the Stripe sandbox's hosted
Checkout page), then submit the card form there (test card 4242...), which pays and sends the signed webhooks
to the pages. Payments start `--interval` seconds apart, one after the other. The clock starts when the
hosted page has answered the card form (the charge exists, Stripe is about to deliver the webhook) and stops
when the NetSuite sandbox holds a customer payment whose externalId is the charge id (SuiteQL, polled every
0.25 s for every payment still outstanding).

Where the time goes, per payment, from the state DB and Airflow's REST API: the webhook recorded by the pages
(`load_requests.requested_at`), the dispatcher's trigger (`triggered_at`), the DAG run's queue and start
times, and the run's end. Printed: p50 / p95 / max of the total and of each stage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.demo.demo_run import UP, DemoRun, demo_processes, kill_demo, start_demo, stop_demo  # noqa: E402

STRIPE_KEY = "sk_test_sandbox_0123456789abcdef"  # .env.example's, which the demo's Stripe sandbox accepts
CUSTOMER_LINK = "customer 109"
CARD = {"cardnumber": "4242 4242 4242 4242", "cvc": "123", "name": "Pat Payer", "email": "payer@example.com"}
STARTUP = 1800.0


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the payment page"
    return found.group(1)


def _action(html: str, page_url: str) -> str:
    found = re.search(r'<form method="post" action="([^"]*)"', html)
    return requests.compat.urljoin(page_url, found.group(1)) if found and found.group(1) else page_url


def pay(link: str, amount: str) -> tuple[str, float]:
    """One page payment through the pages and the hosted Checkout; (Checkout Session id, paid-at clock)."""
    with requests.Session() as browser:
        page = browser.get(link, timeout=60)
        page.raise_for_status()
        form = {"csrf_token": _csrf(page.text), "amount": amount}
        started = browser.post(_action(page.text, link), data=form, allow_redirects=False, timeout=60)
        if started.status_code != 303:
            raise RuntimeError(f"the page refused the payment: {started.status_code} {started.text[:300]}")
        checkout = started.headers["Location"]
        session_id = checkout.rstrip("/").rsplit("/", 1)[-1]
        browser.get(checkout, timeout=60).raise_for_status()
        expiry = f"12 / {(datetime.now(UTC).year + 3) % 100:02d}"
        paid = browser.post(checkout, data={**CARD, "exp-date": expiry}, allow_redirects=False, timeout=60)
        at = time.time()
        if paid.status_code not in (302, 303):
            raise RuntimeError(f"hosted Checkout refused the card: {paid.status_code} {paid.text[:300]}")
        return session_id, at


class Watcher:
    """Polls NetSuite for the customer payments of the charges it was given; records when each appears."""

    def __init__(self, netsuite: Any) -> None:
        self.netsuite = netsuite
        self.waiting: dict[str, float] = {}
        self.found: dict[str, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def watch(self, charge_id: str) -> None:
        with self.lock:
            self.waiting[charge_id] = time.time()

    def run(self) -> None:
        while not self.stop.wait(0.25):
            with self.lock:
                ids = [i for i in self.waiting if i not in self.found]
            if not ids:
                continue
            listed = ", ".join(f"'{i}'" for i in ids)
            rows = self.netsuite.suiteql(
                f"SELECT externalid FROM transaction WHERE type = 'CustPymt' AND externalid IN ({listed})"
            )
            now = time.time()
            with self.lock:
                for row in rows:
                    self.found.setdefault(str(row["externalid"]), now)

    def wait_all(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if all(i in self.found for i in self.waiting):
                    break
            time.sleep(0.5)
        self.stop.set()
        self.thread.join()


def netsuite_client(run: DemoRun) -> Any:
    """A NetSuite client with the demo's credentials (.env.example), on the demo's NetSuite sandbox."""
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings

    lines = (ROOT / ".env.example").read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines if line.startswith("NETSUITE_") and "=" in line)
    env["NETSUITE_BASE_URL"] = f"http://127.0.0.1:{run.ports['netsuite']}/services/rest"
    return NetSuiteClient(NetSuiteSettings.from_env(env))


def _epoch(text: str | None) -> float | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def airflow_runs(run: DemoRun) -> dict[str, dict[str, Any]]:
    """netsuite_payments' runs by run id, with their queue, start and end times and their tasks' spans."""
    from tests.demo.test_demo import airflow_session

    api = airflow_session(run)
    base = f"{run.airflow}/api/v2/dags/netsuite_payments/dagRuns"
    runs = api.get(base, params={"limit": "200", "order_by": "-logical_date"}, timeout=60).json()["dag_runs"]
    found = {}
    for item in runs:
        tasks = api.get(f"{base}/{item['dag_run_id']}/taskInstances", timeout=60).json()["task_instances"]
        found[item["dag_run_id"]] = {
            "queued": _epoch(item.get("queued_at")),
            "start": _epoch(item.get("start_date")),
            "end": _epoch(item.get("end_date")),
            "tasks": {t["task_id"]: (_epoch(t.get("start_date")), _epoch(t.get("end_date"))) for t in tasks},
            "tasks_queued": {t["task_id"]: _epoch(t.get("queued_when")) for t in tasks},
            "logs": {
                t["task_id"]: task_log_marks(run.state, item["dag_run_id"], t["task_id"]) for t in tasks
            },
        }
    return found


# Lines of a task's log (Airflow 3 writes JSON lines) that mark where its time went.
_MARKS = {"parsed": "Worker startup parse complete", "ledger": "ledger run ", "done": "Done. Returned value"}


def task_log_marks(state: Path, run_id: str, task_id: str) -> dict[str, float]:
    """When the task process logged its first line, had parsed the DAG file, had loaded NetSuite (the
    ledger's summary line), and returned (first try's log)."""
    logs = state / "airflow" / "logs" / "dag_id=netsuite_payments"
    folder = logs / f"run_id={run_id}" / f"task_id={task_id}"
    marks: dict[str, float] = {}
    for path in sorted(folder.glob("attempt=1*.log"))[:1]:
        for line in path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            at, event = _epoch(record.get("timestamp")), str(record.get("event") or "")
            if at is None:
                continue
            marks.setdefault("first", at)
            for name, text in _MARKS.items():
                if event.startswith(text):
                    marks.setdefault(name, at)
    return marks


def run_phases(runs: dict[str, dict[str, Any]]) -> dict[str, list[float]]:
    """Per run, Airflow's overhead apart from the work: scheduling, the task process's start (fork, DAG
    parse), the task's work up to NetSuite, what it does after (reports, mail), and the run's end."""
    phases: dict[str, list[float]] = {}

    def add(name: str, start: float | None, end: float | None) -> None:
        if start is not None and end is not None:
            phases.setdefault(name, []).append(end - start)

    for dag_run in runs.values():
        if not dag_run["start"]:
            continue
        queued = sorted(q for q in dag_run["tasks_queued"].values() if q)
        add("run start -> first task queued", dag_run["start"], queued[0] if queued else None)
        for task, (_, end) in dag_run["tasks"].items():
            marks = dag_run["logs"].get(task) or {}
            add(f"{task}: queued -> process logging", dag_run["tasks_queued"].get(task), marks.get("first"))
            add(f"{task}: process start -> DAG parsed", marks.get("first"), marks.get("parsed"))
            add(f"{task}: DAG parsed -> returned", marks.get("parsed"), marks.get("done"))
            add(f"{task}: DAG parsed -> in NetSuite", marks.get("parsed"), marks.get("ledger"))
            add(f"{task}: in NetSuite -> returned", marks.get("ledger"), marks.get("done"))
            add(f"{task}: returned -> task ended", marks.get("done"), end)
        ends = [end for _, end in dag_run["tasks"].values() if end]
        add("last task ended -> run ended", max(ends) if ends else None, dag_run["end"])
    return phases


def load_requests(state: Path, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The pages' record of each webhook-reported id: when recorded, when a run was asked for, which run."""
    with sqlite3.connect(state / "connector.db") as db:
        rows = db.execute(
            "SELECT stripe_id, requested_at, triggered_at, run_id FROM load_requests WHERE target = ?"
            f" AND stripe_id IN ({', '.join('?' * len(ids))})",
            ["netsuite_payments", *ids],
        ).fetchall()
    return {
        stripe_id: {"recorded": _db_time(recorded), "triggered": _db_time(triggered), "run_id": run_id}
        for stripe_id, recorded, triggered, run_id in rows
    }


def _db_time(text: str | None) -> float | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 2), "p95": round(pick(0.95), 2),
            "max": round(ordered[-1], 2)}  # fmt: skip


def sync_stripe_clock(run: DemoRun) -> int:
    """The demo's Stripe clock runs in real time from where the world's seeding left it, which may be ahead of
    this machine's (the demo accepts up to 5 minutes); the pages ask Checkout for `expires_at` = now + 31
    minutes, which Stripe refuses under 30 minutes by its clock. Put a clock ahead by more than 30 s back to
    this machine's time (freeze at now, run); returns how many seconds it was ahead."""
    clock = f"{run.stripe}/_sandbox/clock"
    ahead = int(requests.get(clock, timeout=30).json()["now"] - time.time())
    if ahead > 30:
        requests.post(f"{clock}/freeze", json={"now": int(time.time())}, timeout=30).raise_for_status()
        requests.post(f"{clock}/run", timeout=30).raise_for_status()
    return ahead


def measure(run: DemoRun, payments: int, interval: float, amount: str) -> dict[str, Any]:
    import stripe

    ahead = sync_stripe_clock(run)
    client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": run.stripe})
    link = run.link(CUSTOMER_LINK)
    netsuite = netsuite_client(run)
    watcher = Watcher(netsuite)
    paid: list[dict[str, Any]] = []
    refused: list[str] = []
    load_averages = [os.getloadavg()]
    for number in range(payments):
        began = time.monotonic()
        if number % 10 == 0:
            load_averages.append(os.getloadavg())  # a shared machine: the figures mean little without it
        try:
            session_id, at = pay(link, amount)
        except RuntimeError as error:  # e.g. a 502 from the page: counted, and the next payment goes on
            refused.append(str(error)[:200])
            continue
        session = client.v1.checkout.sessions.retrieve(session_id)
        intent = client.v1.payment_intents.retrieve(str(session.payment_intent))
        charge = str(intent.latest_charge)
        watcher.watch(charge)
        paid.append({"n": number, "session": session_id, "intent": intent.id, "charge": charge, "paid": at})
        time.sleep(max(0.0, interval - (time.monotonic() - began)))
    watcher.wait_all(600)
    load_averages.append(os.getloadavg())
    netsuite.close()
    runs = airflow_runs(run)
    recorded = load_requests(run.state, [p["intent"] for p in paid] + [p["charge"] for p in paid])
    stages: dict[str, list[float]] = {k: [] for k in ("total", "webhook", "dispatch", "queued", "run")}
    for item in paid:
        item["in_netsuite"] = watcher.found.get(item["charge"])
        if item["in_netsuite"] is None:
            continue
        stages["total"].append(item["in_netsuite"] - item["paid"])
        # The first of the events about this payment (checkout.session.completed, charge.succeeded, ...).
        found = [r for i in (item["intent"], item["charge"]) if (r := recorded.get(i)) and r["recorded"]]
        if not found:
            continue
        request = min(found, key=lambda r: r["recorded"])
        item.update(request)
        dag_run = runs.get(request["run_id"] or "")
        if request["recorded"]:
            stages["webhook"].append(request["recorded"] - item["paid"])  # Checkout -> recorded by the pages
        if request["recorded"] and request["triggered"]:
            stages["dispatch"].append(request["triggered"] - request["recorded"])  # recorded -> run asked for
        if dag_run and dag_run["start"] and request["triggered"]:
            stages["queued"].append(dag_run["start"] - request["triggered"])  # asked for -> running
        if dag_run and dag_run["start"]:
            stages["run"].append(item["in_netsuite"] - dag_run["start"])  # running -> in NetSuite
    paid_runs = {p.get("run_id") for p in paid if p.get("run_id")}
    spans: dict[str, list[float]] = {}
    for dag_run in runs.values():
        for task, (start, end) in dag_run["tasks"].items():
            if start and end:
                spans.setdefault(task, []).append(end - start)
        starts = sorted(s for s, _ in dag_run["tasks"].values() if s)
        if dag_run["start"] and starts:
            spans.setdefault("run start -> first task", []).append(starts[0] - dag_run["start"])
    return {
        "payments": payments,
        "interval_s": interval,
        "load_average_during_payments": load_averages,
        "stripe_clock_was_ahead_s": ahead,
        "landed": len(stages["total"]),
        "refused_by_the_page": refused,
        "seconds": {name: summary(values) for name, values in stages.items()},
        "runs": len({p.get("run_id") for p in paid if p.get("run_id")}),
        "task_seconds": {name: summary(values) for name, values in spans.items()},
        # Only the runs that loaded these payments: the start-up's world loading is not in them.
        "run_phase_seconds": {
            name: summary(values)
            for name, values in run_phases({k: v for k, v in runs.items() if k in paid_runs}).items()
        },
        "payments_detail": paid,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=50)
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between payment starts")
    parser.add_argument("--amount", default="1.00", help="USD per payment on customer 109's page")
    parser.add_argument("--state-dir", type=Path, help="keep the demo's state here (default: a temp dir)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    os.environ["RATE_LIMIT_ENABLED"] = "false"  # the demo reads it over .env.example's value
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        state = args.state_dir or Path(tmp) / "state"
        run = start_demo(state)
        snapshot: dict[int, str] = {}
        try:
            began = time.monotonic()
            run.wait_for(UP, STARTUP)
            print(f"demo up in {time.monotonic() - began:.0f}s; paying {args.payments} times", flush=True)
            snapshot = demo_processes(run)
            result = measure(run, args.payments, args.interval, args.amount)
            snapshot = {**snapshot, **demo_processes(run)}
            import signal

            stop_demo(run, signal.SIGTERM)
        finally:
            kill_demo(run, snapshot)
    detail = result.pop("payments_detail")
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps({**result, "payments_detail": detail}, indent=2) + "\n")
    p95 = result["seconds"]["total"].get("p95")
    return 0 if result["landed"] == args.payments and p95 is not None and p95 <= 15 else 1


if __name__ == "__main__":
    raise SystemExit(main())
