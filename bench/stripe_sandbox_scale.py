"""Stripe sandbox at scale: seed N card payments through the public API, then page through them.

    .venv/bin/python bench/stripe_sandbox_scale.py [--charges 100000] [--threads 4] [--sizes 10000,50000]

Starts its own sandbox on a free port (data in a temporary directory unless --data), seeds a Stripe-only world
with `world_seeder.seed_world(..., scale_only_stripe=True)`, then times stripe-python's
`auto_paging_iter()` over the newest K charges for each K in --sizes (pages of 100, newest first), so the
figures show whether listing time grows in proportion to what is read and not to what is stored.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import run_sandbox  # noqa: E402
from world_seeder import seed_world  # noqa: E402

API_KEY = "sk_test_bench_0000000000"


def page_through(url: str, count: int) -> tuple[int, float]:
    """(charges read, seconds) reading the newest `count` charges in pages of 100."""
    import stripe

    client = stripe.StripeClient(API_KEY, base_addresses={"api": url})
    began = time.perf_counter()
    read = 0
    for _charge in client.v1.charges.list({"limit": 100}).auto_paging_iter():
        read += 1
        if read >= count:
            break
    return read, time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charges", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--sizes", default="10000,50000,100000", help="comma-separated listing sizes")
    parser.add_argument("--data", help="sandbox data directory (default: a temporary one)")
    args = parser.parse_args(argv)
    sizes = sorted({min(int(size), args.charges) for size in args.sizes.split(",")})

    with tempfile.TemporaryDirectory(prefix="stripe-scale-") as scratch:
        data = Path(args.data) if args.data else Path(scratch)
        options = ("--api-key", API_KEY, "--clock", "frozen")
        with run_sandbox("stripe_sandbox", data, extra_args=options, timeout=120) as server:
            summary = seed_world(
                server.url,
                API_KEY,
                None,
                None,
                days=args.days,
                charges=args.charges,
                scale_only_stripe=True,
                threads=args.threads,
            )
            print(
                f"seeded {summary.bulk_charges} charges in {summary.bulk_seconds:.1f} s "
                f"({summary.bulk_rate:.0f}/s, {args.threads} threads); total {summary.elapsed_seconds:.1f} s"
            )
            print("objects:", {k: v for k, v in summary.counts.items() if k.startswith("objects.")})
            print(f"{'charges listed':>15} {'seconds':>9} {'charges/s':>10}")
            for size in sizes:
                read, seconds = page_through(server.url, size)
                print(f"{read:>15} {seconds:>9.2f} {read / seconds:>10.0f}")
            database = data / "stripe.sqlite3"
            if database.exists():
                print(f"database size: {database.stat().st_size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
