"""Ledger loading benchmark: N Stripe payments -> NetSuite customer payments at the account's limit.

    python bench/load.py --payments 2000 [--latency-ms 200] [--latency-model floor|added] [--limit 5]
                         [--out result.json]

Both sandboxes are started on free ports with state in a temporary directory. The Stripe sandbox gets a
Stripe-only scale world (`world_seeder`, N anonymous card payments over 30 days in USD/EUR/GBP/CAD; they go
to the catch-all customer, which holds every currency); stripe_sync's own functions extract and validate it
into a fresh SQLite state DB. Then the NetSuite sandbox is set, through its /_sandbox/config route, to
`latency_ms` per request and a concurrency limit of `limit` (so at most limit / latency requests per second:
25/s at 200 ms and 5) under the latency model asked for ("floor": the latency is the sandbox's response
time, its own work included, as a real service's is; "added": the latency, then its work), its counters
are reset, and the loader runs through `run_load`, the function the
`netsuite_payments` DAG's load task calls, with the hook's client (a ConcurrencyLimiter sized to the
account limit, `NETSUITE_CONCURRENCY_LIMIT`, which also sizes the loader's NetSuite writers: one more than
the limit). Reported:
wall time, customer payments per second and the fraction of the bound, every NetSuite request per second,
failed records, and the sandbox's recorded peak concurrency and 429s (from /_sandbox/stats); the CPU time
the NetSuite sandbox, the Stripe sandbox and this process (the loader) spent during the load, and the load
average before and after it (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
STRIPE_KEY = "sk_test_bench_0000000000"
NETSUITE_TBA = {
    "NETSUITE_ACCOUNT_ID": "1234567_SB1",
    "NETSUITE_CONSUMER_KEY": "bench-consumer-key",
    "NETSUITE_CONSUMER_SECRET": "bench-consumer-secret",
    "NETSUITE_TOKEN_ID": "bench-token-id",
    "NETSUITE_TOKEN_SECRET": "bench-token-secret",
}
# The ledger settings the demo uses (.env.example), the accounts of sandbox/netsuite_sandbox/SEED.md.
LEDGER_ENV = {
    "NETSUITE_TIME_ZONE": "America/Los_Angeles",
    "NETSUITE_SUBSIDIARY_CURRENCIES": "1=USD",
    "NETSUITE_PAYMENT_METHOD": "1",
    "NETSUITE_UNDEPOSITED_FUNDS_ACCOUNT": "7",
    "NETSUITE_CLEARING_ACCOUNTS": "USD=1,GBP=2,CAD=3,EUR=4,JPY=5,KWD=6",
    "NETSUITE_UNALLOCATED_CUSTOMER": "101",
    "NETSUITE_CREDIT_MEMO_ITEM": "1",
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve(module: str, data: Path, env: dict[str, str], *extra: str) -> Iterator[tuple[str, int]]:
    """`python -m <module> serve` on a free port for the duration of the block; yields its base URL and
    process id."""
    data.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", module, "serve", "--host", "127.0.0.1", "--port", "0",
               "--data", str(data), "--exit-with-parent", *extra]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    assert process.stdout is not None
    try:
        for line in process.stdout:
            found = LISTENING.search(line)
            if found:
                break
        else:
            raise RuntimeError(f"{module} exited before listening")
        yield found.group(1), process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def extract(stripe_url: str, database_url: str) -> float:
    """stripe_sync's extraction and validation into the state DB; returns the seconds it took."""
    from stripe_netsuite.store import get_engine, migrate
    from stripe_netsuite.stripe_api import RESOURCES, StripeSettings, extract_resource, itemise_paid_payouts
    from stripe_netsuite.validation import validate_pending

    began = time.perf_counter()
    migrate(database_url)
    engine = get_engine(database_url)
    settings = StripeSettings(STRIPE_KEY, stripe_url)
    now = datetime.now(UTC)
    for name in RESOURCES:
        extract_resource(settings, name, engine, now=now, run_id="bench-sync")
    itemise_paid_payouts(settings, engine, run_id="bench-sync")
    result = validate_pending(engine, "bench-sync", now=now)
    quarantined = result["per_type"]["charge"]["quarantined"]
    if quarantined:
        raise RuntimeError(f"{quarantined} charges quarantined by validation")
    return time.perf_counter() - began


