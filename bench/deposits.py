"""Benchmark: building and validating the deposit of one large payout, and the size of its single request.

A synthetic paid automatic payout of N charges (each with a Stripe fee) and its `?payout=` listing, plus the
sync records the loader would read, go through `build_deposit` (all lines, the total checked in minor units)
and `Deposit.body()` (the one PUT that writes it). Reports time, peak Python memory (tracemalloc) and the
request body's size. NetSuite is not called: the write is one request per deposit whatever N is (see
tests/integration/test_sync_deposits_load.py for the requests a real run sends).

    .venv/bin/python bench/deposits.py --transactions 10000 --payouts 30
    .venv/bin/python bench/deposits.py --netsuite --transactions 10000 [--latency-ms 0]

`--netsuite` writes the large payout's deposit into a NetSuite sandbox end to end instead: a seeded sandbox
is started on a free port, N customer payments are created in it (Undeposited Funds, spread over new
customers, by external id = charge id, five at a time: setup, not timed), the payout, its charges and balance
transactions and the payments' sync records are stored in a fresh SQLite state DB as stripe_sync and the
ledger loader would have left them, and `run_deposits` (what the CLI and, payout by payout, the DAG run)
writes the deposit. Reported: wall time, NetSuite requests and the PUT's size and server time, and the
deposit read back (total == payout, N payments deposited).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from stripe_netsuite.sync.deposit_facts import SyncedRecord, index_records
from stripe_netsuite.sync.deposit_records import Deposit
from stripe_netsuite.sync.deposit_settings import DepositSettings
from stripe_netsuite.sync.deposits import build_deposit
from stripe_netsuite.sync.external_ids import LedgerRecord

ARRIVAL = 1_790_000_000
SETTINGS = DepositSettings(
    bank_accounts={"USD": "11"}, fee_account_id="8", adjustment_account_id="12",
    clearing_accounts={"USD": "1"}, undeposited_funds_account_id="7",
)  # fmt: skip


def world(payout_id: str, count: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[SyncedRecord]]:
    listed, records, total = [], [], 0
    for n in range(count):
        amount = 1000 + (n * 37) % 90000
        fee = amount * 29 // 1000 + 30
        charge = f"ch_{payout_id[3:]}x{n:07d}"
        listed.append({
            "id": f"txn_{payout_id[3:]}x{n:07d}", "object": "balance_transaction", "type": "charge",
            "reporting_category": "charge", "source": charge, "currency": "usd", "amount": amount, "fee": fee,
            "net": amount - fee, "fee_details": [{"type": "stripe_fee", "amount": fee, "currency": "usd"}],
        })  # fmt: skip
        records.append(SyncedRecord(
            LedgerRecord.PAYMENT, charge, str(100000 + n), "USD", amount=amount, stripe_amount=amount,
            account_id="7", customer_id="102", customer_currencies=frozenset({"USD"}),
        ))  # fmt: skip
        total += amount - fee
    listed.append({
        "id": f"txn_{payout_id[3:]}own", "object": "balance_transaction", "type": "payout",
        "reporting_category": "payout", "source": payout_id, "currency": "usd", "amount": -total, "fee": 0,
        "net": -total, "fee_details": [],
    })  # fmt: skip
    payout = {"id": payout_id, "object": "payout", "amount": total, "currency": "usd", "status": "paid",
              "automatic": True, "arrival_date": ARRIVAL, "balance_transaction": f"txn_{payout_id[3:]}own"}
    return payout, listed, records


def one(payout_id: str, count: int) -> dict[str, float]:
    payout, listed, records = world(payout_id, count)
    started = time.perf_counter()
    deposit = build_deposit(payout, listed, index_records(records), SETTINGS)
    assert isinstance(deposit, Deposit) and deposit.total_minor == payout["amount"]
    body = json.dumps(deposit.body()).encode()
    return {"seconds": time.perf_counter() - started, "bytes": len(body), "lines": len(deposit.payments)}


def store_payout(database_url: str, payout: dict[str, Any], listed: list[dict[str, Any]],
                 payments: dict[str, str]) -> None:  # fmt: skip
    """The state DB as stripe_sync (payout, charges, `?payout=` listing) and the loader (sync records) leave
    it."""
    from stripe_netsuite.store import (
        BalanceTransaction,
        Charge,
        Payout,
        SyncRecord,
        get_engine,
        migrate,
        session_scope,
        upsert_stripe_object,
    )

    migrate(database_url)
    created = ARRIVAL - 3 * 86400
    with session_scope(get_engine(database_url)) as session:
        upsert_stripe_object(session, Payout, {**payout, "created": created})
        for txn in listed:
            upsert_stripe_object(session, BalanceTransaction, {**txn, "created": created},
                                 extra={"payout": payout["id"]})  # fmt: skip
            if txn["type"] == "charge":
                charge = {"id": txn["source"], "object": "charge", "amount": txn["amount"], "currency": "usd",
                          "captured": True, "amount_captured": txn["amount"], "status": "succeeded",
                          "paid": True, "created": created, "balance_transaction": txn["id"]}  # fmt: skip
                upsert_stripe_object(session, Charge, charge)
        session.add_all(
            SyncRecord(stripe_id=charge_id, stripe_object_type="charge",
                       netsuite_record_type="customerPayment", external_id=charge_id,
                       netsuite_internal_id=internal_id, status="synced", attempts=1)
            for charge_id, internal_id in payments.items()
        )  # fmt: skip


def create_payments(client: Any, listed: list[dict[str, Any]], customers: int) -> dict[str, str]:
    """A customer payment in Undeposited Funds per charge, by external id: charge id -> internal id.

    Spread over `customers` new USD customers: the sandbox recomputes a customer's balances from all its
    transactions on every write, so 10,000 payments of one customer would take hours to create.
    """
    charges = [txn for txn in listed if txn["type"] == "charge"]
    with ThreadPoolExecutor(max_workers=5) as pool:
        owners = list(pool.map(
            lambda n: client.upsert("customer", f"bench-customer-{n:04d}", {
                "companyName": f"Bench Customer {n:04d}", "email": f"bench{n:04d}@example.com",
                "currency": {"id": "1"}, "subsidiary": {"id": "1"}}),
            range(customers),
        ))  # fmt: skip

        def create(numbered: tuple[int, dict[str, Any]]) -> tuple[str, str]:
            number, txn = numbered
            body = {"customer": {"id": owners[number % customers]}, "currency": {"id": "1"},
                    "payment": f"{txn['amount'] / 100:.2f}", "tranDate": "2026-10-01",
                    "undepFunds": {"id": "T"}, "paymentOption": {"id": "1"},
                    "memo": f"Stripe charge {txn['source']}"}  # fmt: skip
            return txn["source"], client.upsert("customerPayment", txn["source"], body)

        return dict(pool.map(create, enumerate(charges)))


def _seconds(start: str, end: str) -> float:
    """Seconds between two times of the sandbox's request log (ISO 8601, Z)."""
    return (datetime.fromisoformat(end.replace("Z", "+00:00"))
            - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()  # fmt: skip


def end_to_end(count: int, latency_ms: int, customers: int) -> dict[str, Any]:
    """The large payout's deposit written into a NetSuite sandbox by run_deposits (see the module doc)."""
    import requests
    from load import NETSUITE_TBA, serve  # bench/load.py: the sandboxes' launcher

    from stripe_netsuite.netsuite import ConcurrencyLimiter, NetSuiteClient, NetSuiteSettings
    from stripe_netsuite.store import get_engine
    from stripe_netsuite.sync.deposit_load_run import run_deposits

    payout, listed, _ = world("po_benchNetSuite", count)
    amounts = {txn["source"]: txn["amount"] for txn in listed if txn["type"] == "charge"}
    with tempfile.TemporaryDirectory(prefix="bench-deposits-") as tmp:
        root = Path(tmp)
        os.environ["CONNECTOR_REPORTS_DIR"] = str(root / "reports")  # the run report: not into var/
        database_url = f"sqlite:///{root / 'connector.db'}"
        with serve("netsuite_sandbox", root / "netsuite", {**os.environ, **NETSUITE_TBA}, "--seed") as url:
            env = {**NETSUITE_TBA, "NETSUITE_BASE_URL": f"{url}/services/rest"}
            settings = NetSuiteSettings.from_env(env)
            with NetSuiteClient(settings, limiter=ConcurrencyLimiter(settings.concurrency_limit)) as client:
                began = time.perf_counter()
                payments = create_payments(client, listed, customers)
                setup = time.perf_counter() - began
                bank = client.upsert("account", "bench-bank-usd", {
                    "acctNumber": "10010", "acctName": "Operating USD", "acctType": "Bank",
                    "currency": {"id": "1"}, "subsidiary": {"id": "1"}})  # fmt: skip
                store_payout(database_url, payout, listed, payments)
                deposit_settings = DepositSettings(
                    bank_accounts={"USD": bank}, fee_account_id="8", adjustment_account_id="8",
                    clearing_accounts={"USD": "1"}, undeposited_funds_account_id="7",
                )  # fmt: skip
                control = f"{url}/_sandbox"
                # async_delay_ms: the sandbox answers an async request's 202 at once and runs its job on a
                # thread, as NetSuite does (by default it runs the job before answering).
                latency = {"latency_ms": latency_ms, "async_delay_ms": 1}
                requests.post(f"{control}/config", json=latency, timeout=30).raise_for_status()
                requests.post(f"{control}/stats/reset", timeout=30).raise_for_status()
                began = time.perf_counter()
                summary = run_deposits(
                    get_engine(database_url), client, deposit_settings, dag_id="bench_deposits",
                    run_id="bench-deposits", now=datetime.now(UTC), zone=ZoneInfo("America/Los_Angeles"),
                )  # fmt: skip
                seconds = time.perf_counter() - began
                sent = requests.get(f"{control}/stats", timeout=30).json()["requests"]
                log = requests.get(f"{control}/requests", params={"limit": sent}, timeout=30).json()
                entries = log["requests"]
                (put,) = [e for e in entries if e["method"] == "PUT" and "/record/v1/deposit/" in e["path"]]
                polls = [e for e in entries if e["path"].startswith("/services/rest/async/")]
                kinds = {"suiteql": sum("/query/v1/suiteql" in e["path"] for e in entries),
                         "deposit write": 1, "job polls": len(polls)}  # fmt: skip
                found = client.suiteql(
                    "SELECT t.id, t.foreigntotal FROM transaction t WHERE t.type = 'Deposit'"
                    f" AND t.externalid = '{payout['id']}'"
                )
                (deposit,) = list(found)
                (links,) = list(client.suiteql(
                    "SELECT COUNT(*) AS n FROM nexttransactionlinelink l WHERE l.linktype = 'Deposit'"
                    f" AND l.nextdoc = {int(deposit['id'])}"
                ))  # fmt: skip
                linked = links["n"]
    # The PUT's body as the loader sent it: the same deposit, built from the payments' real internal ids.
    records = [SyncedRecord(LedgerRecord.PAYMENT, charge, internal_id, "USD", amount=amounts[charge],
                            stripe_amount=amounts[charge], account_id="7", customer_id="101",
                            customer_currencies=frozenset({"USD"}))
               for charge, internal_id in payments.items()]  # fmt: skip
    amounts_ok = Decimal(str(deposit["foreigntotal"])) == Decimal(payout["amount"]).scaleb(-2)
    built = build_deposit(payout, listed, index_records(records), deposit_settings)
    assert isinstance(built, Deposit)
    if summary["deposited"] != 1 or int(linked) != count or not amounts_ok:
        raise RuntimeError(f"the deposit was not written whole: {summary['note']}; {linked} payments linked")
    return {"transactions": count, "latency_ms": latency_ms, "setup_s": setup, "seconds": seconds,
            "requests": sent, "by_kind": kinds, "async": put.get("prefer") == "respond-async",
            "write_s": _seconds(put["time"], polls[-1]["time"]) if polls else put["duration_ms"] / 1000,
            "bytes": len(json.dumps(built.body()).encode()),
            "deposit_total": str(deposit["foreigntotal"]), "payments_deposited": int(linked)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=10_000, help="charges in the large payout")
    parser.add_argument("--payouts", type=int, default=30, help="daily payouts of a month, built one by one")
    parser.add_argument("--per-payout", type=int, default=3_334, help="charges in each daily payout")
    parser.add_argument("--netsuite", action="store_true",
                        help="write the large payout into a NetSuite sandbox")  # fmt: skip
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="--netsuite: the sandbox's latency per request")  # fmt: skip
    parser.add_argument("--customers", type=int, default=200,
                        help="--netsuite: the customers the payments are spread over")  # fmt: skip
    args = parser.parse_args()
    if args.netsuite:
        result = end_to_end(args.transactions, args.latency_ms, args.customers)
        print(json.dumps(result, indent=2))
        kinds = ", ".join(f"{count} {kind}" for kind, count in result["by_kind"].items())
        print("| transactions | run_deposits (s) | the write: request (KB), async, submit to result (s) |"
              " NetSuite requests | deposit total | payments deposited |")
        print("|---:|---:|---|---|---:|---:|")
        mode = "yes" if result["async"] else "no"
        print(f"| {result['transactions']:,} | {result['seconds']:.1f} | {result['bytes'] / 1024:.0f},"
              f" {mode}, {result['write_s']:.1f} | {result['requests']} ({kinds}) |"
              f" {result['deposit_total']} | {result['payments_deposited']:,} |")
        return

    tracemalloc.start()
    large = one("po_benchLarge", args.transactions)
    _, peak_large = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    month_seconds = 0.0
    peaks = []
    for day in range(args.payouts):
        month_seconds += one(f"po_benchDay{day:03d}", args.per_payout)["seconds"]
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.reset_peak()
    tracemalloc.stop()
    print("| case | transactions | build + validate + body (s) | peak memory (MB) | request body (KB) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| one payout | {args.transactions:,} | {large['seconds']:.2f} | {peak_large / 2**20:.1f} |"
          f" {large['bytes'] / 1024:.0f} |")
    print(f"| a month, payout by payout | {args.payouts} x {args.per_payout:,} | {month_seconds:.2f} |"
          f" first {peaks[0] / 2**20:.1f}, last {peaks[-1] / 2**20:.1f} | - |")


if __name__ == "__main__":
    main()
