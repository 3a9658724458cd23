"""stripe_sync extraction benchmark against the Stripe sandbox.

    python bench/extract.py generate --data var/bench/stripe-100k --charges 100000  # once (slow)
    python bench/extract.py measure --data var/bench/stripe-100k  # full, validate, 1% change, incremental

`generate` builds a Stripe-only world with the sandbox's seeder (N card payments over 30 days, automatic
daily payouts), then adds refunds on 1% of the charges and disputed payments (0.3%) through the public API.
`measure` copies that data directory, serves the copy, and runs each phase in its own process so that wall
time, CPU time (user + system, from wait4) and peak RSS belong to that phase alone:
  full        a first sync of every resource into an empty state DB
  validate    Great Expectations on every pending balance transaction
  change      1% of the objects changed through the API (refunds and metadata updates on old charges)
  incremental the next sync
Requests come from the sandbox's request log and are compared with the theoretical minimum: one list page
per 100 objects of each resource (at least one), one page per 100 events, one GET per changed old object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk_test_bench_0000000000"
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@contextmanager
def serve(data_dir: Path) -> Iterator[str]:
    """`python -m stripe_sandbox serve` on a free port, for the duration of the block."""
    command = [
        sys.executable, "-m", "stripe_sandbox", "serve", "--host", "127.0.0.1", "--port", "0",
        "--data", str(data_dir), "--api-key", KEY, "--clock", "frozen", "--exit-with-parent",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    try:
        for line in process.stdout:
            found = LISTENING.search(line)
            if found:
                break
        else:
            raise RuntimeError("the sandbox exited before listening")
        # Keep reading the server's output so a full pipe never blocks it.
        threading.Thread(target=lambda: [None for _ in process.stdout or ()], daemon=True).start()
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)


def control(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.request(method, f"{url}/_sandbox{path}", json=body, timeout=600)
    response.raise_for_status()
    return response.json()


def stripe_client(url: str) -> Any:
    import stripe

    return stripe.StripeClient(KEY, base_addresses={"api": url}, max_network_retries=3)


# ---- generate ---------------------------------------------------------------------------------------------


def generate(data_dir: Path, charges: int, threads: int) -> dict[str, Any]:
    from world_seeder import seed_world

    data_dir.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    with serve(data_dir) as url:
        world = seed_world(url, KEY, None, None, days=30, seed=7, charges=charges, scale_only_stripe=True,
                           threads=threads)  # fmt: skip
        client = stripe_client(url)
        extra_began = time.perf_counter()
        ids = list_ids(client.v1.charges)
        rng = random.Random(7)
        refunded = rng.sample(ids, max(1, len(ids) // 100))
        for charge_id in refunded:
            client.v1.refunds.create(params={"charge": charge_id, "amount": 100},
                                     options={"idempotency_key": f"bench-refund-{charge_id}"})  # fmt: skip
        disputes = max(1, charges * 3 // 1000)
        for number in range(disputes):
            client.v1.payment_intents.create(
                params={"amount": 5000, "currency": "usd", "payment_method": "pm_card_createDispute",
                        "confirm": True, "payment_method_types": ["card"]},
                options={"idempotency_key": f"bench-dispute-{number}"},
            )  # fmt: skip
        control(url, "POST", "/clock/advance", {"days": 2})  # sweep the new balance into payouts
        stats = control(url, "GET", "/stats")
    summary = {
        "charges": charges,
        "world_seconds": world.elapsed_seconds,
        "refunds": len(refunded),
        "disputes": disputes,
        "extra_seconds": round(time.perf_counter() - extra_began, 1),
        "generation_seconds": round(time.perf_counter() - began, 1),
        "objects": stats["objects"],
    }
    (data_dir / "bench-world.json").write_text(json.dumps(summary, indent=2))
    return summary


def list_ids(service: Any) -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = service.list(params=params)
        ids += [item.id for item in page.data]
        if not page.has_more:
            return ids
        params["starting_after"] = page.data[-1].id


# ---- measure ----------------------------------------------------------------------------------------------


def run_phase(phase: str, url: str, db: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Run one phase in a child process; its own wall, CPU and peak RSS come from wait4."""
    before = last_seq(url)
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "phase", phase, "--url", url, "--db", db, "--extra", json.dumps(extra)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"phase {phase} failed ({child.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result.update(
        wall_seconds=round(time.perf_counter() - began, 2),
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
        requests=summarise_requests(request_log(url, before)),
    )
    print(json.dumps({"phase": phase, **result}), file=sys.stderr, flush=True)  # partial results survive
    return result


def last_seq(url: str) -> int:
    log = request_log(url, 0, newest_only=True)
    return log[-1]["seq"] if log else 0


def request_log(url: str, since: int, newest_only: bool = False) -> list[dict[str, Any]]:
    if newest_only:
        seq = since
        while True:  # jump ahead in big steps: the log is long after generation
            page = control(url, "GET", f"/requests?since={seq}")["requests"]
            if not page:
                return [{"seq": seq}] if seq else []
            seq = page[-1]["seq"]
    found: list[dict[str, Any]] = []
    while True:
        page = control(url, "GET", f"/requests?since={since}")["requests"]
        if not page:
            return found
        found += page
        since = page[-1]["seq"]


def summarise_requests(log: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"total": len(log), "list": 0, "itemise": 0, "events": 0, "retrieve": 0, "other": 0}
    collections = {"/v1/charges", "/v1/refunds", "/v1/disputes", "/v1/payouts", "/v1/balance_transactions",
                   "/v1/customers", "/v1/payment_intents", "/v1/checkout/sessions"}  # fmt: skip
    for entry in log:
        path, params = entry["path"], entry["params"]
        if path == "/v1/events":
            counts["events"] += 1
        elif path in collections:
            counts["itemise" if "payout" in params else "list"] += 1
        elif path.rpartition("/")[0] in collections:
            counts["retrieve"] += 1
        else:
            counts["other"] += 1
    return counts