def timed_limiter(limit: int) -> Any:
    """The client's ConcurrencyLimiter, also adding up how long its slots are held (NetSuite busy) and keeping
    each hold's start and end, and when all the slots were first held at once (the writes under way)."""
    from stripe_netsuite.netsuite import ConcurrencyLimiter
    from stripe_netsuite.netsuite.limiter import Slot

    class TimedLimiter(ConcurrencyLimiter):
        held = 0.0
        last_release = 0.0
        full_at: float | None = None
        holds: list[tuple[float, float]] = []

        def _acquire(self) -> Slot:
            slot = super()._acquire()
            slot.started = time.perf_counter()  # type: ignore[attr-defined]
            with self._condition:
                if self.full_at is None and self._in_flight >= self.limit:
                    self.full_at = slot.started  # type: ignore[attr-defined]
            return slot

        def _release(self, slot: Slot) -> None:
            now = time.perf_counter()
            with self._condition:
                self.held += now - slot.started  # type: ignore[attr-defined]
                self.last_release = max(self.last_release, now)
                self.holds.append((slot.started, now))  # type: ignore[attr-defined]
            super()._release(slot)

        def occupancy_while_writing(self) -> float:
            """How busy the slots were from when all were first held to the last release."""
            start, end = self.full_at or 0.0, self.last_release
            busy = sum(max(0.0, min(b, end) - max(a, start)) for a, b in self.holds)
            return busy / (self.limit * (end - start)) if end > start else 0.0

    return TimedLimiter(limit)


def load(
    stripe_url: str, netsuite_url: str, database_url: str, limit: int, workers: int | None
) -> tuple[dict[str, Any], float, dict[str, float]]:
    """run_load as the DAG's load task calls it; returns its summary, the wall time and slot figures."""
    import stripe

    from stripe_netsuite.config import Settings
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings
    from stripe_netsuite.store import get_engine
    from stripe_netsuite.sync.load_run import run_load

    env = {**NETSUITE_TBA, **LEDGER_ENV, "NETSUITE_BASE_URL": f"{netsuite_url}/services/rest",
           "NETSUITE_CONCURRENCY_LIMIT": str(limit)}  # fmt: skip
    settings = NetSuiteSettings.from_env(env)
    ledger = Settings.from_env(env).accounts.ledger_settings()
    stripe_client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": stripe_url})
    limiter = timed_limiter(settings.concurrency_limit)
    with NetSuiteClient(settings, limiter=limiter) as client:
        began = time.perf_counter()
        summary = run_load(get_engine(database_url), client, stripe_client, ledger, dag_id="bench_load",
                           run_id="bench-load", now=datetime.now(UTC), workers=workers)  # fmt: skip
        seconds = time.perf_counter() - began
    slots = {"slot_occupancy": limiter.held / (limit * seconds),
             "slot_occupancy_while_writing": limiter.occupancy_while_writing(),
             "writes_under_way_s": (limiter.full_at or began) - began,
             "netsuite_done_s": limiter.last_release - began}  # fmt: skip
    return summary, seconds, slots


