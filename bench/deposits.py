"""Benchmark: building and validating the deposit of one large payout, and the size of its single request.

A synthetic paid automatic payout of N charges (each with a Stripe fee) and its `?payout=` listing, plus the
sync records the loader would read, go through `build_deposit` (all lines, the total checked in minor units)
and `Deposit.body()` (the one PUT that writes it). Reports time, peak Python memory (tracemalloc) and the
request body's size. NetSuite is not called: the write is one request per deposit whatever N is (see
tests/integration/test_sync_deposits_load.py for the requests a real run sends).

    .venv/bin/python bench/deposits.py --transactions 10000 --payouts 30
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from typing import Any

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=10_000, help="charges in the large payout")
    parser.add_argument("--payouts", type=int, default=30, help="daily payouts of a month, built one by one")
    parser.add_argument("--per-payout", type=int, default=3_334, help="charges in each daily payout")
    args = parser.parse_args()

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