def phase_main(phase: str, url: str, db: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The body of one measured phase (runs in the child process)."""
    from stripe_netsuite.store import get_engine, migrate
    from stripe_netsuite.stripe_api import (
        ITEMISATION,
        RESOURCES,
        StripeSettings,
        extract_resource,
        itemise_paid_payouts,
    )

    engine = get_engine(db)
    if phase in ("full", "incremental"):
        migrate(db)
        settings = StripeSettings(KEY, url, rate_budget=float(extra.get("rate_budget", 20)))
        now = datetime.now(UTC)
        results = {
            name: extract_resource(settings, name, engine, now=now, run_id=phase) for name in RESOURCES
        }
        results[ITEMISATION] = itemise_paid_payouts(settings, engine, run_id=phase)  # as the DAG, after all
        return {
            "resources": {
                name: {k: v for k, v in r.items() if k != "accounts"} for name, r in results.items()
            }
        }
    if phase == "validate":
        from stripe_netsuite.validation import validate_pending

        began = time.perf_counter()
        result = validate_pending(
            engine, "bench", now=datetime.now(UTC), object_types=["balance_transaction"]
        )
        return {"validated": result["per_type"]["balance_transaction"],
                "validate_seconds": round(time.perf_counter() - began, 2)}  # fmt: skip
    if phase == "change":
        return change_one_percent(url, int(extra["objects"]))
    raise ValueError(phase)


def change_one_percent(url: str, objects: int) -> dict[str, Any]:
    """Change 1% of the objects: half refunds on old charges (new refund + BT, charge changes), half
    metadata updates on other old charges."""
    import stripe

    client = stripe_client(url)
    charges = list_ids(client.v1.charges)
    rng = random.Random(11)
    wanted = max(2, objects // 100)
    picked = rng.sample(charges, wanted)
    refunds, updates = picked[: wanted // 2], picked[wanted // 2 :]
    skipped = 0
    for charge_id in refunds:
        try:
            client.v1.refunds.create(params={"charge": charge_id, "amount": 50})
        except stripe.InvalidRequestError:  # disputed (charged back): Stripe refuses; update it instead
            skipped += 1
            client.v1.charges.update(charge_id, params={"metadata": {"bench": "changed"}})
    for charge_id in updates:
        client.v1.charges.update(charge_id, params={"metadata": {"bench": "changed"}})
    return {"refunded_charges": len(refunds) - skipped, "updated_charges": len(updates) + skipped}


def minimum_requests(counts: dict[str, int], resources_with_events: int) -> int:
    return sum(max(1, math.ceil(n / 100)) for n in counts.values()) + resources_with_events


def measure(data_dir: Path, rate_budget: float, validate_too: bool = True) -> dict[str, Any]:
    world = json.loads((data_dir / "bench-world.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="bench-extract-"))
    copy_began = time.perf_counter()
    shutil.copytree(data_dir, work / "stripe")
    copy_seconds = round(time.perf_counter() - copy_began, 1)
    db = f"sqlite:///{work / 'connector.db'}"
    extra = {"rate_budget": rate_budget}
    try:
        with serve(work / "stripe") as url:
            full = run_phase("full", url, db, extra)
            validate = run_phase("validate", url, db, extra) if validate_too else {}
            objects = sum(r["listed"] for r in full["resources"].values())
            change = run_phase("change", url, db, {"objects": objects})
            incremental = run_phase("incremental", url, db, extra)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    listed = {name: r["listed"] for name, r in full["resources"].items()}
    new = [r["inserted"] for r in incremental["resources"].values()]
    events = sum(r["events_read"] for r in incremental["resources"].values())
    changed_old = change["refunded_charges"] + change["updated_charges"]
    incremental["minimum_requests"] = {
        "list": sum(max(1, math.ceil(n / 100)) for n in new),
        "events": max(1, math.ceil(events / 100)),  # one feed of every type could serve all resources
        "retrieve": changed_old,
    }
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}",
        "rate_budget": rate_budget,
        "world": world,
        "copy_seconds": copy_seconds,
        "full": {**full, "minimum_list_requests": sum(max(1, math.ceil(n / 100)) for n in listed.values())},
        "validate": validate,
        "change": change,
        "incremental": incremental,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--data", type=Path, required=True)
    gen.add_argument("--charges", type=int, default=100_000)
    gen.add_argument("--threads", type=int, default=2)
    meas = sub.add_parser("measure")
    meas.add_argument("--data", type=Path, required=True)
    meas.add_argument("--rate-budget", type=float, default=20.0)
    meas.add_argument("--out", type=Path, help="also write the JSON result here")
    meas.add_argument("--skip-validate", action="store_true", help="leave out the GX phase")
    phase = sub.add_parser("phase")
    phase.add_argument("phase")
    phase.add_argument("--url", required=True)
    phase.add_argument("--db", required=True)
    phase.add_argument("--extra", default="{}")
    args = parser.parse_args(argv)
    if args.command == "generate":
        print(json.dumps(generate(args.data, args.charges, args.threads), indent=2))
    elif args.command == "measure":
        result = measure(args.data, args.rate_budget, validate_too=not args.skip_validate)
        text = json.dumps(result, indent=2)
        if args.out:
            args.out.write_text(text)
        print(text)
    else:
        print(json.dumps(phase_main(args.phase, args.url, args.db, json.loads(args.extra))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