def server_times(control: str, count: int) -> dict[str, float]:
    """The NetSuite sandbox's own time per request (its latency plus its work) over the last `count` (at most
    the 2,000 it keeps): the mean, and the means of the first and the last tenth (does its work grow?)."""
    log = requests.get(f"{control}/requests", params={"limit": count}, timeout=30).json()["requests"]
    durations = [float(entry["duration_ms"]) for entry in log] or [0.0]
    tenth = max(1, len(durations) // 10)
    return {"mean": sum(durations) / len(durations), "first_tenth": sum(durations[:tenth]) / tenth,
            "last_tenth": sum(durations[-tenth:]) / tenth}  # fmt: skip


def customer_payments(netsuite_url: str) -> int:
    """Customer payments whose external id is a charge id, counted through SuiteQL."""
    from stripe_netsuite.netsuite import NetSuiteClient, NetSuiteSettings

    env = {**NETSUITE_TBA, "NETSUITE_BASE_URL": f"{netsuite_url}/services/rest"}
    with NetSuiteClient(NetSuiteSettings.from_env(env)) as client:
        rows = client.suiteql(
            "SELECT COUNT(*) AS n FROM transaction WHERE type = 'CustPymt' AND externalid LIKE 'ch_%'"
        )
    return int(next(iter(rows))["n"])


def measure(
    payments: int, latency_ms: int, limit: int, threads: int, workers: int | None, model: str = "floor"
) -> dict[str, Any]:
    from stripe_netsuite.sync.load import SPARE_WRITERS
    from world_seeder import seed_world

    env = {**os.environ, **NETSUITE_TBA}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        root = Path(tmp)
        database_url = f"sqlite:///{root / 'connector.db'}"
        stripe_args = ("--api-key", STRIPE_KEY, "--clock", "frozen")
        with (
            serve("stripe_sandbox", root / "stripe", env, *stripe_args) as (stripe_url, stripe_pid),
            serve("netsuite_sandbox", root / "netsuite", env, "--seed") as (netsuite_url, ns_pid),
        ):
            began = time.perf_counter()
            seed_world(stripe_url, STRIPE_KEY, None, None, days=30, seed=7, charges=payments,
                       scale_only_stripe=True, threads=threads)  # fmt: skip
            seeded = time.perf_counter() - began
            extracted = extract(stripe_url, database_url)
            already = customer_payments(netsuite_url)  # (the seed holds none: counted, not assumed)
            control = f"{netsuite_url}/_sandbox"
            gate = {"latency_ms": latency_ms, "concurrency_limit": limit, "latency_model": model}
            requests.post(f"{control}/config", json=gate, timeout=30).raise_for_status()
            requests.post(f"{control}/stats/reset", timeout=30).raise_for_status()
            load_before = os.getloadavg()[0]
            cpu_before = (cpu_seconds(ns_pid), cpu_seconds(stripe_pid), time.process_time())
            summary, seconds, slots = load(stripe_url, netsuite_url, database_url, limit, workers)
            cpu_after = (cpu_seconds(ns_pid), cpu_seconds(stripe_pid), time.process_time())
            load_after = os.getloadavg()[0]
            netsuite_cpu, stripe_cpu, loader_cpu = (b - a for a, b in zip(cpu_before, cpu_after, strict=True))
            stats = requests.get(f"{control}/stats", timeout=30).json()
            server = server_times(control, stats["requests"])
            mean_ms = server["mean"]
            requests.post(f"{control}/config", json={"latency_ms": 0}, timeout=30).raise_for_status()
            created = customer_payments(netsuite_url) - already
    bound = limit * 1000 / latency_ms
    return {
        "payments": payments,
        "latency_ms": latency_ms,
        "latency_model": model,
        "concurrency_limit": limit,
        "workers": workers or limit + SPARE_WRITERS,
        "bound_requests_per_s": bound,
        "seed_s": round(seeded, 1),
        "extract_validate_s": round(extracted, 1),
        "load_s": round(seconds, 2),
        "loaded": summary["loaded"],
        "unchanged": summary["unchanged"],
        "failed": summary["failed"],
        "blocked": summary["blocked"],
        "customer_payments_in_netsuite": created,
        "payments_per_s": round(created / seconds, 2),
        "fraction_of_bound": round(created / seconds / bound, 3),
        "netsuite_requests": stats["requests"],
        "netsuite_requests_per_s": round(stats["requests"] / seconds, 2),
        "requests_per_payment": round(stats["requests"] / max(created, 1), 2),
        "netsuite_done_s": round(slots["netsuite_done_s"], 2),
        "slot_occupancy": round(slots["slot_occupancy"], 3),
        # From the moment all slots were first held (after the plan's SuiteQL lookups) to the last release.
        "slot_occupancy_while_writing": round(slots["slot_occupancy_while_writing"], 3),
        "all_slots_first_held_at_s": round(slots["writes_under_way_s"], 2),
        "server_mean_request_ms": round(mean_ms, 1),
        "server_ms_first_tenth": round(server["first_tenth"], 1),
        "server_ms_last_tenth": round(server["last_tenth"], 1),
        # What this machine allows: every slot always busy, each request taking what the sandbox took.
        "effective_bound_per_s": round(limit * 1000 / mean_ms, 2),
        "fraction_of_effective_bound": round(created / seconds / (limit * 1000 / mean_ms), 3),
        "peak_concurrency": stats["peak_concurrency"],
        "rejected_429": stats["rejected_429"],
        # CPU during the load (the NetSuite sandbox's per request includes the bench's few control calls).
        "netsuite_sandbox_cpu_ms_per_request": round(netsuite_cpu * 1000 / max(stats["requests"], 1), 1),
        "stripe_sandbox_cpu_ms_per_payment": round(stripe_cpu * 1000 / max(created, 1), 1),
        "loader_cpu_ms_per_payment": round(loader_cpu * 1000 / max(created, 1), 1),
        "load_average_1m_before_after": [round(load_before, 2), round(load_after, 2)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--latency-model", choices=("floor", "added"), default="floor",
                        help="latency as the sandbox's response time (floor) or before its work")  # fmt: skip
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="seeder connections")
    parser.add_argument("--workers", type=int, help="NetSuite writers (default: the account limit + 1)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = measure(args.payments, args.latency_ms, args.limit, args.threads, args.workers,
                     args.latency_model)  # fmt: skip
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    complete = result["customer_payments_in_netsuite"] == args.payments == result["loaded"]
    return 0 if complete and result["failed"] == 0 and result["peak_concurrency"] <= args.limit else 1


if __name__ == "__main__":
    raise SystemExit(main())
